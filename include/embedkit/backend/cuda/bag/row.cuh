// Reading table rows of every storage type in an EmbeddingBag kernel: V consecutive elements
// per load (16-byte vectors for float, double, half and bfloat16; 4-byte words for q8 and q4),
// widened to the accumulation type in registers. Quantized levels come back raw: the caller
// applies the row's scale and bias, as the cpu kernel does.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "embedkit/backend/common/storage.hpp"
#include "embedkit/backend/cuda/element.cuh"
#include "embedkit/core/half.hpp"
#include "embedkit/core/quantized.hpp"

namespace embedkit::detail {

__device__ inline float half_bits_to_float(unsigned bits) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(bits & 0xFFFFu)));
}
__device__ inline float bfloat16_bits_to_float(unsigned bits) { return __uint_as_float(bits << 16); }

// Elements [c, c + V) of `row` (c a multiple of V) into x.
template <class S, int V>
__device__ inline void load_elements(const std::uint8_t* row, std::int64_t c,
                                     typename storage_traits<S>::acc (&x)[V]) {
  if constexpr (std::is_same_v<S, float> && V == 4) {
    const float4 v = *reinterpret_cast<const float4*>(row + 4 * c);
    x[0] = v.x; x[1] = v.y; x[2] = v.z; x[3] = v.w;
  } else if constexpr (std::is_same_v<S, double> && V == 2) {
    const double2 v = *reinterpret_cast<const double2*>(row + 8 * c);
    x[0] = v.x; x[1] = v.y;
  } else if constexpr ((std::is_same_v<S, half> || std::is_same_v<S, bfloat16>) && V == 8) {
    const uint4 v = *reinterpret_cast<const uint4*>(row + 2 * c);
    const unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      if constexpr (std::is_same_v<S, half>) {
        x[2 * k] = half_bits_to_float(w[k]);
        x[2 * k + 1] = half_bits_to_float(w[k] >> 16);
      } else {
        x[2 * k] = bfloat16_bits_to_float(w[k] & 0xFFFFu);
        x[2 * k + 1] = bfloat16_bits_to_float(w[k] >> 16);
      }
    }
  } else if constexpr (std::is_same_v<S, q8> && V == 4) {
    const unsigned w = *reinterpret_cast<const unsigned*>(row + c);
#pragma unroll
    for (int k = 0; k < 4; ++k) x[k] = static_cast<float>((w >> (8 * k)) & 0xFFu);
  } else if constexpr (std::is_same_v<S, q4> && V == 8) {
    // Element 2k is the low nibble of byte k: in a little-endian word, element e is nibble e.
    const unsigned w = *reinterpret_cast<const unsigned*>(row + c / 2);
#pragma unroll
    for (int k = 0; k < 8; ++k) x[k] = static_cast<float>((w >> (4 * k)) & 0xFu);
  } else {
    static_assert(V == 1, "no vector load for this storage type and width");
    if constexpr (storage_traits<S>::quantized) {
      x[0] = static_cast<float>(S::level(row, c));
    } else {
      x[0] = device_element<S>::load(reinterpret_cast<const S*>(row) + c);
    }
  }
}

// The vector load of each storage type: V elements in `vector_bytes` bytes.
template <class S>
inline constexpr int wide_width = std::is_same_v<S, float> ? 4 : std::is_same_v<S, double> ? 2 : 8;
template <class S>
inline constexpr int vector_bytes = storage_traits<S>::quantized ? 4 : 16;
template <>
inline constexpr int wide_width<q8> = 4;

// wide_width<S> when this table allows the vector load (every row start and column block
// aligned for it, dim a multiple of it), else 1.
template <class S>
inline int vector_width(const std::uint8_t* table, std::int64_t stride, std::int64_t dim) noexcept {
  constexpr unsigned bytes = static_cast<unsigned>(vector_bytes<S>);
  const bool aligned = reinterpret_cast<std::uintptr_t>(table) % bytes == 0 && stride % bytes == 0;
  return aligned && dim % wide_width<S> == 0 ? wide_width<S> : 1;
}

}  // namespace embedkit::detail
