// Checked arithmetic for sizes computed from untrusted input (shapes, header counts, offsets,
// ids): every product or sum of such integers goes through these, so that an overflow is an
// ek::error naming what was being computed, never a wrapped value that passes the next check.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"

namespace embedkit::detail {

// a * b and a + b for a, b >= 0; false when the result does not fit in int64.
constexpr bool mul_fits(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  if (a < 0 || b < 0) return false;
  if (b != 0 && a > std::numeric_limits<std::int64_t>::max() / b) return false;
  out = a * b;
  return true;
}
constexpr bool add_fits(std::int64_t a, std::int64_t b, std::int64_t& out) noexcept {
  if (a < 0 || b < 0 || a > std::numeric_limits<std::int64_t>::max() - b) return false;
  out = a + b;
  return true;
}

// The same, raising Error("<what>: a * b overflows int64") when the result does not fit.
template <class Error = value_error>
std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t out = 0;
  if (!mul_fits(a, b, out)) {
    raise<Error>(std::string(what) + ": " + std::to_string(a) + " * " + std::to_string(b) +
                 (a < 0 || b < 0 ? " has a negative operand" : " overflows int64"));
  }
  return out;
}
template <class Error = value_error>
std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t out = 0;
  if (!add_fits(a, b, out)) {
    raise<Error>(std::string(what) + ": " + std::to_string(a) + " + " + std::to_string(b) +
                 (a < 0 || b < 0 ? " has a negative operand" : " overflows int64"));
  }
  return out;
}

}  // namespace embedkit::detail
