// Cosine-similarity search behind KeyedVectors: L2 normalisation of a table's rows and a
// parallel top-k search (one bounded heap per block of rows, merged at the end), over the host
// row primitives of core/host/simd.hpp (row_dot, unit_row).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/host/simd.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::io::detail::keyed {

inline Tensor<float> unit_rows(TensorView<const float> rows) {
  const std::int64_t n = rows.size(0), dim = rows.size(1);
  auto out = Tensor<float>::empty({n, dim});
  const float* src = rows.data();
  float* dst = out.data();
  embedkit::detail::parallel_for(n, 2048, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) {
      embedkit::detail::unit_row(src + r * dim, dst + r * dim, dim);
    }
  });
  return out;
}

struct Hit {
  float score;
  std::int64_t row;
};

// Higher score first; equal scores in row order, so results do not depend on the threads.
inline bool ranks_before(const Hit& a, const Hit& b) noexcept {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

// The k rows of `unit` with the largest dot product with `query`, best first, leaving out the
// rows in `skip`. (unit() leaves no NaN in rows or query, so scores are ordered.)
inline std::vector<Hit> top_k(TensorView<const float> unit, const float* query, std::int64_t k,
                              std::span<const std::int64_t> skip) {
  const std::int64_t n = unit.size(0), dim = unit.size(1);
  k = std::min(k, n);
  if (k <= 0) return {};
  const std::int64_t blocks =
      std::max<std::int64_t>(1, std::min<std::int64_t>(embedkit::detail::max_threads(),
                                                       (n + 4095) / 4096));
  std::vector<std::vector<Hit>> found(static_cast<std::size_t>(blocks));
  const float* base = unit.data();
  embedkit::detail::parallel_for(blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    for (std::int64_t blk = b0; blk < b1; ++blk) {
      auto& heap = found[static_cast<std::size_t>(blk)];  // front: the worst hit kept
      heap.reserve(static_cast<std::size_t>(k));
      const std::int64_t begin = n * blk / blocks, end = n * (blk + 1) / blocks;
      for (std::int64_t r = begin; r < end; ++r) {
        const Hit h{embedkit::detail::row_dot(base + r * dim, query, dim), r};
        if (static_cast<std::int64_t>(heap.size()) == k && !ranks_before(h, heap.front())) {
          continue;
        }
        if (std::find(skip.begin(), skip.end(), r) != skip.end()) continue;
        if (static_cast<std::int64_t>(heap.size()) == k) {
          std::pop_heap(heap.begin(), heap.end(), ranks_before);
          heap.back() = h;
        } else {
          heap.push_back(h);
        }
        std::push_heap(heap.begin(), heap.end(), ranks_before);
      }
    }
  });
  std::vector<Hit> all;
  for (auto& f : found) all.insert(all.end(), f.begin(), f.end());
  std::sort(all.begin(), all.end(), ranks_before);
  if (static_cast<std::int64_t>(all.size()) > k) all.resize(static_cast<std::size_t>(k));
  return all;
}

}  // namespace embedkit::io::detail::keyed
