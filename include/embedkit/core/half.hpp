// 16-bit floating-point storage types: IEEE binary16 (`half`) and bfloat16. They are storage
// formats: arithmetic happens in float. Conversions from float round to nearest, ties to even,
// bit for bit as PyTorch's c10::Half and c10::BFloat16 do; they are pure integer code, so the
// result does not depend on the FPU's rounding or flush-to-zero mode.
#pragma once

#include <cstdint>

#include "embedkit/core/config.hpp"

namespace embedkit {
namespace detail {

EMBEDKIT_HOST_DEVICE constexpr std::uint16_t float_bits_to_half_bits(std::uint32_t f) noexcept {
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const std::uint32_t x = f & 0x7fffffffu;
  if (x >= 0x7f800000u) {                         // inf or NaN
    return static_cast<std::uint16_t>(sign | (x > 0x7f800000u ? 0x7e00u : 0x7c00u));
  }
  if (x >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // >= 65520: inf
  if (x >= 0x38800000u) {                         // a normal half (>= 2^-14)
    std::uint32_t m = x - 0x38000000u;            // rebias the exponent from 127 to 15
    m += 0x0fffu + ((m >> 13) & 1u);              // round to nearest, ties to even
    return static_cast<std::uint16_t>(sign | (m >> 13));
  }
  if (x <= 0x33000000u) return static_cast<std::uint16_t>(sign);  // <= 2^-25: rounds to zero
  // A subnormal half: the value in units of 2^-24 is mant >> shift, rounded to nearest even.
  const std::uint32_t e = x >> 23;
  const std::uint32_t mant = (x & 0x007fffffu) | 0x00800000u;
  const std::uint32_t shift = 126u - e;           // 14..24
  std::uint32_t r = mant >> shift;
  const std::uint32_t rem = mant & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1u);
  if (rem > halfway || (rem == halfway && (r & 1u))) ++r;
  return static_cast<std::uint16_t>(sign | r);
}

EMBEDKIT_HOST_DEVICE constexpr std::uint32_t half_bits_to_float_bits(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t e = (h >> 10) & 0x1fu;
  std::uint32_t m = h & 0x3ffu;
  if (e == 0x1fu) return sign | 0x7f800000u | (m << 13);  // inf, NaN (payload kept)
  if (e == 0) {
    if (m == 0) return sign;
    int shifts = 0;                                         // normalise a subnormal
    while (!(m & 0x400u)) {
      m <<= 1;
      ++shifts;
    }
    return sign | ((113u - static_cast<std::uint32_t>(shifts)) << 23) | ((m & 0x3ffu) << 13);
  }
  return sign | ((e + 112u) << 23) | (m << 13);
}

EMBEDKIT_HOST_DEVICE constexpr std::uint16_t float_bits_to_bfloat16_bits(std::uint32_t f) noexcept {
  if ((f & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;      // NaN, as PyTorch
  return static_cast<std::uint16_t>((f + 0x7fffu + ((f >> 16) & 1u)) >> 16);
}

}  // namespace detail

// IEEE 754 binary16.
struct half {
  std::uint16_t bits_ = 0;

  constexpr half() noexcept = default;
  EMBEDKIT_HOST_DEVICE explicit half(float f) noexcept
      : bits_(detail::float_bits_to_half_bits(detail::bit_cast<std::uint32_t>(f))) {}
  EMBEDKIT_HOST_DEVICE explicit half(double d) noexcept : half(static_cast<float>(d)) {}
  EMBEDKIT_HOST_DEVICE operator float() const noexcept {
    return detail::bit_cast<float>(detail::half_bits_to_float_bits(bits_));
  }
  EMBEDKIT_HOST_DEVICE static constexpr half from_bits(std::uint16_t b) noexcept {
    half h;
    h.bits_ = b;
    return h;
  }
  EMBEDKIT_HOST_DEVICE constexpr std::uint16_t bits() const noexcept { return bits_; }
};

// bfloat16: the upper half of a float32.
struct bfloat16 {
  std::uint16_t bits_ = 0;

  constexpr bfloat16() noexcept = default;
  EMBEDKIT_HOST_DEVICE explicit bfloat16(float f) noexcept
      : bits_(detail::float_bits_to_bfloat16_bits(detail::bit_cast<std::uint32_t>(f))) {}
  EMBEDKIT_HOST_DEVICE explicit bfloat16(double d) noexcept : bfloat16(static_cast<float>(d)) {}
  EMBEDKIT_HOST_DEVICE operator float() const noexcept {
    return detail::bit_cast<float>(static_cast<std::uint32_t>(bits_) << 16);
  }
  EMBEDKIT_HOST_DEVICE static constexpr bfloat16 from_bits(std::uint16_t b) noexcept {
    bfloat16 h;
    h.bits_ = b;
    return h;
  }
  EMBEDKIT_HOST_DEVICE constexpr std::uint16_t bits() const noexcept { return bits_; }
};

static_assert(sizeof(half) == 2 && sizeof(bfloat16) == 2);

}  // namespace embedkit
