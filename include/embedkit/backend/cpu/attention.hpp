// The cpu attention op (backend/common/attention.hpp). A task is one block of query rows of one
// (sample, head) pair: its scores against the sample's valid keys are one Eigen product
// (Q K^T) into per-thread scratch, the softmax runs in place on those rows with Eigen's
// vectorised exp, and the probabilities times V is a second product written straight into
// out. Memory is bounded by one [rows, length] block of scores per thread, never a
// [batch, heads, seq, seq] tensor. Tasks are split over threads; a batch with fewer
// (sample, head) pairs than threads can keep busy is cut into more, shorter query blocks.
// `reference` is the definition as plain loops, accumulated in double, for tests to diff the
// fast path against.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "embedkit/backend/common/attention.hpp"
#include "embedkit/core/host/parallel.hpp"

namespace embedkit::detail {

struct cpu_attention_ops {
  template <class T>
    requires std::is_same_v<T, float> || std::is_same_v<T, double>
  static AttentionFault self_attention(const AttentionProblem<T>& p) {
    const AttentionSizes sizes = check_attention_sizes(p);
    if (const AttentionFault f = first_bad_length(p); !f.ok()) return f;
    if (sizes.rows == 0 || sizes.width == 0) return {};

    const std::int64_t pairs = p.batch * p.heads;
    const std::int64_t threads = max_threads();
    // Query blocks per pair: one when the pairs alone give every thread a few tasks; more, of
    // at least min_block rows, when they do not. Rows per block are capped so that a block's
    // scores stay in the core's cache for the softmax and the second product.
    constexpr std::int64_t min_block = 16, max_block = 128;
    std::int64_t blocks = (p.seq + max_block - 1) / max_block;
    if (pairs * blocks < 4 * threads) {
      const std::int64_t wanted = (4 * threads + pairs - 1) / pairs;
      blocks = std::max(blocks, std::min(wanted, (p.seq + min_block - 1) / min_block));
    }
    const std::int64_t block_rows = (p.seq + blocks - 1) / blocks;
    blocks = (p.seq + block_rows - 1) / block_rows;
    // About 64k multiply-adds per chunk before another thread is worth waking.
    // (seq * head_dim fits: it is at most the checked batch * seq * ld_qkv.)
    const std::int64_t per_task =
        2 * block_rows * std::clamp<std::int64_t>(p.seq * p.head_dim, 1, std::int64_t{1} << 32);
    const std::int64_t grain = std::max<std::int64_t>(1, 65536 / per_task);

    parallel_for(pairs * blocks, grain, [&](std::int64_t begin, std::int64_t end) {
      // One block of scores per chunk of tasks, reused by each.
      Scratch<T> scores(block_rows, p.seq);
      for (std::int64_t task = begin; task < end; ++task) {
        const std::int64_t pair = task / blocks, blk = task % blocks;
        const std::int64_t t0 = blk * block_rows;
        const std::int64_t t1 = std::min(p.seq, t0 + block_rows);
        query_block(p, pair / p.heads, pair % p.heads, t0, t1, scores);
      }
    });
    return {};
  }

  // The definition, one term at a time: dot products, the softmax's sums and the weighted sums
  // of V accumulated in double, rounded to T once.
  template <class T>
    requires std::is_same_v<T, float> || std::is_same_v<T, double>
  static AttentionFault reference(const AttentionProblem<T>& p) {
    const AttentionSizes sizes = check_attention_sizes(p);
    if (const AttentionFault f = first_bad_length(p); !f.ok()) return f;
    const std::int64_t width = sizes.width, d = p.head_dim;
    std::vector<double> s(static_cast<std::size_t>(p.seq));
    for (std::int64_t b = 0; b < p.batch; ++b) {
      const std::int64_t n = p.lengths != nullptr ? p.lengths[b] : p.seq;
      for (std::int64_t h = 0; h < p.heads; ++h) {
        for (std::int64_t t = 0; t < p.seq; ++t) {
          const T* q = p.qkv + (b * p.seq + t) * p.ld_qkv + h * d;
          T* o = p.out + (b * p.seq + t) * p.ld_out + h * d;
          double top = -INFINITY;
          for (std::int64_t k = 0; k < n; ++k) {
            const T* key = p.qkv + (b * p.seq + k) * p.ld_qkv + width + h * d;
            double dot = 0;
            for (std::int64_t j = 0; j < d; ++j) dot += static_cast<double>(q[j]) * key[j];
            s[static_cast<std::size_t>(k)] = static_cast<double>(p.scale) * dot;
            top = std::max(top, s[static_cast<std::size_t>(k)]);
          }
          double sum = 0;
          for (std::int64_t k = 0; k < n; ++k) {
            double& e = s[static_cast<std::size_t>(k)];
            e = std::exp(e - top);
            sum += e;
          }
          for (std::int64_t j = 0; j < d; ++j) {
            double acc = 0;
            for (std::int64_t k = 0; k < n; ++k) {
              acc += s[static_cast<std::size_t>(k)] *
                     p.qkv[(b * p.seq + k) * p.ld_qkv + 2 * width + h * d + j];
            }
            o[j] = n > 0 ? static_cast<T>(acc / sum) : T(0);
          }
        }
      }
    }
    return {};
  }

