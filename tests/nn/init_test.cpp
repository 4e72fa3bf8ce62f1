#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

namespace {

struct Moments {
  double mean = 0, var = 0, min = INFINITY, max = -INFINITY;
};

template <class T>
Moments moments(const ek::Tensor<T>& t) {
  Moments m;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double v = static_cast<float>(t[i]);
    m.mean += v;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
  }
  m.mean /= static_cast<double>(t.numel());
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double d = static_cast<float>(t[i]) - m.mean;
    m.var += d * d;
  }
  m.var /= static_cast<double>(t.numel());
  return m;
}

ek::Tensor<float> drawn(ek::Shape s, const ek::init::Initializer& ini, std::uint64_t seed = 11) {
  auto t = ek::Tensor<float>::empty(s);
  ek::init::fill(t.view(), ini, seed);
  return t;
}

}  // namespace

TEST_CASE("Initializers draw from the documented distributions") {
  const ek::Shape s{400, 250};  // fan_in 250, fan_out 400 (PyTorch's convention)
  {
    const auto m = moments(drawn(s, ek::init::uniform(-0.05, 0.05)));
    CHECK(m.min >= -0.05);
    CHECK(m.max < 0.05);
    CHECK(m.mean == doctest::Approx(0.0).epsilon(1e-3).scale(1.0));
    CHECK(m.var == doctest::Approx(0.1 * 0.1 / 12).epsilon(0.02));
  }
  {
    const auto m = moments(drawn(s, ek::init::normal(1.5, 2.0)));
    CHECK(m.mean == doctest::Approx(1.5).epsilon(0.01));
    CHECK(m.var == doctest::Approx(4.0).epsilon(0.02));
  }
  {
    const auto m = moments(drawn(s, ek::init::truncated_normal(0.0, 1.0, -2.0, 2.0)));
    CHECK(m.min >= -2.0);
    CHECK(m.max <= 2.0);
    CHECK(m.var == doctest::Approx(0.7737).epsilon(0.02));  // variance of N(0,1) cut at +-2
  }
  {
    const double bound = std::sqrt(6.0 / (250 + 400));
    const auto m = moments(drawn(s, ek::init::xavier_uniform()));
    CHECK(m.max <= bound);
    CHECK(m.min >= -bound);
    CHECK(m.var == doctest::Approx(bound * bound / 3).epsilon(0.02));
  }
  {
    const auto m = moments(drawn(s, ek::init::xavier_normal(2.0)));
    CHECK(m.var == doctest::Approx(4.0 * 2.0 / 650).epsilon(0.02));
  }
  {
    // kaiming_uniform(a=0, fan_in, leaky_relu): gain sqrt(2), bound sqrt(6 / fan_in).
    const double bound = std::sqrt(6.0 / 250);
    const auto m = moments(drawn(s, ek::init::kaiming_uniform()));
    CHECK(m.max <= bound);
    CHECK(m.var == doctest::Approx(bound * bound / 3).epsilon(0.02));
  }
  {
    const auto m = moments(drawn(s, ek::init::kaiming_normal(0.0, ek::init::Fan::out,
                                                            ek::init::Nonlinearity::relu)));
    CHECK(m.var == doctest::Approx(2.0 / 400).epsilon(0.02));
  }
  {
    const auto m = moments(drawn(s, ek::init::constant(0.25)));
    CHECK(m.min == 0.25);
    CHECK(m.max == 0.25);
  }
  CHECK(ek::init::gain(ek::init::Nonlinearity::tanh) == doctest::Approx(5.0 / 3));
  CHECK_THROWS_AS(ek::init::uniform(1.0, 0.0), ek::value_error);
  CHECK_THROWS_AS(ek::init::normal(0.0, -1.0), ek::value_error);
  CHECK_THROWS_AS(ek::init::truncated_normal(0.0, 1.0, 3.0, 2.0), ek::value_error);
  CHECK_THROWS_AS(drawn({7}, ek::init::xavier_uniform()), ek::shape_error);
}

TEST_CASE("A table depends only on (initializer, shape, seed): not on the thread count") {
  const auto a = drawn({300, 70}, ek::init::normal(), 2024);
#if defined(_OPENMP)
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
  const auto b = drawn({300, 70}, ek::init::normal(), 2024);
#if defined(_OPENMP)
  omp_set_num_threads(saved);
#endif
  CHECK(std::equal(a.data(), a.data() + a.numel(), b.data()));
  const auto c = drawn({300, 70}, ek::init::normal(), 2025);
  CHECK_FALSE(std::equal(a.data(), a.data() + a.numel(), c.data()));

  // Element i is counter i: a table's prefix is the same whatever the table's size.
  const auto small = drawn({10, 70}, ek::init::normal(), 2024);
  CHECK(std::equal(small.data(), small.data() + small.numel(), a.data()));

  // The stream is part of the library's contract: these values must not change between
  // releases, compilers or platforms (the math uses only correctly rounded operations).
  const auto pinned = drawn({2, 2}, ek::init::normal(), 7);
  std::uint64_t h = 1469598103934665603ull;
  for (std::int64_t i = 0; i < pinned.numel(); ++i) {
    h = (h ^ std::bit_cast<std::uint32_t>(pinned[i])) * 1099511628211ull;
  }
  MESSAGE("normal(0,1) seed 7: " << pinned[0] << " " << pinned[1] << " " << pinned[2] << " " << pinned[3]);
  CHECK(h == 0xc8ddf232494ec2f0ull);
  // And a whole table through the rejection path (truncated_normal), element by element.
  const auto big = drawn({1000, 100}, ek::init::truncated_normal(), 9);
  std::uint64_t h2 = 1469598103934665603ull;
  for (std::int64_t i = 0; i < big.numel(); ++i) {
    h2 = (h2 ^ std::bit_cast<std::uint32_t>(big[i])) * 1099511628211ull;
  }
  CHECK(h2 == 0x94bccf8c73a74365ull);
}
