// Element-wise random draws on top of Philox. Element i of a draw with seed s and stream t
// reads counter (i, attempt, t) under key s, so a tensor is filled identically whatever the
// thread count, platform or backend. The floating-point steps use only IEEE-exact operations
// (+, -, *, /, sqrt and explicit fma), with a logarithm of our own: no libm function whose last
// bit differs between C libraries decides a value. Draws happen on the host: a layer on any
// backend draws its table there and moves it (to<Backend>), so one seed gives one table.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#include "embedkit/core/config.hpp"
#include "embedkit/core/philox.hpp"

namespace embedkit {
namespace detail {

// Natural logarithm of a positive, finite, normal double, to within about 1 ulp.
// log(x) = e*ln2 + 2*atanh(s), s = (m-1)/(m+1), m in [sqrt(1/2), sqrt(2)).
inline double det_log(double x) noexcept {
  std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;  // m in [1, 2)
  double m = std::bit_cast<double>(bits);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    ++e;
  }
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  // 2*atanh(s) = 2s (1 + z/3 + z^2/5 + ...); |s| < 0.1716, so terms to z^10 reach 1e-17.
  double p = 1.0 / 21.0;
  p = std::fma(p, z, 1.0 / 19.0);
  p = std::fma(p, z, 1.0 / 17.0);
  p = std::fma(p, z, 1.0 / 15.0);
  p = std::fma(p, z, 1.0 / 13.0);
  p = std::fma(p, z, 1.0 / 11.0);
  p = std::fma(p, z, 1.0 / 9.0);
  p = std::fma(p, z, 1.0 / 7.0);
  p = std::fma(p, z, 1.0 / 5.0);
  p = std::fma(p, z, 1.0 / 3.0);
  const double tail = s * z;           // s^3
  const double log_m = std::fma(2.0 * tail, p, 2.0 * s);
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 split so e*ln2_hi is exact
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const double de = static_cast<double>(e);
  return std::fma(de, ln2_hi, std::fma(de, ln2_lo, log_m));
}

// A double in [0, 1) from 64 random bits (53 significant).
constexpr double unit_double(std::uint32_t hi, std::uint32_t lo) noexcept {
  const std::uint64_t v = (static_cast<std::uint64_t>(hi) << 32) | lo;
  return static_cast<double>(v >> 11) * 0x1.0p-53;
}

constexpr Philox4x32::counter_type draw_block(std::uint64_t seed,
                                                                   std::uint64_t stream,
                                                                   std::uint64_t index,
                                                                   std::uint32_t attempt) noexcept {
  return Philox4x32::generate(
      {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32), attempt,
       static_cast<std::uint32_t>(stream)},
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
}

}  // namespace detail

// Uniform in [0, 1) for element `index`.
inline double random_uniform(std::uint64_t seed, std::uint64_t stream,
                                                  std::uint64_t index) noexcept {
  const auto b = detail::draw_block(seed, stream, index, 0);
  return detail::unit_double(b[0], b[1]);
}

// Standard normal for element `index` and the first attempt >= `first_attempt`, by Marsaglia's
// polar method (needs only log and sqrt). Returns the value and sets `next_attempt` so that a
// caller rejecting the value (truncation) can continue the same element's sequence.
inline double random_normal(std::uint64_t seed, std::uint64_t stream,
                                                 std::uint64_t index, std::uint32_t first_attempt,
                                                 std::uint32_t* next_attempt = nullptr) noexcept {
  for (std::uint32_t a = first_attempt;; ++a) {
    const auto b = detail::draw_block(seed, stream, index, a);
    const double u = std::fma(2.0, detail::unit_double(b[0], b[1]), -1.0);
    const double v = std::fma(2.0, detail::unit_double(b[2], b[3]), -1.0);
    const double s = std::fma(u, u, v * v);
    if (s > 0.0 && s < 1.0) {
      if (next_attempt) *next_attempt = a + 1;
      return u * std::sqrt(-2.0 * detail::det_log(s) / s);
    }
  }
}

}  // namespace embedkit
