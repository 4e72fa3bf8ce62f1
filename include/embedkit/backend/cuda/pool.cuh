// The cuda pool op (backend/common/pool.hpp): one block per sample, its threads over the
// columns. A thread walks the sample's positions in order and reads only the real tokens'
// rows (the mask is the same for all threads, so its reads are broadcasts; the rows are read
// coalesced across the columns). Each column is reduced in T with the cpu kernel's
// operations in the cpu kernel's order (backend/cpu/pool.hpp): additions in position order,
// products rounded before they are added (no fused multiply-add), counts and weights summed
// in T, and a true division, so the two backends agree to the last bit or close to it. A
// sample's rows of padding are never read (cls of a sample without real tokens excepted: it
// is position 0, as on the cpu).
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "embedkit/backend/common/pool.hpp"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/core/pooling_mode.hpp"

namespace embedkit::detail {

// a * b rounded on its own: keeps the compiler from fusing it into the addition that follows.
__device__ inline float product_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline double product_rn(double a, double b) { return __dmul_rn(a, b); }

// std::max(v, 1e-9) in T: torch's clamp(min=1e-9) of a count or a sum of weights.
template <class T>
__device__ inline T clamp_tiny(T v) {
  const T tiny = static_cast<T>(1e-9);
  return v < tiny ? tiny : v;
}

// Blocks take samples grid-stride (a batch may outnumber the grid).
template <class T>
__global__ void __launch_bounds__(threads_per_block) pool_kernel(const PoolProblem<T> p) {
  const std::int64_t length = p.length, dim = p.dim;
  for (std::int64_t b = blockIdx.x; b < p.batch; b += gridDim.x) {
    const bool* mask = p.mask + b * length;
    const T* x = p.x + b * length * dim;  // never dereferenced when length is 0
    T* out = p.out + b * p.out_stride;
    switch (p.mode) {
      case PoolingMode::cls: {
        // The first real token; without one, position 0 (sentence-transformers' argmax of an
        // all-false mask); without positions, zeros.
        std::int64_t t = 0;
        while (t < length && !mask[t]) ++t;
        if (t == length) t = 0;
        for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
          out[j] = length > 0 ? x[t * dim + j] : T(0);
        }
        break;
      }
      case PoolingMode::lasttoken: {
        std::int64_t t = length - 1;
        while (t >= 0 && !mask[t]) --t;
        for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
          out[j] = t >= 0 ? x[t * dim + j] : T(0);
        }
        break;
      }
      case PoolingMode::max: {
        for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
          T m = p.max_fill;
          bool any = false;
          for (std::int64_t t = 0; t < length; ++t) {
            if (!mask[t]) continue;
            const T v = x[t * dim + j];
            // A NaN wins and stays, as in torch.max.
            if (!any || v > m || isnan(v)) m = v;
            any = true;
          }
          out[j] = m;
        }
        break;
      }
      case PoolingMode::sum:
      case PoolingMode::mean:
      case PoolingMode::mean_sqrt_len_tokens: {
        for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
          T s = T(0);
          std::int64_t count = 0;
          for (std::int64_t t = 0; t < length; ++t) {
            if (!mask[t]) continue;
            s += x[t * dim + j];
            ++count;
          }
          const T n = clamp_tiny(static_cast<T>(count));
          if (p.mode == PoolingMode::mean) s = s / n;
          if (p.mode == PoolingMode::mean_sqrt_len_tokens) s = s / sqrt(n);
          out[j] = s;
        }
        break;
      }
      case PoolingMode::weightedmean: {
        for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
          T s = T(0), weights = T(0);
          for (std::int64_t t = 0; t < length; ++t) {
            if (!mask[t]) continue;
            const T w = static_cast<T>(t + 1);
            s += product_rn(x[t * dim + j], w);
            weights += w;
          }
          out[j] = s / clamp_tiny(weights);
        }
        break;
      }
    }
  }
}

struct cuda_pool_ops {
  template <class T>
  static void pool(const PoolProblem<T>& p) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "the cuda pool op reduces float or double tensors");
    if (p.batch <= 0 || p.dim <= 0) return;
    launch("pool_kernel", p.batch * threads_per_block, pool_kernel<T>, p);
  }
};

}  // namespace embedkit::detail
