// EmbeddingBag backward on the cpu: the coalesced table gradient (every distinct non-padding
// row of the input, ascending, with its summed gradient) and the per-sample-weights gradient.
// Each row reduces its occurrences in input order, in parallel over rows, so results are the
// same whatever the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/cpu/runs.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"

namespace embedkit::detail {

template <class G, class S, class I, class J>
struct BagBackward {
  using acc = typename storage_traits<S>::acc;

  const BagProblem<S, I, J>& p;  // the forward problem (out and argmax unused)
  const acc* grad_output;        // [bags, dim]
  const std::int64_t* argmax;    // max mode: [bags, dim] rows, -1 for empty bags
  bool scale_by_freq;

  // bag of each input position (-1: in no bag, e.g. after the last offset).
  std::vector<std::int64_t> bag_of() const {
    std::vector<std::int64_t> bag(static_cast<std::size_t>(p.n), -1);
    parallel_for(p.bags, 1024, [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) {
        for (std::int64_t j = p.start(b); j < p.end(b); ++j) bag[static_cast<std::size_t>(j)] = b;
      }
    });
    return bag;
  }

  // Per bag: the number of usable entries and the sum of their weights.
  void bag_sizes(std::vector<acc>& count, std::vector<acc>& wsum) const {
    count.assign(static_cast<std::size_t>(p.bags), acc(0));
    wsum.assign(static_cast<std::size_t>(p.bags), acc(0));
    for (std::int64_t b = 0; b < p.bags; ++b) {
      for (std::int64_t j = p.start(b); j < p.end(b); ++j) {
        if (static_cast<std::int64_t>(p.indices[j]) == p.padding_row) continue;
        count[static_cast<std::size_t>(b)] += 1;
        if (p.weights) wsum[static_cast<std::size_t>(b)] += p.weights[j];
      }
    }
  }

  SparseGrad<G, cpu> table_gradient() const {
    const std::vector<std::int64_t> bag = bag_of();
    std::vector<acc> count, wsum;
    bag_sizes(count, wsum);

    // The usable entries (not padding, in a bag), grouped by row.
    const RowRuns runs = sort_into_runs(p.indices, p.n, [&](std::int64_t j, std::int64_t r) {
      return r != p.padding_row && bag[static_cast<std::size_t>(j)] >= 0;
    });
    const std::int64_t nnz = runs.count();
    const std::int64_t dim = p.dim;
    SparseGrad<G, cpu> g{Tensor<std::int64_t, cpu>::empty({nnz}), Tensor<G, cpu>::empty({nnz, dim}), p.rows};
    for (std::int64_t s = 0; s < nnz; ++s) g.rows[s] = runs.row(s);

    if (p.mode == Mode::max) {
      max_gradient(g);
      return g;
    }
    parallel_for(nnz, std::max<std::int64_t>(1, 2048 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t s0, std::int64_t s1) {
      std::vector<acc> a(static_cast<std::size_t>(dim));
      for (std::int64_t s = s0; s < s1; ++s) {
        std::fill(a.begin(), a.end(), acc(0));
        const std::size_t first = runs.first(s), last = runs.last(s);
        for (std::size_t k = first; k < last; ++k) {
          const std::int64_t j = runs.position(k);
          const auto b = static_cast<std::size_t>(bag[static_cast<std::size_t>(j)]);
          acc coef = p.weights ? p.weights[j] : acc(1);
          if (p.mode == Mode::mean) {
            const acc denom = p.weights ? wsum[b] : count[b];
            coef = denom != acc(0) ? coef / denom : acc(0);
          }
          const acc* go = grad_output + static_cast<std::int64_t>(b) * dim;
          for (std::int64_t c = 0; c < dim; ++c) a[static_cast<std::size_t>(c)] += coef * go[c];
        }
        const acc freq = scale_by_freq ? acc(1) / static_cast<acc>(last - first) : acc(1);
        G* dst = g.values.data() + s * dim;
        for (std::int64_t c = 0; c < dim; ++c) dst[c] = convert<G>(a[static_cast<std::size_t>(c)] * freq);
      }
    });
    return g;
  }

