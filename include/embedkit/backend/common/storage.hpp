// What a table row is made of, for each storage type an EmbeddingBag can hold: its size in
// bytes, the accumulation type, and (on the host) how to read one element. Every backend
// lays tables out the same way, so a table moves between backends as plain bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "embedkit/core/config.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/half.hpp"
#include "embedkit/core/quantized.hpp"

namespace embedkit::detail {

// What a table row is made of, for each storage type. Written once for host code and CUDA
// kernels (EMBEDKIT_HOST_DEVICE).
template <class S>
struct storage_traits {  // float, double, half, bfloat16
  using acc = acc_t<S>;
  static constexpr bool quantized = false;
  EMBEDKIT_HOST_DEVICE static constexpr std::int64_t row_bytes(std::int64_t dim) noexcept {
    return dim * static_cast<std::int64_t>(sizeof(S));
  }
  EMBEDKIT_HOST_DEVICE static acc element(const std::uint8_t* row, std::int64_t j) noexcept {
    S v;
    std::memcpy(&v, row + j * static_cast<std::int64_t>(sizeof(S)), sizeof(S));
    return static_cast<acc>(v);
  }
};

template <Quantized Q>
struct storage_traits<Q> {
  using acc = float;
  static constexpr bool quantized = true;
  EMBEDKIT_HOST_DEVICE static constexpr std::int64_t row_bytes(std::int64_t dim) noexcept {
    return Q::row_bytes(dim);
  }
  // The raw level (0..255 or 0..15); the caller applies scale and bias.
  EMBEDKIT_HOST_DEVICE static float element(const std::uint8_t* row, std::int64_t j) noexcept {
    return static_cast<float>(Q::level(row, j));
  }
  EMBEDKIT_HOST_DEVICE static void params(const std::uint8_t* row, std::int64_t dim, float& scale,
                                          float& bias) noexcept {
    const RowParams rp = Q::params(row, dim);
    scale = rp.scale;
    bias = rp.bias;
  }
};

// Value of element j of a row (dequantized for quantized storage): the reference the kernels'
// fast paths are checked against, and what single-element readers use.
template <class S>
EMBEDKIT_HOST_DEVICE inline typename storage_traits<S>::acc row_value(const std::uint8_t* row,
                                                                      std::int64_t dim,
                                                                      std::int64_t j) noexcept {
  auto v = storage_traits<S>::element(row, j);
  if constexpr (storage_traits<S>::quantized) {
    float sc, bi;
    storage_traits<S>::params(row, dim, sc, bi);
    v = v * sc + bi;
  }
  return v;
}

}  // namespace embedkit::detail
