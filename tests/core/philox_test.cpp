#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include <embedkit/core/philox.hpp>
#include <embedkit/core/random.hpp>

namespace ek = embedkit;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors") {
  // Random123's kat_vectors: counter, key -> output.
  struct Kat {
    ek::Philox4x32::counter_type ctr;
    ek::Philox4x32::key_type key;
    ek::Philox4x32::counter_type out;
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) CHECK(ek::Philox4x32::generate(k.ctr, k.key) == k.out);
  static_assert(ek::Philox4x32::generate({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5u);
}

TEST_CASE("The deterministic logarithm agrees with libm to within 2 ulp") {
  double worst = 0;
  for (int i = 1; i <= 200000; ++i) {
    const double x = static_cast<double>(i) / 200000.0;  // (0, 1], the polar method's domain
    const double ref = std::log(x);
    const double got = ek::detail::det_log(x);
    if (ref != 0.0) {
      const double ulp = std::nextafter(std::abs(ref), INFINITY) - std::abs(ref);
      worst = std::max(worst, std::abs(got - ref) / ulp);
    } else {
      CHECK(got == 0.0);
    }
  }
  for (double x : {1e-300, 3.5e-200, 0.7071067811865476, 1.4142135623730951, 2.0, 1e10}) {
    const double ref = std::log(x);
    CHECK(std::abs(ek::detail::det_log(x) - ref) <= 2 * std::abs(ref) * 0x1.0p-52);
  }
  CHECK(worst <= 2.0);
}

TEST_CASE("Uniform and normal draws have the right moments and are pure functions of the counter") {
  constexpr int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
  double umin = 1, umax = 0;
  for (int i = 0; i < n; ++i) {
    const double u = ek::random_uniform(42, 0, static_cast<std::uint64_t>(i));
    umin = std::min(umin, u);
    umax = std::max(umax, u);
    su += u;
    su2 += u * u;
    const double z = ek::random_normal(42, 1, static_cast<std::uint64_t>(i), 0);
    sn += z;
    sn2 += z * z;
    sn4 += z * z * z * z;
  }
  CHECK(umin >= 0.0);
  CHECK(umax < 1.0);
  CHECK(su / n == doctest::Approx(0.5).epsilon(0.01));
  CHECK(su2 / n - (su / n) * (su / n) == doctest::Approx(1.0 / 12).epsilon(0.02));
  CHECK(std::abs(sn / n) < 0.01);                        // mean 0 (5 sigma: 0.011)
  CHECK(sn2 / n == doctest::Approx(1.0).epsilon(0.02));  // variance 1
  CHECK(sn4 / n == doctest::Approx(3.0).epsilon(0.05));  // kurtosis of a normal
  // The same (seed, stream, index) gives the same value; other seeds/streams differ.
  CHECK(ek::random_normal(42, 1, 77, 0) == ek::random_normal(42, 1, 77, 0));
  CHECK(ek::random_normal(42, 1, 77, 0) != ek::random_normal(43, 1, 77, 0));
  CHECK(ek::random_uniform(42, 0, 77) != ek::random_uniform(42, 3, 77));
}
