// The cpu gemm op (backend/common/gemm.hpp) on Eigen's matrix product, split over threads by
// rows of c (or by columns when c has few rows, as in a recurrent step over a small batch).
// Inside a parallel region Eigen runs serially, so each thread multiplies its own block.
// `reference` is the plain triple loop, for tests to diff the fast path against.
#pragma once

#include <algorithm>
#include <cstdint>

#include <Eigen/Core>

#include "embedkit/backend/common/gemm.hpp"
#include "embedkit/core/host/parallel.hpp"

namespace embedkit::detail {

struct cpu_gemm_ops {
  template <class T>
  static void gemm(const GemmProblem<T>& p) {
    if (p.m <= 0 || p.n <= 0) return;
    // About 64k multiply-adds per chunk before another thread is worth waking.
    const std::int64_t per_row = std::max<std::int64_t>(1, p.n * std::max<std::int64_t>(p.k, 1));
    const std::int64_t threads = max_threads();
    // Rows when there are plenty; otherwise columns, so that each thread packs only its share
    // of B (an LSTM step multiplies a few dozen rows by a weight of megabytes).
    if (p.m >= 64 * threads || p.n < 64 * threads) {
      parallel_for(p.m, std::max<std::int64_t>(1, 65536 / per_row),
                   [&](std::int64_t r0, std::int64_t r1) { block(p, r0, r1, 0, p.n); });
    } else {
      const std::int64_t per_col = std::max<std::int64_t>(1, p.m * std::max<std::int64_t>(p.k, 1));
      parallel_for(p.n, std::max<std::int64_t>(16, 65536 / per_col),
                   [&](std::int64_t c0, std::int64_t c1) { block(p, 0, p.m, c0, c1); });
    }
  }

  // The definition, one multiply-add at a time (accumulated in T, in p order).
  template <class T>
  static void reference(const GemmProblem<T>& p) {
    for (std::int64_t i = 0; i < p.m; ++i) {
      for (std::int64_t j = 0; j < p.n; ++j) {
        T s = p.accumulate ? p.c[i * p.ldc + j] : T(0);
        for (std::int64_t q = 0; q < p.k; ++q) {
          const T bv = p.b_transposed ? p.b[j * p.ldb + q] : p.b[q * p.ldb + j];
          s += p.a[i * p.lda + q] * bv;
        }
        if (p.bias != nullptr) s += p.bias[j];
        p.c[i * p.ldc + j] = s;
      }
    }
  }

 private:
  // c[r0:r1, c0:c1] of the product.
  template <class T>
  static void block(const GemmProblem<T>& p, std::int64_t r0, std::int64_t r1, std::int64_t c0,
                    std::int64_t c1) {
    using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;
    using Stride = Eigen::OuterStride<>;
    const auto rows = static_cast<Eigen::Index>(r1 - r0);
    const auto cols = static_cast<Eigen::Index>(c1 - c0);
    const auto depth = static_cast<Eigen::Index>(p.k);
    // A leading dimension, never below the row width (Eigen asserts it; 0 is fine for k = 0).
    auto outer = [](std::int64_t ld, Eigen::Index width) {
      return Stride(std::max(static_cast<Eigen::Index>(ld), width));
    };
    Eigen::Map<Matrix, 0, Stride> c(p.c + r0 * p.ldc + c0, rows, cols,
                                    outer(p.ldc, cols));
    if (depth == 0) {
      if (!p.accumulate) c.setZero();
    } else {
      const Eigen::Map<const Matrix, 0, Stride> a(
          p.a + r0 * p.lda, rows, depth, outer(p.lda, depth));
      if (p.b_transposed) {
        const Eigen::Map<const Matrix, 0, Stride> bt(
            p.b + c0 * p.ldb, cols, depth, outer(p.ldb, depth));
        if (p.accumulate) {
          c.noalias() += a * bt.transpose();
        } else {
          c.noalias() = a * bt.transpose();
        }
      } else {
        const Eigen::Map<const Matrix, 0, Stride> b(
            p.b + c0, depth, cols, outer(p.ldb, cols));
        if (p.accumulate) {
          c.noalias() += a * b;
        } else {
          c.noalias() = a * b;
        }
      }
    }
    if (p.bias != nullptr) c.rowwise() += Eigen::Map<const Row>(p.bias + c0, cols);
  }
};

}  // namespace embedkit::detail
