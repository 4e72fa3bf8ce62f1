// The cuda pointwise op (backend/common/pointwise.hpp): activations, padding masks and a pair
// model's comparators over elements (grid-stride), LayerNorm, softmax and L2 normalisation
// with one block per row.
// Row statistics (mean, variance, sums of exponentials, squared norms) are accumulated in
// double and reduced across the block in a fixed order, with the cpu kernels' formulas
// (backend/cpu/pointwise.hpp), so the two backends differ only by the order of the additions.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "embedkit/backend/common/pointwise.hpp"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/core/activation.hpp"
#include "embedkit/core/comparator.hpp"

namespace embedkit::detail {

// One activation of one value, as torch.nn (and activation_value on the cpu) computes it.
template <class T>
__device__ inline T device_activation(Activation a, T x) {
  switch (a) {
    case Activation::linear: return x;
    case Activation::relu: return x > T(0) ? x : T(0);
    case Activation::tanh: return tanh(x);
    case Activation::sigmoid: return T(1) / (T(1) + exp(-x));
    case Activation::gelu: return x * T(0.5) * (T(1) + erf(x * T(0.70710678118654752440)));
  }
  return x;
}

// The sum of every thread's v, returned to every thread of the block. `scratch` holds one
// partial sum per warp; each thread adds them in warp order, so all get the same bits. The
// leading barrier lets a block call this again with the same scratch.
template <class A>
__device__ inline A block_sum(A v, A* scratch) {
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warps = static_cast<int>((blockDim.x + 31) / 32);
  __syncthreads();
  if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = v;
  __syncthreads();
  A total = scratch[0];
  for (int w = 1; w < warps; ++w) total += scratch[w];
  return total;
}

// The largest v of the block, returned to every thread (same scratch rule as block_sum).
template <class T>
__device__ inline T block_max(T v, T* scratch) {
  for (int o = 16; o > 0; o /= 2) {
    const T other = __shfl_xor_sync(0xffffffffu, v, o);
    v = other > v ? other : v;
  }
  const int warps = static_cast<int>((blockDim.x + 31) / 32);
  __syncthreads();
  if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = v;
  __syncthreads();
  T top = scratch[0];
  for (int w = 1; w < warps; ++w) top = scratch[w] > top ? scratch[w] : top;
  return top;
}

template <class T>
__global__ void activate_kernel(Activation a, T* x, std::int64_t n) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) x[i] = device_activation(a, x[i]);
}

// Blocks take rows grid-stride (rows may outnumber the grid). out may alias x: every read of
// a row by another thread happens before the barriers of the reductions, and each thread then
// reads and writes only its own elements.
template <class T>
__global__ void __launch_bounds__(threads_per_block)
    layer_norm_kernel(const T* x, std::int64_t rows, std::int64_t dim, const T* gamma,
                      const T* beta, double eps, T* out) {
  __shared__ double scratch[32];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* in = x + r * dim;
    T* o = out + r * dim;
    double sum = 0;
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) sum += static_cast<double>(in[j]);
    double mean = block_sum(sum, scratch) / static_cast<double>(dim);
    // The cpu's corrected two-pass algorithm: the residuals' own sum repairs the rounding of
    // the first mean (rows far from zero).
    double sq = 0, drift = 0;
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
      const double d = static_cast<double>(in[j]) - mean;
      drift += d;
      sq += d * d;
    }
    drift = block_sum(drift, scratch);
    sq = block_sum(sq, scratch) - drift * drift / static_cast<double>(dim);
    mean += drift / static_cast<double>(dim);
    const double rstd = 1.0 / sqrt((sq < 0.0 ? 0.0 : sq) / static_cast<double>(dim) + eps);
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
      double v = (static_cast<double>(in[j]) - mean) * rstd;
      if (gamma != nullptr) v *= static_cast<double>(gamma[j]);
      if (beta != nullptr) v += static_cast<double>(beta[j]);
      o[j] = static_cast<T>(v);
    }
  }
}

// In place; every thread starts its maximum from the row's first element (dim >= 1 here), so
// no infinity is needed and a row of -inf gives the cpu's NaNs.
template <class T>
__global__ void __launch_bounds__(threads_per_block)
    softmax_kernel(T* x, std::int64_t rows, std::int64_t dim) {
  __shared__ T top_scratch[32];
  __shared__ double sum_scratch[32];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    T* v = x + r * dim;
    T m = v[0];
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) m = v[j] > m ? v[j] : m;
    const T top = block_max(m, top_scratch);
    double sum = 0;
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) sum += exp(static_cast<double>(v[j] - top));
    sum = block_sum(sum, sum_scratch);
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
      v[j] = static_cast<T>(exp(static_cast<double>(v[j] - top)) / sum);
    }
  }
}

