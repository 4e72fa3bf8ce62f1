// What a table row is made of, for each storage type an EmbeddingBag can hold: its size in
// bytes, the accumulation type, and (on the host) how to read one element. Every backend
// lays tables out the same way, so a table moves between backends as plain bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/half.hpp"
#include "embedkit/core/quantized.hpp"

namespace embedkit::detail {

// What a table row is made of, for each storage type.
template <class S>
struct storage_traits {  // float, double, half, bfloat16
  using acc = acc_t<S>;
  static constexpr bool quantized = false;
  static constexpr std::int64_t row_bytes(std::int64_t dim) noexcept {
    return dim * static_cast<std::int64_t>(sizeof(S));
  }
  static acc element(const std::uint8_t* row, std::int64_t j) noexcept {
    S v;
    std::memcpy(&v, row + j * static_cast<std::int64_t>(sizeof(S)), sizeof(S));
    return static_cast<acc>(v);
  }
};

template <Quantized Q>
struct storage_traits<Q> {
  using acc = float;
  static constexpr bool quantized = true;
  static constexpr std::int64_t row_bytes(std::int64_t dim) noexcept { return Q::row_bytes(dim); }
  // The raw level (0..255 or 0..15); the caller applies scale and bias.
  static float element(const std::uint8_t* row, std::int64_t j) noexcept {
    if constexpr (std::is_same_v<Q, q8>) {
      return static_cast<float>(row[j]);
    } else {
      return static_cast<float>((row[j / 2] >> ((j % 2) * 4)) & 0xF);
    }
  }
  static void params(const std::uint8_t* row, std::int64_t dim, float& scale, float& bias) noexcept {
    const std::uint8_t* p = row + Q::data_bytes(dim);
    if constexpr (std::is_same_v<Q, q8>) {
      std::memcpy(&scale, p, 4);
      std::memcpy(&bias, p + 4, 4);
    } else {
      std::uint16_t s, b;
      std::memcpy(&s, p, 2);
      std::memcpy(&b, p + 2, 2);
      scale = half::from_bits(s);
      bias = half::from_bits(b);
    }
  }
};

}  // namespace embedkit::detail
