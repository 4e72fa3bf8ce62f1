// Philox4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11), the
// counter-based generator of Random123, cuRAND and PyTorch's CUDA RNG. A pure function of a
// 128-bit counter and a 64-bit key, so any element of a table can be drawn independently, in
// any order, on any thread or device, with identical results.
#pragma once

#include <array>
#include <cstdint>

namespace embedkit {

struct Philox4x32 {
  using counter_type = std::array<std::uint32_t, 4>;
  using key_type = std::array<std::uint32_t, 2>;

  static constexpr std::uint32_t m0 = 0xD2511F53u;
  static constexpr std::uint32_t m1 = 0xCD9E8D57u;
  static constexpr std::uint32_t w0 = 0x9E3779B9u;  // golden ratio
  static constexpr std::uint32_t w1 = 0xBB67AE85u;  // sqrt(3) - 1
  static constexpr int rounds = 10;

  static constexpr counter_type generate(counter_type c, key_type k) noexcept {
    for (int r = 0; r < rounds; ++r) {
      if (r) {
        k[0] += w0;
        k[1] += w1;
      }
      const std::uint64_t p0 = static_cast<std::uint64_t>(m0) * c[0];
      const std::uint64_t p1 = static_cast<std::uint64_t>(m1) * c[2];
      c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
    }
    return c;
  }
};

}  // namespace embedkit