 private:
  template <class T>
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;

  // A thread's scores: capacity for rows x columns, viewed as [rows', columns'] contiguous.
  template <class T>
  struct Scratch {
    Matrix<T> buffer;
    Scratch(std::int64_t rows, std::int64_t cols)
        : buffer(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols)) {}
    Eigen::Map<Matrix<T>> view(std::int64_t rows, std::int64_t cols) {
      return Eigen::Map<Matrix<T>>(buffer.data(), static_cast<Eigen::Index>(rows),
                                   static_cast<Eigen::Index>(cols));
    }
  };

  // The first sample whose length is outside [0, seq], in sample order; read before any
  // parallel work, so nothing throws or reads out of bounds inside it.
  template <class T>
  static AttentionFault first_bad_length(const AttentionProblem<T>& p) {
    if (p.lengths == nullptr) return {};
    for (std::int64_t b = 0; b < p.batch; ++b) {
      const std::int64_t n = p.lengths[b];
      if (n < 0 || n > p.seq) return {b, n};
    }
    return {};
  }

  // Query rows [t0, t1) of sample b, head h.
  template <class T>
  static void query_block(const AttentionProblem<T>& p, std::int64_t b, std::int64_t h,
                          std::int64_t t0, std::int64_t t1, Scratch<T>& scratch) {
    const std::int64_t d = p.head_dim, width = p.heads * d;
    const std::int64_t n = p.lengths != nullptr ? p.lengths[b] : p.seq;
    const auto rows = static_cast<Eigen::Index>(t1 - t0);
    const auto depth = static_cast<Eigen::Index>(d);
    const auto keys = static_cast<Eigen::Index>(n);
    const T* sample = p.qkv + b * p.seq * p.ld_qkv;
    Eigen::Map<Matrix<T>, 0, Stride> out(p.out + (b * p.seq + t0) * p.ld_out + h * d, rows, depth,
                                         Stride(p.ld_out));
    if (n == 0) {  // no keys: nothing to attend to
      out.setZero();
      return;
    }
    const Eigen::Map<const Matrix<T>, 0, Stride> q(sample + t0 * p.ld_qkv + h * d, rows, depth,
                                                   Stride(p.ld_qkv));
    const Eigen::Map<const Matrix<T>, 0, Stride> k(sample + width + h * d, keys, depth,
                                                   Stride(p.ld_qkv));
    const Eigen::Map<const Matrix<T>, 0, Stride> v(sample + 2 * width + h * d, keys, depth,
                                                   Stride(p.ld_qkv));
    auto s = scratch.view(rows, keys);
    s.noalias() = q * k.transpose();
    // Softmax along each row, in place: scaled first (HF divides the product by sqrt(d)
    // before the mask and the softmax), the maximum subtracted so that exp cannot overflow,
    // then one reciprocal of the sum per row, as torch's vectorised softmax does.
    for (Eigen::Index i = 0; i < rows; ++i) {
      auto r = s.row(i).array();
      r *= p.scale;
      const T top = r.maxCoeff();
      r = (r - top).exp();
      r *= T(1) / r.sum();
    }
    out.noalias() = s * v;
  }
};

}  // namespace embedkit::detail
