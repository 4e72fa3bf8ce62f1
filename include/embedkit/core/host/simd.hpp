// Host row primitives (cpu kernels, similarity search), written once with xsimd for float and
// double and with a scalar loop for the 16-bit storage types (which convert element by element).
// The instruction set is the one the translation unit is compiled for (xsimd::default_arch):
// build with -march=native (or -mavx2 -mfma, ...) to use wider registers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "embedkit/core/config.hpp"
#include "embedkit/core/dtype.hpp"

namespace embedkit::detail {

template <class T>
inline constexpr bool simd_native_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

// acc[0..n) += row[0..n), in the accumulation type. Plain additions only: the result is the
// same with or without FMA hardware, whatever the vector width.
template <class T>
inline void add_row(acc_t<T>* EMBEDKIT_RESTRICT acc, const T* EMBEDKIT_RESTRICT row,
                    std::int64_t n) noexcept {
  std::int64_t i = 0;
  if constexpr (simd_native_v<T>) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t w = static_cast<std::int64_t>(B::size);
    for (; i + w <= n; i += w) {
      (B::load_unaligned(acc + i) + B::load_unaligned(row + i)).store_unaligned(acc + i);
    }
  }
  for (; i < n; ++i) acc[i] += static_cast<acc_t<T>>(row[i]);
}

// The p-norm of a row, accumulated in acc_t<T>: p = 2, 1, inf and 0 (count of non-zeros) are
// exact special cases; other p use pow.
template <class T>
inline acc_t<T> row_norm(const T* row, std::int64_t n, double p) noexcept {
  using A = acc_t<T>;
  if (p == 2.0) {
    A s = 0;
    std::int64_t i = 0;
    if constexpr (simd_native_v<T>) {
      using B = xsimd::batch<T>;
      constexpr std::int64_t w = static_cast<std::int64_t>(B::size);
      B acc(T(0));
      for (; i + w <= n; i += w) {
        const B r = B::load_unaligned(row + i);
        acc = xsimd::fma(r, r, acc);
      }
      s = xsimd::hadd(acc);
    }
    for (; i < n; ++i) {
      const A v = static_cast<A>(row[i]);
      s = std::fma(v, v, s);
    }
    return std::sqrt(s);
  }
  A s = 0;
  if (p == 1.0) {
    for (std::int64_t i = 0; i < n; ++i) s += std::abs(static_cast<A>(row[i]));
    return s;
  }
  if (std::isinf(p)) {
    for (std::int64_t i = 0; i < n; ++i) s = std::max(s, std::abs(static_cast<A>(row[i])));
    return s;
  }
  if (p == 0.0) {
    for (std::int64_t i = 0; i < n; ++i) s += static_cast<A>(row[i]) != A(0) ? A(1) : A(0);
    return s;
  }
  const A pa = static_cast<A>(p);
  for (std::int64_t i = 0; i < n; ++i) s += std::pow(std::abs(static_cast<A>(row[i])), pa);
  return std::pow(s, A(1) / pa);
}

// row[0..n) *= scale, computed in acc_t<T> and rounded back to T.
template <class T>
inline void scale_row(T* row, std::int64_t n, acc_t<T> scale) noexcept {
  for (std::int64_t i = 0; i < n; ++i) {
    row[i] = convert<T>(static_cast<acc_t<T>>(row[i]) * scale);
  }
}

}  // namespace embedkit::detail
