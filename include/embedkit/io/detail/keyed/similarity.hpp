// Cosine-similarity kernels behind KeyedVectors: xsimd dot products, L2 normalisation of rows
// and a parallel top-k search (one bounded heap per block of rows, merged at the end).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::io::detail::keyed {

inline float dot(const float* a, const float* b, std::int64_t n) noexcept {
  using B = xsimd::batch<float>;
  constexpr auto w = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  float s = 0.0f;
  if (n >= w) {
    // Two accumulators hide the latency of the fused multiply-adds.
    B acc0(0.0f), acc1(0.0f);
    for (; i + 2 * w <= n; i += 2 * w) {
      acc0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc0);
      acc1 = xsimd::fma(B::load_unaligned(a + i + w), B::load_unaligned(b + i + w), acc1);
    }
    for (; i + w <= n; i += w) {
      acc0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc0);
    }
    s = xsimd::hadd(acc0 + acc1);
  }
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// out = v / ||v||; a vector whose norm is zero or not finite (an inf or NaN in it) gives zeros,
// so that its cosine with everything is 0 instead of NaN.
inline void unit(const float* v, float* out, std::int64_t n) noexcept {
  const float norm = std::sqrt(dot(v, v, n));
  const float inv = norm > 0.0f && std::isfinite(norm) ? 1.0f / norm : 0.0f;
  for (std::int64_t i = 0; i < n; ++i) out[i] = inv == 0.0f ? 0.0f : v[i] * inv;
}

inline Tensor<float> unit_rows(TensorView<const float> rows) {
  const std::int64_t n = rows.size(0), dim = rows.size(1);
  auto out = Tensor<float>::empty({n, dim});
  const float* src = rows.data();
  float* dst = out.data();
  embedkit::detail::parallel_for(n, 2048, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) unit(src + r * dim, dst + r * dim, dim);
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
        const Hit h{dot(base + r * dim, query, dim), r};
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
