// Pooling (and Normalize) against sentence-transformers on any backend: every case under
// tests/data/pooling (written by tests/golden/make_pooling_fixtures.py) run through
// Pooling<T, B>. Inputs go to B's memory, results come back to the host, so the same walk
// checks ek::cpu (tests/nn) and ek::cuda (tests/cuda).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/nn/normalize.hpp>
#include <embedkit/nn/pooling.hpp>

#include "support/backend_data.hpp"
#include "support/compare.hpp"
#include "support/fixture.hpp"

namespace embedkit_test::golden {

// check_close, with the fixture's infinities and NaNs (max over no token gives -inf) matched
// exactly instead of within a tolerance.
template <class T>
void check_pooled(const embedkit::Tensor<T>& got, const Array& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.numel() == want.numel());
  const double tol = tolerance<T>(4e-6);  // sums in another order than torch's
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    const double g = static_cast<double>(got[i]);
    const double w = want.values[static_cast<std::size_t>(i)];
    const bool ok = std::isfinite(w) ? std::abs(g - w) <= tol * (1.0 + std::abs(w))
                                     : (std::isnan(w) ? std::isnan(g) : g == w);
    if (!ok && bad++ == 0) MESSAGE(what << "[" << i << "]: got " << g << ", reference " << w);
  }
  CHECK(bad == 0);
}

template <class B, class T>
void pooling_case(const Fixture& fx) {
  namespace ek = embedkit;
  const Array& xa = fx.at("x");
  const auto x = on<B>(xa.as<T>(), shape_of(xa));

  ek::PoolingConfig config;
  config.modes.clear();
  for (std::int64_t m : fx.at("modes").ints) config.modes.push_back(static_cast<ek::PoolingMode>(m));
  config.include_prompt = fx.at("include_prompt").ints.at(0) != 0;
  if (fx.has("max_fill")) config.max_fill = fx.at("max_fill").values.at(0);
  const ek::Pooling<T, B> pooling(config);
  const std::int64_t prompt_length = fx.at("prompt_length").ints.at(0);

  ek::Tensor<T, B> y;
  if (fx.has("lengths")) {
    const std::vector<std::int64_t> lengths = fx.at("lengths").ints;
    y = pooling.forward(x.cview(), std::span<const std::int64_t>(lengths), prompt_length);
  } else {
    const Array& ma = fx.at("mask");
    auto host_mask = ek::Tensor<bool>::empty(shape_of(ma));
    for (std::int64_t i = 0; i < host_mask.numel(); ++i) host_mask[i] = ma.ints[static_cast<std::size_t>(i)] != 0;
    const ek::Tensor<bool, B> mask = ek::to<B>(std::move(host_mask));
    y = pooling.forward(x.cview(), mask.cview(), prompt_length);
  }
  const Array& want = fx.at("output");
  CHECK(y.shape() == shape_of(want));
  CHECK(pooling.output_dimension(xa.shape.at(2)) == want.shape.at(1));
  check_pooled(host(y), want, "output");

  if (fx.has("normalized")) {
    const ek::Normalize<T, B> norm;
    check_pooled(host(norm.forward(y.cview())), fx.at("normalized"), "Normalize::forward");
    ek::normalize(y);
    check_pooled(host(y), fx.at("normalized"), "normalize");
  }
}

// One SUBCASE per fixture named in tests/data/pooling/cases.txt.
template <class B>
void pooling_cases() {
  const auto cases = read_lines(data_path("pooling/cases.txt"));
  REQUIRE(cases.size() >= 20);
  for (const std::string& name : cases) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(data_path("pooling/" + name + ".txt"));
      const std::string& dt = fx.at("x").dtype;
      if (dt == "f32") pooling_case<B, float>(fx);
      else if (dt == "f64") pooling_case<B, double>(fx);
      else FAIL("unknown x dtype " << dt);
    }
  }
}

}  // namespace embedkit_test::golden
