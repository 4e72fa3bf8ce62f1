// Entry point of embedkit_cuda_tests. Without a CUDA device (or driver) there is nothing to
// test: the program says so and exits with 77, which CTest reports as skipped (never as
// passed). EMBEDKIT_REQUIRE_CUDA=1 turns that into a failure, for machines that must have one.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

namespace {

constexpr int kSkipped = 77;  // SKIP_RETURN_CODE in tests/cuda/CMakeLists.txt

}  // namespace

int main(int argc, char** argv) {
  if (embedkit::cuda::device_count() == 0) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    const char* reason = status == cudaSuccess ? "the runtime reports 0 devices" : cudaGetErrorString(status);
    const char* required = std::getenv("EMBEDKIT_REQUIRE_CUDA");
    const bool must_run = required != nullptr && std::strcmp(required, "1") == 0;
    std::printf("embedkit_cuda_tests: %s, no CUDA device (%s)\n", must_run ? "FAILED" : "SKIPPED", reason);
    return must_run ? 1 : kSkipped;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
