// Device memory for the cuda backend: stream-ordered allocation (cudaMallocAsync from the
// device's memory pool, freed with cudaFreeAsync on the current stream), so that a layer's
// temporaries cost no device-wide synchronisation. Copies use cudaMemcpyDefault: with unified
// addressing the runtime knows which side each pointer is on.
#pragma once

#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "embedkit/backend/cuda/runtime.cuh"
#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/host/memory.hpp"

namespace embedkit::detail {

// Keeps freed memory in the current device's default pool instead of returning it to the
// driver at every synchronisation (the pool's default threshold is 0, and every layer call
// synchronises once): without this, each call's output and temporaries would be mapped anew.
// Done once per device and process; define EMBEDKIT_CUDA_KEEP_POOL_THRESHOLD to leave the
// pool as the application configured it.
inline void retain_pool_memory() {
#if !defined(EMBEDKIT_CUDA_KEEP_POOL_THRESHOLD)
  constexpr int max_devices = 64;
  static std::atomic<bool> done[max_devices] = {};
  // A failure here is not fatal (the allocation that follows reports real trouble); the
  // runtime's last-error slot is cleared only when one of these calls set it.
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) {
    (void)cudaGetLastError();
    return;
  }
  if (device < 0 || device >= max_devices || done[device].exchange(true)) return;
  cudaMemPool_t pool;
  std::uint64_t keep = std::numeric_limits<std::uint64_t>::max();
  if (cudaDeviceGetDefaultMemPool(&pool, device) != cudaSuccess ||
      cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep) != cudaSuccess) {
    (void)cudaGetLastError();
  }
#endif
}

struct cuda_memory {
  template <class T>
  static T* allocate(std::int64_t count) {
    if (count <= 0) return nullptr;
    const std::size_t bytes = allocation_bytes<T>(count);
    retain_pool_memory();
    void* p = nullptr;
    cuda_check(cudaMallocAsync(&p, bytes, current_stream_slot()),
               "cudaMallocAsync");
    return static_cast<T*>(p);
  }

  // Never throws (it runs in destructors): a failure here means the context is already
  // broken, and the next checked call reports it.
  template <class T>
  static void deallocate(T* p, std::int64_t /*count*/) noexcept {
    if (p) (void)cudaFreeAsync(p, current_stream_slot());
  }

  // Stream-ordered copy between device buffers (or from host memory, which the runtime stages).
  static void copy_bytes(void* dst, const void* src, std::size_t bytes) {
    if (bytes) {
      cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, current_stream_slot()),
                 "cudaMemcpyAsync");
    }
  }

  // Device to host: complete when it returns.
  static void copy_to_host(void* dst, const void* src, std::size_t bytes) {
    if (!bytes) return;
    const cudaStream_t s = current_stream_slot();
    cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s), "cudaMemcpyAsync (to host)");
    cuda_check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
  }

  // Host to device: the host buffer may be reused when it returns (pageable memory is staged
  // before cudaMemcpyAsync returns; the synchronisation makes that true for pinned memory too).
  static void copy_from_host(void* dst, const void* src, std::size_t bytes) {
    if (!bytes) return;
    const cudaStream_t s = current_stream_slot();
    cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s), "cudaMemcpyAsync (from host)");
    cuda_check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
  }

  template <class T>
  static T load(const T* p) {
    T v{};
    copy_to_host(&v, p, sizeof(T));
    return v;
  }

  static void zero_bytes(void* dst, std::size_t bytes) {
    if (bytes) cuda_check(cudaMemsetAsync(dst, 0, bytes, current_stream_slot()), "cudaMemsetAsync");
  }
};

template <>
struct memory_of<cuda> : cuda_memory {};

}  // namespace embedkit::detail
