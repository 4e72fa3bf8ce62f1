// The cpu kernels Embedding needs: index validation, row gather, in-place max-norm
// renormalisation, and the row-sparse backward (sorted, segment-reduced, deterministic).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include "embedkit/backend/common/problem.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/host/simd.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

struct cpu_embedding_kernels {
  template <IndexType I>
  static IndexFault find_bad_index(TensorView<const I> idx, std::int64_t rows) {
    const I* p = idx.data();
    const std::int64_t n = idx.numel();
    // One unsigned compare per index catches negatives too. The scan has no early exit so the
    // loop vectorises; the rare failing case rescans for the first position.
    bool bad = false;
    for (std::int64_t i = 0; i < n; ++i) {
      bad |= static_cast<std::uint64_t>(static_cast<std::int64_t>(p[i])) >=
             static_cast<std::uint64_t>(rows);
    }
    if (!bad) return {};
    for (std::int64_t i = 0; i < n; ++i) {
      if (p[i] < 0 || static_cast<std::int64_t>(p[i]) >= rows) return {i, static_cast<std::int64_t>(p[i])};
    }
    return {};
  }

  // out[i, :] = w[idx[i], :]. Indices must have been validated.
  template <FloatStorage T, IndexType I>
  static void gather(const T* w, std::int64_t dim, TensorView<const I> idx, T* out) {
    const I* p = idx.data();
    const std::size_t row_bytes = static_cast<std::size_t>(dim) * sizeof(T);
    const std::int64_t grain = std::max<std::int64_t>(1, (64 << 10) / std::max<std::size_t>(row_bytes, 1));
    parallel_for(idx.numel(), grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        std::memcpy(out + i * dim, w + static_cast<std::int64_t>(p[i]) * dim, row_bytes);
      }
    });
  }

  // Rows referenced by idx whose p-norm exceeds max_norm are scaled by
  // max_norm / (norm + 1e-7), once per distinct row (torch.embedding_renorm_).
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

  // The coalesced gradient of a lookup: for every distinct row r of idx (padding_row
  // excluded), the sum over positions i with idx[i] == r of grad_output[i, :], taken in
  // position order (plain additions in acc_t<T>) and, when scale_by_freq, multiplied by
  // 1 / count once at the end. Always deterministic (the flag is for backends with atomics).
  template <FloatStorage T, IndexType I>
  static SparseGrad<T, cpu> backward(TensorView<const I> idx, const T* grad_output,
                                     std::int64_t dim, std::int64_t num_rows,
                                     std::int64_t padding_row, bool scale_by_freq,
                                     bool /*deterministic*/ = true) {
    const std::int64_t n = idx.numel();
    std::vector<std::pair<std::int64_t, std::int64_t>> order;  // (row, position)
    order.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      const auto r = static_cast<std::int64_t>(idx.data()[i]);
      if (r != padding_row) order.emplace_back(r, i);
    }
    std::sort(order.begin(), order.end());
    std::vector<std::int64_t> starts;  // segment starts into `order`, plus the end
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k == 0 || order[k].first != order[k - 1].first) starts.push_back(static_cast<std::int64_t>(k));
    }
    const auto nnz = static_cast<std::int64_t>(starts.size());
    starts.push_back(static_cast<std::int64_t>(order.size()));

    SparseGrad<T, cpu> g{Tensor<std::int64_t, cpu>::empty({nnz}),
                         Tensor<T, cpu>::empty({nnz, dim}), num_rows};
    std::int64_t* rows_out = g.rows.data();
    T* values_out = g.values.data();
    using A = acc_t<T>;
    parallel_for(nnz, std::max<std::int64_t>(1, 2048 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t begin, std::int64_t end) {
      std::vector<A> acc(static_cast<std::size_t>(dim));
      for (std::int64_t s = begin; s < end; ++s) {
        const auto first = static_cast<std::size_t>(starts[static_cast<std::size_t>(s)]);
        const auto last = static_cast<std::size_t>(starts[static_cast<std::size_t>(s) + 1]);
        std::fill(acc.begin(), acc.end(), A(0));
        for (std::size_t k = first; k < last; ++k) {
          add_row(acc.data(), grad_output + order[k].second * dim, dim);
        }
        rows_out[s] = order[first].first;
        T* dst = values_out + s * dim;
        if (scale_by_freq) {  // the mean over occurrences: one rounding, after the sum
          const A scale = A(1) / static_cast<A>(last - first);
          for (std::int64_t j = 0; j < dim; ++j) dst[j] = convert<T>(acc[static_cast<std::size_t>(j)] * scale);
        } else {
          for (std::int64_t j = 0; j < dim; ++j) dst[j] = convert<T>(acc[static_cast<std::size_t>(j)]);
        }
      }
    });
    return g;
  }

  // dense[rows[k], :] = values[k, :] over a zeroed [num_rows, dim] table.
  template <FloatStorage T>
  static void scatter_rows(const SparseGrad<T, cpu>& g, T* dense) {
    const std::int64_t dim = g.dim();
    std::memset(static_cast<void*>(dense), 0,
                static_cast<std::size_t>(g.num_rows * dim) * sizeof(T));
    parallel_for(g.nnz(), 256, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t k = begin; k < end; ++k) {
        std::memcpy(dense + g.rows.data()[k] * dim, g.values.data() + k * dim,
                    static_cast<std::size_t>(dim) * sizeof(T));
      }
    });
  }

  // mask[i] = idx[i] != a && idx[i] != b (a or b = -1: unused).
  template <IndexType I>
  static void not_equal_mask(TensorView<const I> idx, std::int64_t a, std::int64_t b, bool* out) {
    const I* p = idx.data();
    for (std::int64_t i = 0; i < idx.numel(); ++i) {
      const auto v = static_cast<std::int64_t>(p[i]);
      out[i] = v != a && v != b;
    }
  }
};

}  // namespace embedkit::detail
