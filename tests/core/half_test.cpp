// half and bfloat16 conversions, bit for bit against PyTorch (tests/data/core/half_bf16.txt,
// written by tests/golden/make_core_fixtures.py).
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include <embedkit/core/half.hpp>

#include "support/fixture.hpp"

namespace ek = embedkit;

TEST_CASE("float -> half and float -> bfloat16 round to nearest even exactly as PyTorch") {
  const auto fx = embedkit_test::Fixture::load(embedkit_test::data_path("core/half_bf16.txt"));
  const auto in = fx.at("f32_bits").as<std::uint32_t>();
  const auto h = fx.at("to_f16_bits").as<std::uint16_t>();
  const auto b = fx.at("to_bf16_bits").as<std::uint16_t>();
  REQUIRE(in.size() > 8000);
  int half_mismatch = 0, bf16_mismatch = 0, nans = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const float f = std::bit_cast<float>(in[i]);
    const ek::half got_h(f);
    const ek::bfloat16 got_b(f);
    if (std::isnan(f)) {  // NaN payloads are not part of the contract: only NaN-ness
      ++nans;
      CHECK(std::isnan(static_cast<float>(got_h)));
      CHECK(std::isnan(static_cast<float>(got_b)));
      continue;
    }
    if (got_h.bits() != h[i] && half_mismatch++ < 5) {
      MESSAGE("half: input bits " << in[i] << " got " << got_h.bits() << " torch " << h[i]);
    }
    if (got_b.bits() != b[i] && bf16_mismatch++ < 5) {
      MESSAGE("bf16: input bits " << in[i] << " got " << got_b.bits() << " torch " << b[i]);
    }
  }
  CHECK(nans > 0);
  CHECK(half_mismatch == 0);
  CHECK(bf16_mismatch == 0);
}

TEST_CASE("half -> float and bfloat16 -> float are exact, as PyTorch") {
  const auto fx = embedkit_test::Fixture::load(embedkit_test::data_path("core/half_bf16.txt"));
  const auto hb = fx.at("f16_bits").as<std::uint16_t>();
  const auto hf = fx.at("f16_to_f32_bits").as<std::uint32_t>();
  for (std::size_t i = 0; i < hb.size(); ++i) {
    const float f = ek::half::from_bits(hb[i]);
    if (std::isnan(f)) {
      CHECK(std::isnan(std::bit_cast<float>(hf[i])));
    } else {
      CHECK(std::bit_cast<std::uint32_t>(f) == hf[i]);
    }
  }
  const auto bb = fx.at("bf16_bits").as<std::uint16_t>();
  const auto bf = fx.at("bf16_to_f32_bits").as<std::uint32_t>();
  for (std::size_t i = 0; i < bb.size(); ++i) {
    const float f = ek::bfloat16::from_bits(bb[i]);
    if (!std::isnan(f)) CHECK(std::bit_cast<std::uint32_t>(f) == bf[i]);
  }
}

TEST_CASE("half round-trips every finite half value through float") {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const auto h = ek::half::from_bits(static_cast<std::uint16_t>(b));
    const float f = h;
    if (std::isnan(f)) continue;
    CHECK_MESSAGE(ek::half(f).bits() == h.bits(), "bits " << b);
  }
  static_assert(ek::detail::float_bits_to_half_bits(0x3f800000u) == 0x3c00u);  // 1.0
  static_assert(ek::detail::float_bits_to_bfloat16_bits(0x3f800000u) == 0x3f80u);
}
