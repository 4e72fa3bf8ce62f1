// The dense layers against PyTorch on any backend: every case under tests/data/layers (written
// by tests/golden/make_layers_fixtures.py) run through Linear, LSTM, Conv1d, LayerNorm and
// activate on backend B. A case's name starts with its layer (linear_, lstm_, conv1d_,
// layer_norm_, activation_); its parameters are loaded by name through visit_parameters, so
// the names and their order are checked against torch's state dict too. Inputs are copied to
// B's memory and results back to the host: tests/nn runs the cases on ek::cpu, a cuda suite
// can run the same ones on ek::cuda.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <embedkit/core/activation.hpp>
#include <embedkit/nn/activation.hpp>
#include <embedkit/nn/conv1d.hpp>
#include <embedkit/nn/layer_norm.hpp>
#include <embedkit/nn/linear.hpp>
#include <embedkit/nn/lstm.hpp>

#include "support/backend_data.hpp"
#include "support/compare.hpp"
#include "support/fixture.hpp"

namespace embedkit_test::golden {

// float tolerances relative to 1 + |torch| (double: 1e-12, see tolerance<T>()). Products and
// sums of many terms are added in another order than PyTorch's BLAS; the LSTM carries that
// difference through its recurrence.
inline constexpr double elementwise_tolerance = 2e-6;  // activations, LayerNorm
inline constexpr double sum_tolerance = 1e-5;          // Linear, Conv1d
inline constexpr double recurrent_tolerance = 2e-5;    // LSTM

// The largest difference seen so far per layer and dtype ("lstm f32"), relative to
// 1 + |expected|: a program that runs the cases can print how close the layers come.
inline std::map<std::string, double>& largest_differences() {
  static std::map<std::string, double> m;
  return m;
}

// Every digit of a value, for messages (doctest prints 6).
inline std::string digits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// max |got - want| / (1 + |want|) over the elements of two arrays of equal size.
inline double relative_difference(const double* got, const std::vector<double>& want) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double d = std::abs(got[i] - want[i]) / (1.0 + std::abs(want[i]));
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  return worst;
}

// Checks a host result against a fixture record: same shape, every element within tol of
// torch's (relative to 1 + |value|); the first mismatch is reported. Returns the largest
// difference and records it under `key`.
template <class T>
double check_against(const embedkit::Tensor<T>& got, const Array& want, const std::string& what,
                     double tol, const std::string& key) {
  INFO(what);
  CHECK(got.shape() == shape_of(want));
  if (got.numel() != want.numel()) return INFINITY;
  const std::vector<double> g(got.data(), got.data() + got.numel());
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const double w = want.values[i];
    if (!(std::abs(g[i] - w) <= tol * (1.0 + std::abs(w))) && bad++ == 0) {
      MESSAGE(what << "[" << i << "]: got " << digits(g[i]) << ", torch " << digits(w) << " (tolerance "
                   << tol << " relative to 1 + |torch|)");
    }
  }
  const double worst = relative_difference(g.data(), want.values);
  if (bad != 0) MESSAGE(what << ": " << bad << " elements outside the tolerance, largest difference " << worst);
  CHECK(bad == 0);
  double& seen = largest_differences()[key];
  seen = std::max(seen, worst);
  return worst;
}

// The records of a case file that hold parameters (named weight, bias, weight_* or bias_*),
// in file order: the state-dict order of the torch module.
inline std::vector<std::string> parameter_records(const std::string& path) {
  std::vector<std::string> names;
  for (const std::string& line : read_lines(path)) {
    const std::string name = line.substr(0, line.find(' '));
    if (name == "weight" || name == "bias" || name.starts_with("weight_") || name.starts_with("bias_")) {
      names.push_back(name);
    }
  }
  return names;
}

// Assigns every parameter of `layer` from the fixture record of the same name, and checks the
// layer visits exactly the module's state-dict entries, in the same order.
template <class T, class Layer>
void load_parameters(Layer& layer, const Fixture& fx) {
  namespace ek = embedkit;
  std::vector<std::string> visited;
  layer.visit_parameters([&](std::string_view name, auto& p) {
    visited.emplace_back(name);
    INFO("parameter " << name);
    REQUIRE(fx.has(name));
    const Array& a = fx.at(name);
    const std::vector<T> values = a.as<T>();
    p.assign(ek::TensorView<const T>(values.empty() ? nullptr : values.data(), shape_of(a)), name, "test");
  });
  CHECK(visited == parameter_records(fx.path));
}

inline std::int64_t int_option(const Fixture& fx, const char* name) { return fx.at(name).ints.at(0); }
inline bool bool_option(const Fixture& fx, const char* name) { return fx.at(name).ints.at(0) != 0; }

template <class T>
std::string key_of(const char* layer) {
  return std::string(layer) + (std::is_same_v<T, double> ? " f64" : " f32");
}

template <class B, class T>
embedkit::Tensor<T, B> input_of(const Fixture& fx, const char* name = "input") {
  const Array& a = fx.at(name);
  return on<B>(a.as<T>(), shape_of(a));
}

template <class B, class T>
void linear_case(const Fixture& fx) {
  namespace ek = embedkit;
  ek::Linear<T, B> layer(int_option(fx, "in_features"), int_option(fx, "out_features"),
                         {.bias = bool_option(fx, "with_bias"), .seed = 0});
  load_parameters<T>(layer, fx);
  const auto x = input_of<B, T>(fx);
  check_against(host(layer.forward(x.cview())), fx.at("output"), "output", tolerance<T>(sum_tolerance),
                key_of<T>("linear"));
}

