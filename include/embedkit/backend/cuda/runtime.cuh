// The CUDA runtime as the cuda backend uses it: errors turned into ek::cuda_error, the
// calling thread's current stream (every kernel and copy of the backend runs on it), and the
// launch geometry helpers the kernels share.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "embedkit/core/error.hpp"

namespace embedkit {

// A failure reported by the CUDA runtime (no device memory left, a kernel that could not be
// launched, a device in an error state). Carries the runtime's error code.
class cuda_error : public error {
 public:
  cuda_error(const std::string& what, cudaError_t code) : error(what), code_(code) {}
  cudaError_t code() const noexcept { return code_; }

 private:
  cudaError_t code_;
};

namespace detail {

// Throws cuda_error for a failed runtime call, naming the call and the runtime's message.
inline void cuda_check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // clears a non-sticky error so the next call starts clean
    raise<cuda_error>(std::string("CUDA: ") + call + " failed: " + cudaGetErrorName(status) +
                          " (" + cudaGetErrorString(status) + ")",
                      status);
  }
}

// Checks the launch that was just made (a bad configuration shows up here, not at the call).
inline void cuda_check_launch(const char* kernel) { cuda_check(cudaGetLastError(), kernel); }

// The thread's current stream: cudaStreamPerThread unless a stream_scope says otherwise, so
// host threads running layers concurrently do not serialise on the legacy default stream.
inline cudaStream_t& current_stream_slot() noexcept {
  thread_local cudaStream_t stream = cudaStreamPerThread;
  return stream;
}

// Blocks of `threads` threads covering `work` items, capped (the kernels loop grid-stride).
inline unsigned blocks_for(std::int64_t work, int threads, std::int64_t cap = 65535 * 8) noexcept {
  const std::int64_t b = (work + threads - 1) / threads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > cap ? cap : b));
}

}  // namespace detail
}  // namespace embedkit
