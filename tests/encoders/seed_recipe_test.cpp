// The masked-mean recipe for sentence vectors, against PyTorch: the hidden states of a model
// averaged over the tokens with the mask, `(last_hidden_state * mask).sum(1) / mask.sum(1)`
// (and `torch.mean(last_hidden_state, 1)` for a batch without padding). The model is an LSTM
// (batch_first); the cases under tests/data/seed_recipe were written by
// tests/golden/make_seed_recipe_fixtures.py. Here the same weights run through ek::LSTM and the
// hidden states through ek::Pooling in mode mean, given the mask and given the lengths.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/core/pooling_mode.hpp>
#include <embedkit/core/tensor.hpp>
#include <embedkit/core/tensor_view.hpp>
#include <embedkit/nn/lstm.hpp>
#include <embedkit/nn/pooling.hpp>

#include "support/fixture.hpp"

namespace {

namespace ek = embedkit;
using embedkit_test::Array;
using embedkit_test::Fixture;

// Relative to 1 + |expected|: the LSTM's tolerance (its sums run in another order than
// PyTorch's and the recurrence carries the difference); the mean adds a few roundings.
constexpr double kTolerance = 2e-5;

ek::Shape shape_of(const Array& a) { return ek::Shape(std::span<const std::int64_t>(a.shape)); }

std::int64_t int_of(const Fixture& fx, const char* name) { return fx.at(name).ints.at(0); }

// Every LSTM parameter from the record of the same name (torch's state-dict names); the layer
// must visit exactly the state dict's entries.
void load_parameters(ek::LSTM<float>& lstm, const Fixture& fx, std::size_t expected_count) {
  std::size_t visited = 0;
  lstm.visit_parameters([&](std::string_view name, auto& p) {
    INFO("parameter " << name);
    REQUIRE(fx.has(name));
    const Array& a = fx.at(name);
    const std::vector<float> values = a.as<float>();
    p.assign(ek::TensorView<const float>(values.data(), shape_of(a)), name, "seed recipe test");
    ++visited;
  });
  CHECK(visited == expected_count);
}

// got within kTolerance of want, element by element; reports the first mismatch and returns
// the largest difference.
double check_close(const ek::Tensor<float>& got, const Array& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.shape() == shape_of(want));
  double largest = 0;
  std::int64_t bad = 0;
  for (std::int64_t k = 0; k < want.numel(); ++k) {
    const double g = got.data()[k], w = want.values[static_cast<std::size_t>(k)];
    const double d = std::abs(g - w) / (1.0 + std::abs(w));
    largest = std::isnan(d) ? INFINITY : std::max(largest, d);
    if (!(d <= kTolerance) && bad++ == 0) {
      MESSAGE(what << "[" << k << "]: got " << g << ", torch " << w);
    }
  }
  CHECK(bad == 0);
  return largest;
}

}  // namespace

TEST_CASE("LSTM hidden states averaged with the mask by Pooling(mean) match the PyTorch recipe") {
  const std::vector<std::string> cases =
      embedkit_test::read_lines(embedkit_test::data_path("seed_recipe/cases.txt"));
  CHECK(cases.size() == 3);
  double largest = 0;
  for (const std::string& name : cases) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(embedkit_test::data_path("seed_recipe/" + name + ".txt"));
    const std::int64_t layers = int_of(fx, "num_layers");
    const bool bidirectional = int_of(fx, "bidirectional") != 0;
    ek::LSTM<float> lstm(
        int_of(fx, "input_size"), int_of(fx, "hidden_size"),
        {.num_layers = layers, .batch_first = true, .bidirectional = bidirectional, .seed = 0});
    load_parameters(lstm, fx, static_cast<std::size_t>(4 * layers * (bidirectional ? 2 : 1)));

    const Array& input = fx.at("input");
    const std::vector<float> x = input.as<float>();
    const std::vector<std::int64_t> lengths = fx.at("lengths").as<std::int64_t>();
    const auto out = lstm.forward(ek::TensorView<const float>(x.data(), shape_of(input)),
                                  std::span<const std::int64_t>(lengths));
    const ek::TensorView<const float> hidden = out.output.cview();  // last_hidden_state

    const Array& mask_record = fx.at("mask");
    auto mask = ek::Tensor<bool>::empty(shape_of(mask_record));
    for (std::int64_t k = 0; k < mask.numel(); ++k) {
      mask.data()[k] = mask_record.ints[static_cast<std::size_t>(k)] != 0;
    }
    const ek::Pooling<float> mean({ek::PoolingMode::mean});
    const Array& want = fx.at("embeddings");
    largest = std::max(largest, check_close(mean.forward(hidden, mask.cview()), want,
                                            name + ": Pooling(mean).forward(hidden states, mask)"));
    largest = std::max(
        largest, check_close(mean.forward(hidden, std::span<const std::int64_t>(lengths)), want,
                             name + ": Pooling(mean).forward(hidden states, lengths)"));
  }
  MESSAGE("masked mean vs PyTorch: largest difference " << largest << " relative to 1 + |torch|");
}
