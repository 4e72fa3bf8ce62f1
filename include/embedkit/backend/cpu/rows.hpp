// The cpu rows op (backend/common/rows.hpp): max-norm renormalisation in place, and a
// row-sparse gradient spread into a dense table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "embedkit/backend/common/rows.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/host/memory.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/host/simd.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

struct cpu_row_ops {
  // Once per distinct row: sorted and deduplicated first, then in parallel over rows.
  template <FloatStorage T, IndexType I>
  static void renorm(T* w, std::int64_t dim, TensorView<const I> idx, double max_norm, double p) {
    std::vector<std::int64_t> rows(idx.data(), idx.data() + idx.numel());
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    const auto count = static_cast<std::int64_t>(rows.size());
    parallel_for(count, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r) {
        T* row = w + rows[static_cast<std::size_t>(r)] * dim;
        const double norm = static_cast<double>(row_norm(row, dim, p));
        if (norm > max_norm) {
          scale_row(row, dim, static_cast<acc_t<T>>(max_norm / (norm + 1e-7)));
        }
      }
    });
  }

  template <FloatStorage T>
  static void scatter(const SparseGrad<T, cpu>& g, T* dense) {
    const std::int64_t dim = g.dim();
    // The guarded copies: a table with no rows or no columns has no memory (null pointers).
    host_memory::zero_bytes(dense, static_cast<std::size_t>(g.num_rows * dim) * sizeof(T));
    parallel_for(g.nnz(), 256, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t k = begin; k < end; ++k) {
        host_memory::copy_bytes(dense + g.rows.data()[k] * dim, g.values.data() + k * dim,
                                static_cast<std::size_t>(dim) * sizeof(T));
      }
    });
  }
};

}  // namespace embedkit::detail
