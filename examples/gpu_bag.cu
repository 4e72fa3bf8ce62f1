// EmbeddingBag on the GPU, next to the same layer on the CPU: a table built once on the host,
// moved to the device, pooled there in sum / mean / max bags, and the results brought back and
// compared with the cpu layer's. Also shows a user stream and the error a bad index gives.
//
//   cmake -S . -B build -DEMBEDKIT_ENABLE_CUDA=ON && cmake --build build --target embedkit_gpu_bag
//   build/examples/embedkit_gpu_bag
//
// Without a GPU it says so and exits with status 77 (CTest's "skipped").
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

namespace ek = embedkit;

int main() {
  if (!ek::cuda::available()) {
    std::printf("embedkit_gpu_bag: no CUDA device here, nothing to show\n");
    return 77;
  }
  // Host data: 1000 rows of dim 64 (the same seed gives the same table on either backend),
  // and three bags given by offsets, the last one empty.
  ek::EmbeddingBag<float> cpu_bag(1000, 64, {.mode = ek::Mode::mean, .seed = 42});
  const std::vector<std::int64_t> ids{3, 141, 59, 26, 535, 897, 932};
  const std::vector<std::int64_t> offsets{0, 4, 7};
  const ek::TensorView<const std::int64_t> host_ids(ids.data(), {7});
  const ek::TensorView<const std::int64_t> host_offsets(offsets.data(), {3});

  // The same layer on the GPU: the table and the inputs are copied to device memory.
  const ek::Tensor<float, ek::cuda> table = ek::to<ek::cuda>(cpu_bag.weight());
  auto gpu_bag = ek::EmbeddingBag<float, ek::cuda>::from_pretrained(table.cview(), {.mode = ek::Mode::mean});
  const ek::Tensor<std::int64_t, ek::cuda> d_ids = ek::to<ek::cuda>(host_ids);
  const ek::Tensor<std::int64_t, ek::cuda> d_offsets = ek::to<ek::cuda>(host_offsets);

  // Work on a stream of our own: every kernel and copy of the calls below runs on it.
  cudaStream_t stream;
  cudaStreamCreate(&stream);
  {
    ek::cuda::stream_scope on(stream);
    const ek::Tensor<float> gpu = ek::to<ek::cpu>(gpu_bag.forward(d_ids.cview(), d_offsets.cview()));
    const ek::Tensor<float> cpu = cpu_bag.forward(host_ids, host_offsets);
    double worst = 0;
    for (std::int64_t i = 0; i < cpu.numel(); ++i) worst = std::fmax(worst, std::fabs(gpu[i] - cpu[i]));
    std::printf("mean bags [%lld, %lld] on %s; largest difference from the cpu layer: %.3g\n",
                static_cast<long long>(gpu.shape()[0]), static_cast<long long>(gpu.shape()[1]),
                ek::cuda::name, worst);
    std::printf("bag 0 starts %.5f %.5f %.5f; the empty bag 2 is %.1f ... %.1f\n", gpu[0], gpu[1], gpu[2],
                gpu[2 * 64], gpu[3 * 64 - 1]);

    // A bad index is reported like on the cpu, and the device stays usable.
    const std::vector<std::int64_t> bad{3, 1000};
    const auto d_bad = ek::to<ek::cuda>(ek::TensorView<const std::int64_t>(bad.data(), {2}));
    const auto d_zero = ek::to<ek::cuda>(ek::TensorView<const std::int64_t>(offsets.data(), {1}));
    try {
      (void)gpu_bag.forward(d_bad.cview(), d_zero.cview());
    } catch (const ek::index_error& e) {
      std::printf("bad index: %s\n", e.what());
    }
  }
  cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  return 0;
}
