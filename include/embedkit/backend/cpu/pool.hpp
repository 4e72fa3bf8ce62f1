// The cpu pool op (backend/common/pool.hpp): one mode of one [batch, length, dim] tensor per
// call, in parallel over the samples. Each sample reads only its real tokens' rows (padding
// rows are not read, so a NaN in one stays out of the result; the one exception is cls of a
// sample without real tokens, which is its position 0), and accumulates straight into its
// output row: float and double are their own accumulation types.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "embedkit/backend/common/pool.hpp"
#include "embedkit/core/config.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/host/simd.hpp"
#include "embedkit/core/pooling_mode.hpp"

namespace embedkit::detail {

// acc[0..n) += w * row[0..n): a product rounded, then a sum (sentence-transformers multiplies
// the tokens by their weights, then sums).
template <class T>
inline void add_weighted_row(T* EMBEDKIT_RESTRICT acc, const T* EMBEDKIT_RESTRICT row, T w,
                             std::int64_t n) noexcept {
  using B = xsimd::batch<T>;
  constexpr auto width = static_cast<std::int64_t>(B::size);
  const B wv(w);
  std::int64_t i = 0;
  for (; i + width <= n; i += width) {
    const B p = B::load_unaligned(row + i) * wv;
    (B::load_unaligned(acc + i) + p).store_unaligned(acc + i);
  }
  for (; i < n; ++i) {
    const T p = row[i] * w;
    acc[i] += p;
  }
}

// m[0..n) = max(m, row) element-wise, NaN winning as in torch.max: once an element is NaN it
// stays NaN, and a NaN in the row replaces the element.
template <class T>
inline void max_row(T* EMBEDKIT_RESTRICT m, const T* EMBEDKIT_RESTRICT row,
                    std::int64_t n) noexcept {
  using B = xsimd::batch<T>;
  constexpr auto width = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  for (; i + width <= n; i += width) {
    const B v = B::load_unaligned(row + i);
    const B cur = B::load_unaligned(m + i);
    xsimd::select((v > cur) | xsimd::isnan(v), v, cur).store_unaligned(m + i);
  }
  for (; i < n; ++i) {
    if (row[i] > m[i] || std::isnan(row[i])) m[i] = row[i];
  }
}

// out[0..n) /= d, a division (not a product with 1 / d) as torch's `sum / count`.
template <class T>
inline void divide_row(T* out, std::int64_t n, T d) noexcept {
  using B = xsimd::batch<T>;
  constexpr auto width = static_cast<std::int64_t>(B::size);
  const B dv(d);
  std::int64_t i = 0;
  for (; i + width <= n; i += width) (B::load_unaligned(out + i) / dv).store_unaligned(out + i);
  for (; i < n; ++i) out[i] /= d;
}

struct cpu_pool_ops {
  template <class T>
    requires simd_native_v<T>
  static void pool(const PoolProblem<T>& p) {
    const std::int64_t batch = p.batch, length = p.length, dim = p.dim;
    if (batch <= 0 || dim <= 0) return;
    // Aim for about 32 K elements of input per chunk: a short batch of long sequences still
    // splits, a long batch of short ones does not pay a thread per sample.
    const std::int64_t per_sample = std::max<std::int64_t>(1, length * dim);
    const std::int64_t grain = std::max<std::int64_t>(1, (std::int64_t{1} << 15) / per_sample);
    parallel_for(batch, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t b = begin; b < end; ++b) pool_sample(p, b);
    });
  }

  // The same reduction one element at a time, in position order, in double: the reference
  // the vectorised kernel is tested against.
  template <class T>
    requires simd_native_v<T>
  static void pool_reference(const PoolProblem<T>& p) {
    for (std::int64_t b = 0; b < p.batch; ++b) {
      const bool* mask = p.mask + b * p.length;
      T* out = p.out + b * p.out_stride;
      for (std::int64_t j = 0; j < p.dim; ++j) {
        double s = 0, w = 0, count = 0, m = 0;
        bool any = false;
        std::int64_t first = -1, last = -1;
        for (std::int64_t t = 0; t < p.length; ++t) {
          if (!mask[t]) continue;
          const double v = static_cast<double>(p.x[(b * p.length + t) * p.dim + j]);
          if (first < 0) first = t;
          last = t;
          s += p.mode == PoolingMode::weightedmean ? static_cast<double>(t + 1) * v : v;
          w += static_cast<double>(t + 1);
          count += 1;
          if (!any || (!std::isnan(m) && (v > m || std::isnan(v)))) m = v;
          any = true;
        }
        double r = 0;
        switch (p.mode) {
          case PoolingMode::cls:
            r = first >= 0 ? p.x[(b * p.length + first) * p.dim + j]
                : p.length > 0 ? p.x[b * p.length * p.dim + j] : 0.0;
            break;
          case PoolingMode::lasttoken:
            r = last >= 0 ? p.x[(b * p.length + last) * p.dim + j] : 0.0;
            break;
          case PoolingMode::max: r = any ? m : static_cast<double>(p.max_fill); break;
          case PoolingMode::sum: r = s; break;
          case PoolingMode::mean: r = s / std::max(count, 1e-9); break;
          case PoolingMode::mean_sqrt_len_tokens: r = s / std::sqrt(std::max(count, 1e-9)); break;
          case PoolingMode::weightedmean: r = s / std::max(w, 1e-9); break;
        }
        out[j] = static_cast<T>(r);
      }
    }
  }

 private:
  template <class T>
  static void pool_sample(const PoolProblem<T>& p, std::int64_t b) {
    const std::int64_t length = p.length, dim = p.dim;
    const bool* mask = p.mask + b * length;
    const T* x = p.x + b * length * dim;  // never dereferenced when length is 0
    T* out = p.out + b * p.out_stride;
    const auto row = [&](std::int64_t t) { return x + t * dim; };
    const auto copy_row = [&](const T* src) {
      std::memcpy(out, src, static_cast<std::size_t>(dim) * sizeof(T));
    };

    switch (p.mode) {
      case PoolingMode::cls: {
        // The first real token; without one, position 0 (sentence-transformers gathers at the
        // argmax of the mask, which is 0 for an all-false row); without positions, zeros.
        std::int64_t t = 0;
        while (t < length && !mask[t]) ++t;
        if (length == 0) {
          std::fill_n(out, dim, T(0));
        } else {
          copy_row(row(t < length ? t : 0));
        }
        return;
      }
      case PoolingMode::lasttoken: {
        std::int64_t t = length - 1;
        while (t >= 0 && !mask[t]) --t;
        if (t >= 0) {
          copy_row(row(t));
        } else {
          std::fill_n(out, dim, T(0));
        }
        return;
      }
      case PoolingMode::max: {
        std::int64_t t = 0;
        while (t < length && !mask[t]) ++t;
        if (t == length) {
          std::fill_n(out, dim, p.max_fill);
          return;
        }
        copy_row(row(t));
        for (++t; t < length; ++t) {
          if (mask[t]) max_row(out, row(t), dim);
        }
        return;
      }
      case PoolingMode::sum:
      case PoolingMode::mean:
      case PoolingMode::mean_sqrt_len_tokens: {
        std::fill_n(out, dim, T(0));
        std::int64_t count = 0;
        for (std::int64_t t = 0; t < length; ++t) {
          if (!mask[t]) continue;
          add_row(out, row(t), dim);
          ++count;
        }
        // torch: clamp(count, min=1e-9), count summed in T (exact below 2^24 tokens).
        const T n = std::max(static_cast<T>(count), static_cast<T>(1e-9));
        if (p.mode == PoolingMode::mean) divide_row(out, dim, n);
        if (p.mode == PoolingMode::mean_sqrt_len_tokens) divide_row(out, dim, std::sqrt(n));
        return;
      }
      case PoolingMode::weightedmean: {
        std::fill_n(out, dim, T(0));
        T weights = 0;
        for (std::int64_t t = 0; t < length; ++t) {
          if (!mask[t]) continue;
          const T w = static_cast<T>(t + 1);
          add_weighted_row(out, row(t), w, dim);
          weights += w;
        }
        divide_row(out, dim, std::max(weights, static_cast<T>(1e-9)));
        return;
      }
    }
  }
};

}  // namespace embedkit::detail