template <class T>
__global__ void __launch_bounds__(threads_per_block)
    normalize_kernel(T* x, std::int64_t rows, std::int64_t dim, double eps) {
  __shared__ double scratch[32];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    T* v = x + r * dim;
    double sq = 0;
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) {
      const double d = static_cast<double>(v[j]);
      sq += d * d;
    }
    // PyTorch divides by the clamped norm, rounded to T first (a NaN norm stays NaN, as
    // std::max keeps it on the cpu).
    const double n = sqrt(block_sum(sq, scratch));
    const T norm = static_cast<T>(n < eps ? eps : n);
    for (std::int64_t j = threadIdx.x; j < dim; j += blockDim.x) v[j] = v[j] / norm;
  }
}

template <class T>
__global__ void add_tiled_kernel(const T* tile, std::int64_t tile_size, T* x, std::int64_t n) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) x[i] += tile[i % tile_size];
}

template <class T>
__global__ void zero_masked_kernel(T* x, std::int64_t rows, std::int64_t dim, const bool* keep) {
  const std::int64_t total = rows * dim;
  for (std::int64_t i = global_thread(); i < total; i += grid_threads()) {
    if (!keep[i / dim]) x[i] = T(0);
  }
}

// One thread per (row, column) of u and v: it writes that column of the comparison (and, for
// concat, its copy of v's column dim places further on).
template <class T>
__global__ void compare_kernel(Comparator kind, const T* u, const T* v, std::int64_t rows,
                               std::int64_t dim, T* out, std::int64_t out_stride) {
  const std::int64_t total = rows * dim;
  for (std::int64_t i = global_thread(); i < total; i += grid_threads()) {
    const std::int64_t r = i / dim, j = i - r * dim;
    T* o = out + r * out_stride;
    switch (kind) {
      case Comparator::hadamard: o[j] = u[i] * v[i]; break;
      case Comparator::concat:
        o[j] = u[i];
        o[dim + j] = v[i];
        break;
      case Comparator::abs_diff: o[j] = fabs(u[i] - v[i]); break;
    }
  }
}

struct cuda_pointwise_ops {
  template <class T>
  static void activate(Activation a, T* x, std::int64_t n) {
    if (a == Activation::linear || n <= 0) return;
    launch("activate_kernel", n, activate_kernel<T>, a, x, n);
  }

  // Row kernels: one block of threads_per_block threads per row (launch's grid for
  // rows * threads_per_block items), nothing launched for an empty problem.
  template <class T>
  static void layer_norm(const T* x, std::int64_t rows, std::int64_t dim, const T* gamma,
                         const T* beta, double eps, T* out) {
    if (rows <= 0 || dim <= 0) return;
    launch("layer_norm_kernel", rows * threads_per_block, layer_norm_kernel<T>, x, rows, dim, gamma,
           beta, eps, out);
  }

  template <class T>
  static void softmax(T* x, std::int64_t rows, std::int64_t dim) {
    if (rows <= 0 || dim <= 0) return;
    launch("softmax_kernel", rows * threads_per_block, softmax_kernel<T>, x, rows, dim);
  }

  template <class T>
  static void normalize(T* x, std::int64_t rows, std::int64_t dim, double eps) {
    if (rows <= 0 || dim <= 0) return;
    launch("normalize_kernel", rows * threads_per_block, normalize_kernel<T>, x, rows, dim, eps);
  }

  template <class T>
  static void add_tiled(const T* tile, std::int64_t tile_size, T* x, std::int64_t n) {
    if (n <= 0 || tile_size <= 0) return;
    launch("add_tiled_kernel", n, add_tiled_kernel<T>, tile, tile_size, x, n);
  }

  template <class T>
  static void zero_masked(T* x, std::int64_t rows, std::int64_t dim, const bool* keep) {
    if (rows <= 0 || dim <= 0) return;
    launch("zero_masked_kernel", rows * dim, zero_masked_kernel<T>, x, rows, dim, keep);
  }

  template <class T>
  static void compare(Comparator kind, const T* u, const T* v, std::int64_t rows, std::int64_t dim,
                      T* out, std::int64_t out_stride) {
    if (rows <= 0 || dim <= 0) return;
    launch("compare_kernel", rows * dim, compare_kernel<T>, kind, u, v, rows, dim, out, out_stride);
  }
};

}  // namespace embedkit::detail
