// The cuda rows op (backend/common/rows.hpp): max-norm renormalisation once per distinct row
// (sorted runs, one warp a row), and a row-sparse gradient spread into a dense table.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "embedkit/backend/common/rows.hpp"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/element.cuh"
#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/backend/cuda/sort.cuh"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

// The gradient key of each position: its row, or `sentinel` for padding_row.
template <class I>
__global__ void keys_kernel(const I* idx, std::int64_t n, std::int64_t padding_row,
                            std::int64_t sentinel, std::int64_t* keys) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) {
    const auto r = static_cast<std::int64_t>(idx[i]);
    keys[i] = r == padding_row ? sentinel : r;
  }
}

// One warp per distinct referenced row: the row's p-norm, and the rescale when it exceeds
// max_norm (torch.embedding_renorm_'s rule), so a row named twice is rescaled once.
template <class T>
__global__ void renorm_kernel(T* w, std::int64_t dim, const std::int64_t* distinct, std::int64_t n,
                              double max_norm, double p) {
  using E = device_element<T>;
  using A = typename E::acc;
  const int lane = threadIdx.x % 32;
  const std::int64_t warps = grid_threads() / 32;
  for (std::int64_t k = global_thread() / 32; k < n; k += warps) {
    T* row = w + distinct[k] * dim;
    A s = 0;
    for (std::int64_t j = lane; j < dim; j += 32) {
      const A v = fabs(E::load(row + j));
      if (p == 2.0) s = fma(v, v, s);
      else if (p == 1.0) s += v;
      else if (isinf(p)) s = fmax(s, v);
      else if (p == 0.0) s += v != A(0) ? A(1) : A(0);
      else s += pow(v, static_cast<A>(p));
    }
    for (int o = 16; o > 0; o /= 2) {
      const A other = __shfl_xor_sync(0xffffffffu, s, o);
      s = isinf(p) ? fmax(s, other) : s + other;
    }
    A norm = s;
    if (p == 2.0) norm = sqrt(s);
    else if (!(p == 1.0 || isinf(p) || p == 0.0)) norm = pow(s, A(1) / static_cast<A>(p));
    if (static_cast<double>(norm) > max_norm) {
      const A scale = static_cast<A>(max_norm / (static_cast<double>(norm) + 1e-7));
      for (std::int64_t j = lane; j < dim; j += 32) E::store(row + j, E::load(row + j) * scale);
    }
  }
}

template <class W>
__global__ void scatter_rows_kernel(const std::int64_t* rows, const W* values, std::int64_t nnz,
                                    std::int64_t dim, W* dense) {
  const std::int64_t total = nnz * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t k = t / dim, c = t - k * dim;
    dense[rows[k] * dim + c] = values[t];
  }
}

struct cuda_row_ops {
  template <FloatStorage T, IndexType I>
  static void renorm(T* w, std::int64_t dim, TensorView<const I> idx, double max_norm, double p) {
    const std::int64_t n = idx.numel();
    if (n == 0) return;
    auto keys = Tensor<std::int64_t, cuda>::empty({n});
    // The indices widened to int64 keys (no padding here: -1 never occurs in checked indices).
    launch("keys_kernel", n, keys_kernel<I>, idx.data(), n, std::int64_t{-1}, std::int64_t{-1}, keys.data());
    // The table's row count is not passed here: sort on all non-sign bits (a rare path).
    KeyRuns runs = sort_into_runs(keys.data(), n, std::int64_t{1} << 62, false);
    launch("renorm_kernel", runs.runs * 32, renorm_kernel<T>, w, dim, runs.unique.data(), runs.runs, max_norm, p);
  }

  template <FloatStorage T>
  static void scatter(const SparseGrad<T, cuda>& g, T* dense) {
    const std::int64_t dim = g.dim();
    cuda_memory::zero_bytes(dense, static_cast<std::size_t>(g.num_rows * dim) * sizeof(T));
    const std::int64_t total = g.nnz() * dim;
    if (total == 0) return;
    using W = typename word_of<sizeof(T)>::type;
    launch("scatter_rows_kernel", total, scatter_rows_kernel<W>, g.rows.data(),
           reinterpret_cast<const W*>(g.values.data()), g.nnz(), dim, reinterpret_cast<W*>(dense));
  }
};

}  // namespace embedkit::detail
