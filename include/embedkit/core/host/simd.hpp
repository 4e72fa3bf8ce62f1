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

// xsimd::hadd, without GCC 12's false -Wmaybe-uninitialized on xsimd 8's AVX-512 double
// reduction (a _mm512 extract of a fully initialised register, seen through inlining).
template <class B>
inline typename B::value_type horizontal_sum(const B& b) noexcept {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  return xsimd::hadd(b);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}

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
      s = horizontal_sum(acc);
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

// sum of a[i] * b[i] over [0, n), float or double: xsimd fused multiply-adds into two
// accumulators (which hides their latency), summed across lanes, then a scalar tail. The
// similarity search of KeyedVectors runs on it. (Unlike add_row's, its result depends on the
// vector width.)
template <class T>
  requires simd_native_v<T>
inline T row_dot(const T* a, const T* b, std::int64_t n) noexcept {
  using B = xsimd::batch<T>;
  constexpr auto w = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  T s = T(0);
  if (n >= w) {
    B acc0(T(0)), acc1(T(0));
    for (; i + 2 * w <= n; i += 2 * w) {
      acc0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc0);
      acc1 = xsimd::fma(B::load_unaligned(a + i + w), B::load_unaligned(b + i + w), acc1);
    }
    for (; i + w <= n; i += w) {
      acc0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc0);
    }
    s = horizontal_sum(acc0 + acc1);
  }
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// out[0..n) = v / ||v||, the L2 norm being sqrt(row_dot(v, v, n)); a row whose norm is zero or
// not finite (an inf or NaN in it) gives zeros, so that its cosine with everything is 0
// instead of NaN.
template <class T>
  requires simd_native_v<T>
inline void unit_row(const T* v, T* out, std::int64_t n) noexcept {
  const T norm = std::sqrt(row_dot(v, v, n));
  const T inv = norm > T(0) && std::isfinite(norm) ? T(1) / norm : T(0);
  for (std::int64_t i = 0; i < n; ++i) out[i] = inv == T(0) ? T(0) : v[i] * inv;
}

}  // namespace embedkit::detail