template <class B, class T>
void lstm_case(const Fixture& fx) {
  namespace ek = embedkit;
  ek::LSTM<T, B> layer(int_option(fx, "input_size"), int_option(fx, "hidden_size"),
                       {.num_layers = int_option(fx, "num_layers"),
                        .bias = bool_option(fx, "with_bias"),
                        .batch_first = bool_option(fx, "batch_first"),
                        .bidirectional = bool_option(fx, "bidirectional"),
                        .seed = 0});
  load_parameters<T>(layer, fx);
  const auto x = input_of<B, T>(fx);
  const std::vector<std::int64_t> lengths =
      fx.has("lengths") ? fx.at("lengths").as<std::int64_t>() : std::vector<std::int64_t>{};
  const auto r = layer.forward(x.cview(), std::span<const std::int64_t>(lengths));
  const double tol = tolerance<T>(recurrent_tolerance);
  check_against(host(r.output), fx.at("output"), "output", tol, key_of<T>("lstm"));
  check_against(host(r.h_n), fx.at("h_n"), "h_n", tol, key_of<T>("lstm"));
  check_against(host(r.c_n), fx.at("c_n"), "c_n", tol, key_of<T>("lstm"));
}

template <class B, class T>
void conv1d_case(const Fixture& fx) {
  namespace ek = embedkit;
  ek::Conv1d<T, B> layer(int_option(fx, "in_channels"), int_option(fx, "out_channels"),
                         int_option(fx, "kernel_size"),
                         {.stride = int_option(fx, "stride"),
                          .padding = int_option(fx, "padding"),
                          .padding_same = bool_option(fx, "padding_same"),
                          .dilation = int_option(fx, "dilation"),
                          .bias = bool_option(fx, "with_bias"),
                          .seed = 0});
  load_parameters<T>(layer, fx);
  const double tol = tolerance<T>(sum_tolerance);
  const auto x = input_of<B, T>(fx);
  check_against(host(layer.forward(x.cview())), fx.at("output"), "output", tol, key_of<T>("conv1d"));
  const auto xt = input_of<B, T>(fx, "input_channels_last");
  check_against(host(layer.forward_channels_last(xt.cview())), fx.at("output_channels_last"),
                "output_channels_last", tol, key_of<T>("conv1d"));
}

template <class B, class T>
void layer_norm_case(const Fixture& fx) {
  namespace ek = embedkit;
  ek::LayerNorm<T, B> layer(int_option(fx, "dim"), {.eps = fx.at("eps").values.at(0),
                                                    .elementwise_affine = bool_option(fx, "elementwise_affine")});
  load_parameters<T>(layer, fx);
  const auto x = input_of<B, T>(fx);
  const ek::Tensor<T> y = host(layer.forward(x.cview()));
  const double tol = tolerance<T>(elementwise_tolerance);
  if (fx.has("output_f64")) {
    // Rows with a large mean: torch's float32 moments lose digits. The layer is held to the
    // float64 result, and to torch's float32 one within torch's own distance from it.
    const Array& exact = fx.at("output_f64");
    check_against(y, exact, "output_f64", tol, key_of<T>("layer_norm"));
    const std::vector<double> torch_f32 = fx.at("output").values;
    const double torch_error = relative_difference(torch_f32.data(), exact.values);
    check_against(y, fx.at("output"), "output (torch's float32)", tol + torch_error, "layer_norm vs torch f32");
  } else {
    check_against(y, fx.at("output"), "output", tol, key_of<T>("layer_norm"));
  }
}

template <class B, class T>
void activation_case(const std::string& name, const Fixture& fx) {
  namespace ek = embedkit;
  const auto a = static_cast<ek::Activation>(int_option(fx, "activation"));
  // The code is enum class Activation's order; the case is named after the function.
  REQUIRE(name.find(std::string("_") + ek::activation_name(a)) != std::string::npos);
  auto x = input_of<B, T>(fx);
  ek::activate(a, x);
  check_against(host(x), fx.at("output"), "output", tolerance<T>(elementwise_tolerance),
                key_of<T>("activation"));
}

template <class B, class T>
void layer_case(const std::string& name, const Fixture& fx) {
  if (name.starts_with("linear_")) return linear_case<B, T>(fx);
  if (name.starts_with("lstm_")) return lstm_case<B, T>(fx);
  if (name.starts_with("conv1d_")) return conv1d_case<B, T>(fx);
  if (name.starts_with("layer_norm_")) return layer_norm_case<B, T>(fx);
  if (name.starts_with("activation_")) return activation_case<B, T>(name, fx);
  FAIL("case " << name << " names no layer");
}

// One SUBCASE per case of tests/data/layers/cases.txt whose name starts with `layer` + "_";
// at least `minimum` of them.
template <class B>
void layer_cases(std::string_view layer, std::size_t minimum) {
  const std::string prefix = std::string(layer) + "_";
  std::vector<std::string> names;
  for (const std::string& n : read_lines(data_path("layers/cases.txt"))) {
    if (n.starts_with(prefix)) names.push_back(n);
  }
  REQUIRE(names.size() >= minimum);
  for (const std::string& name : names) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(data_path("layers/" + name + ".txt"));
      const std::string& dt = fx.at("input").dtype;
      if (dt == "f32") layer_case<B, float>(name, fx);
      else if (dt == "f64") layer_case<B, double>(name, fx);
      else FAIL("unknown input dtype " << dt);
    }
  }
}

}  // namespace embedkit_test::golden
