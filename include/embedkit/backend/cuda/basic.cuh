// Small kernels and device functions the cuda backend's larger kernels build on.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

#include "embedkit/backend/cuda/runtime.cuh"

namespace embedkit::detail {

inline constexpr int threads_per_block = 256;

// The one launch of every kernel here: `work` items for a grid-stride loop, threads_per_block
// threads a block, on the calling thread's current stream, the launch checked and named in the
// error. The kernel is named with its template arguments (launch("k", n, k<T>, ...)).
template <class... Params, class... Args>
void launch(const char* name, std::int64_t work, void (*kernel)(Params...), Args&&... args) {
  kernel<<<blocks_for(work, threads_per_block), threads_per_block, 0, current_stream_slot()>>>(
      static_cast<Params>(std::forward<Args>(args))...);
  cuda_check_launch(name);
}

// Grid-stride loop bounds.
__device__ inline std::int64_t global_thread() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t grid_threads() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

// (A template, as every kernel here: a header's kernels may be in many translation units.)
template <class T>
__global__ void iota_kernel(T* out, std::int64_t n) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) out[i] = static_cast<T>(i);
}

// out[i] = i for i in [0, n), on the current stream.
inline void fill_iota(std::int64_t* out, std::int64_t n) {
  if (n <= 0) return;
  launch("iota_kernel", n, iota_kernel<std::int64_t>, out, n);
}

// The first k in [0, n) with a[k] >= v (n if none): a is ascending.
template <class T, class V>
__device__ inline std::int64_t lower_bound(const T* a, std::int64_t n, V v) {
  std::int64_t lo = 0, hi = n;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<std::int64_t>(a[mid]) < static_cast<std::int64_t>(v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// The first k in [0, n) with a[k] > v (n if none): a is ascending.
template <class T, class V>
__device__ inline std::int64_t upper_bound(const T* a, std::int64_t n, V v) {
  std::int64_t lo = 0, hi = n;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<std::int64_t>(a[mid]) <= static_cast<std::int64_t>(v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

}  // namespace embedkit::detail
