// Loading W consecutive elements of a table row as a batch of the accumulation type, for every
// storage type. float and double load directly; the narrow types (half, bfloat16, q8, q4) widen
// in registers with AVX2/F16C instructions when the translation unit is compiled for them, and
// through a small buffer otherwise. The scalar element() is the reference the tails use.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#if defined(__AVX2__) || defined(__F16C__)
#include <immintrin.h>
#endif

#include "embedkit/backend/common/storage.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/half.hpp"
#include "embedkit/core/quantized.hpp"

namespace embedkit::detail {

// Elements [c, c + W) of a row (c a multiple of W, and even for q4), widened to a batch.
template <class S, class A>
inline xsimd::batch<typename storage_traits<S>::acc, A> load_row(const std::uint8_t* row,
                                                                 std::int64_t c) noexcept {
  using Acc = typename storage_traits<S>::acc;
  using B = xsimd::batch<Acc, A>;
  if constexpr (std::is_same_v<S, float> || std::is_same_v<S, double>) {
    return B::load_unaligned(reinterpret_cast<const S*>(row) + c);
  } else {
#if defined(__AVX2__)
    if constexpr (B::size == 8) {
      if constexpr (std::is_same_v<S, bfloat16>) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * c));
        return B(_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)));
      } else if constexpr (std::is_same_v<S, q8>) {
        const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c));
        return B(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q)));
      } else if constexpr (std::is_same_v<S, q4>) {
        std::int32_t packed;
        std::memcpy(&packed, row + c / 2, 4);
        const __m128i v = _mm_cvtsi32_si128(packed);
        const __m128i mask = _mm_set1_epi8(0x0F);
        const __m128i lo = _mm_and_si128(v, mask);
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
        return B(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi))));
      }
#if defined(__F16C__)
      else if constexpr (std::is_same_v<S, half>) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * c));
        return B(_mm256_cvtph_ps(h));
      }
#endif
    }
#endif
    alignas(64) Acc tmp[B::size];
    for (std::size_t k = 0; k < B::size; ++k) {
      tmp[k] = storage_traits<S>::element(row, c + static_cast<std::int64_t>(k));
    }
    return B::load_aligned(tmp);
  }
}

}  // namespace embedkit::detail
