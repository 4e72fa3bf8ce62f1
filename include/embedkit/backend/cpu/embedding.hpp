// The cpu embedding op (backend/common/embedding.hpp): row gather, the row-sparse backward
// (sorted into runs, reduced in position order: deterministic), and the mask.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "embedkit/backend/common/embedding.hpp"
#include "embedkit/backend/cpu/runs.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/host/memory.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/host/simd.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

struct cpu_embedding_ops {
  template <FloatStorage T, IndexType I>
  static void gather(const T* w, std::int64_t dim, TensorView<const I> idx, T* out) {
    const I* p = idx.data();
    const std::size_t row_bytes = static_cast<std::size_t>(dim) * sizeof(T);
    const std::int64_t grain = std::max<std::int64_t>(1, (64 << 10) / std::max<std::size_t>(row_bytes, 1));
    parallel_for(idx.numel(), grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        host_memory::copy_bytes(out + i * dim, w + static_cast<std::int64_t>(p[i]) * dim, row_bytes);
      }
    });
  }

  // Plain additions in acc_t<T>, in position order; scale_by_freq multiplies by 1 / count once
  // at the end. Always deterministic (the flag is for backends with atomics).
  template <FloatStorage T, IndexType I>
  static SparseGrad<T, cpu> backward(TensorView<const I> idx, const T* grad_output,
                                     std::int64_t dim, std::int64_t num_rows,
                                     std::int64_t padding_row, bool scale_by_freq,
                                     bool /*deterministic*/ = true) {
    const RowRuns runs = sort_into_runs(idx.data(), idx.numel(),
                                        [&](std::int64_t, std::int64_t r) { return r != padding_row; });
    const std::int64_t nnz = runs.count();
    SparseGrad<T, cpu> g{Tensor<std::int64_t, cpu>::empty({nnz}),
                         Tensor<T, cpu>::empty({nnz, dim}), num_rows};
    std::int64_t* rows_out = g.rows.data();
    T* values_out = g.values.data();
    using A = acc_t<T>;
    parallel_for(nnz, std::max<std::int64_t>(1, 2048 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t begin, std::int64_t end) {
      std::vector<A> acc(static_cast<std::size_t>(dim));
      for (std::int64_t s = begin; s < end; ++s) {
        std::fill(acc.begin(), acc.end(), A(0));
        for (std::size_t k = runs.first(s); k < runs.last(s); ++k) {
          add_row(acc.data(), grad_output + runs.position(k) * dim, dim);
        }
        rows_out[s] = runs.row(s);
        T* dst = values_out + s * dim;
        if (scale_by_freq) {  // the mean over occurrences: one rounding, after the sum
          const A scale = A(1) / static_cast<A>(runs.last(s) - runs.first(s));
          for (std::int64_t j = 0; j < dim; ++j) dst[j] = convert<T>(acc[static_cast<std::size_t>(j)] * scale);
        } else {
          for (std::int64_t j = 0; j < dim; ++j) dst[j] = convert<T>(acc[static_cast<std::size_t>(j)]);
        }
      }
    });
    return g;
  }

  template <IndexType I>
  static void mask(TensorView<const I> idx, std::int64_t a, std::int64_t b, bool* out) {
    const I* p = idx.data();
    for (std::int64_t i = 0; i < idx.numel(); ++i) {
      const auto v = static_cast<std::int64_t>(p[i]);
      out[i] = v != a && v != b;
    }
  }
};

}  // namespace embedkit::detail