  // Max: each (bag, column) gradient goes to that column of the bag's argmax row (checked by
  // check_argmax). Parallel over column ranges: no two threads touch one element, and bags are
  // added in order.
  void max_gradient(SparseGrad<G, cpu>& g) const {
    const std::int64_t dim = p.dim, nnz = g.nnz();
    std::vector<acc> a(static_cast<std::size_t>(nnz * dim), acc(0));
    const std::int64_t* rows_begin = g.rows.data();
    const std::int64_t* rows_end = rows_begin + nnz;
    parallel_for(dim, 8, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t b = 0; b < p.bags; ++b) {
        for (std::int64_t c = c0; c < c1; ++c) {
          const std::int64_t r = argmax[b * dim + c];
          if (r < 0) continue;
          const std::int64_t slot = std::lower_bound(rows_begin, rows_end, r) - rows_begin;
          a[static_cast<std::size_t>(slot * dim + c)] += grad_output[b * dim + c];
        }
      }
    });
    for (std::int64_t k = 0; k < nnz * dim; ++k) g.values[k] = convert<G>(a[static_cast<std::size_t>(k)]);
  }

  // d loss / d w_j: sum mode dot(go[bag], row_j); weighted mean (d_j - sum_i w_i d_i / W) / W.
  Tensor<acc, cpu> weights_gradient() const {
    auto out = Tensor<acc, cpu>::zeros({p.n});
    const std::int64_t dim = p.dim;
    parallel_for(p.bags, 64, [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) {
        const acc* go = grad_output + b * dim;
        acc wsum = 0, weighted = 0;
        for (std::int64_t j = p.start(b); j < p.end(b); ++j) {
          const auto r = static_cast<std::int64_t>(p.indices[j]);
          if (r == p.padding_row) continue;
          const std::uint8_t* row = p.table + r * p.stride;
          acc d = 0;
          for (std::int64_t c = 0; c < dim; ++c) d += go[c] * row_value<S>(row, dim, c);
          out[j] = d;
          wsum += p.weights[j];
          weighted += p.weights[j] * d;
        }
        if (p.mode == Mode::mean) {
          const acc mean = wsum != acc(0) ? weighted / wsum : acc(0);
          for (std::int64_t j = p.start(b); j < p.end(b); ++j) {
            if (static_cast<std::int64_t>(p.indices[j]) == p.padding_row) continue;
            out[j] = wsum != acc(0) ? (out[j] - mean) / wsum : acc(0);
          }
        }
      }
    });
    return out;
  }
};

// Every max_indices[b, c] of a max-mode backward is a row among bag b's usable entries, or -1
// when the bag has none; returns the first element (in [bags, dim] order) that is not.
template <class S, class I, class J>
ArgmaxFault check_argmax(const BagProblem<S, I, J>& p, const std::int64_t* argmax) {
  const std::int64_t dim = p.dim;
  std::atomic<std::int64_t> first{-1};
  parallel_for(p.bags, 256, [&](std::int64_t b0, std::int64_t b1) {
    std::vector<std::int64_t> rows;
    for (std::int64_t b = b0; b < b1; ++b) {
      rows.clear();
      for (std::int64_t j = p.start(b); j < p.end(b); ++j) {
        const auto r = static_cast<std::int64_t>(p.indices[j]);
        if (r != p.padding_row) rows.push_back(r);
      }
      std::sort(rows.begin(), rows.end());
      for (std::int64_t c = 0; c < dim; ++c) {
        const std::int64_t r = argmax[b * dim + c];
        const bool ok = rows.empty() ? r == -1 : std::binary_search(rows.begin(), rows.end(), r);
        if (!ok) {
          // Keep the smallest element over all threads (bags are split in order).
          std::int64_t seen = first.load();
          const std::int64_t t = b * dim + c;
          while ((seen < 0 || t < seen) && !first.compare_exchange_weak(seen, t)) {
          }
          break;
        }
      }
    }
  });
  const std::int64_t t = first.load();
  if (t < 0) return {};
  return {t, argmax[t]};
}

}  // namespace embedkit::detail
