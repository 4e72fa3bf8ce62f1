// The dense layers (Linear, LSTM, Conv1d, LayerNorm) beyond the golden cases: the errors their
// options and inputs raise, PyTorch's default initialisation and its seeds, the LSTM's
// independence from padding and from the rest of the batch (lengths 0 included, which torch
// cannot pack), and Conv1d's channels-last layout against the PyTorch layout.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/nn/conv1d.hpp>
#include <embedkit/nn/init.hpp>
#include <embedkit/nn/layer_norm.hpp>
#include <embedkit/nn/linear.hpp>
#include <embedkit/nn/lstm.hpp>

namespace ek = embedkit;

namespace {

using i64 = std::int64_t;

// f() throws exactly E, and its message contains every one of `parts` (the value, the option
// or the shape it names).
template <class E, class F>
void check_error(F&& f, std::initializer_list<std::string_view> parts) {
  try {
    f();
    FAIL("no exception");
  } catch (const E& e) {
    const std::string message = e.what();
    INFO("message: " << message);
    for (std::string_view p : parts) CHECK(message.find(p) != std::string::npos);
  }
}

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

template <class T>
ek::TensorView<const T> view(const std::vector<T>& v, ek::Shape s) {
  return ek::TensorView<const T>(v.empty() ? nullptr : v.data(), s);
}

// Every parameter of a layer, in visiting order: (name, host copy of its values).
template <class T, class Layer>
std::vector<std::pair<std::string, std::vector<T>>> parameters_of(const Layer& layer) {
  std::vector<std::pair<std::string, std::vector<T>>> out;
  layer.visit_parameters([&](std::string_view name, const auto& p) {
    const ek::TensorView<const T> v = p.view();
    out.emplace_back(std::string(name), std::vector<T>(v.data(), v.data() + v.numel()));
  });
  return out;
}

// Within tol of each other, relative to 1 + |b|.
template <class T>
bool close(T a, T b, double tol) {
  return std::abs(static_cast<double>(a) - static_cast<double>(b)) <= tol * (1.0 + std::abs(static_cast<double>(b)));
}

// Two results of the same computation on different batches: float 1e-6, double 1e-13.
template <class T>
double batch_tolerance() {
  return std::is_same_v<T, double> ? 1e-13 : 1e-6;
}

// The last bits may differ between gemm orientations, nothing more: float 1e-5, double 1e-12.
template <class T>
double layout_tolerance() {
  return std::is_same_v<T, double> ? 1e-12 : 1e-5;
}

}  // namespace

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

TEST_CASE("Linear refuses bad sizes and inputs of the wrong rank or width") {
  check_error<ek::value_error>([] { ek::Linear<float>(-1, 3); }, {"Linear", "in_features", "-1"});
  check_error<ek::value_error>([] { ek::Linear<float>(4, -2); }, {"Linear", "out_features", "-2"});

  const ek::Linear<float> lin(5, 3, {.seed = 1});
  const std::vector<float> x(12, 1.0f);
  check_error<ek::shape_error>([&] { (void)lin.forward(view(x, ek::Shape{})); }, {"Linear::forward", "[]", "5"});
  check_error<ek::shape_error>([&] { (void)lin.forward(view(x, {2, 6})); }, {"Linear::forward", "[2, 6]", "5"});
  check_error<ek::shape_error>([&] { (void)lin.forward(view(x, {12})); }, {"Linear::forward", "[12]", "5"});
}

TEST_CASE("Conv1d refuses bad options and inputs") {
  using C = ek::Conv1d<float>;
  check_error<ek::value_error>([] { C(3, 4, 0); }, {"Conv1d", "kernel_size", "0"});
  check_error<ek::value_error>([] { C(3, 4, -3); }, {"Conv1d", "kernel_size", "-3"});
  check_error<ek::value_error>([] { C(0, 4, 3); }, {"Conv1d", "in_channels", "0"});
  check_error<ek::value_error>([] { C(3, -4, 3); }, {"Conv1d", "out_channels", "-4"});
  check_error<ek::value_error>([] { C(3, 4, 3, {.stride = 0}); }, {"Conv1d", "stride", "0"});
  check_error<ek::value_error>([] { C(3, 4, 3, {.stride = -2}); }, {"Conv1d", "stride", "-2"});
  check_error<ek::value_error>([] { C(3, 4, 3, {.dilation = 0}); }, {"Conv1d", "dilation", "0"});
  check_error<ek::value_error>([] { C(3, 4, 3, {.padding = -1}); }, {"Conv1d", "padding", "-1"});
  check_error<ek::value_error>([] { C(3, 4, 3, {.stride = 2, .padding_same = true}); },
                               {"Conv1d", "same", "stride 2"});

  const C conv(3, 4, 5, {.seed = 1});
  const std::vector<float> x(2 * 4 * 10, 0.5f);
  check_error<ek::shape_error>([&] { (void)conv.forward(view(x, {6, 10})); }, {"Conv1d::forward", "[6, 10]", "3"});
  check_error<ek::shape_error>([&] { (void)conv.forward(view(x, {2, 4, 10})); },
                               {"Conv1d::forward", "[2, 4, 10]", "3"});
  check_error<ek::shape_error>([&] { (void)conv.forward_channels_last(view(x, {2, 10, 4})); },
                               {"Conv1d::forward_channels_last", "[2, 10, 4]", "3"});
  // Kernel 5 does not fit 4 positions (PyTorch refuses too).
  check_error<ek::shape_error>([&] { (void)conv.forward(view(x, {2, 3, 4})); }, {"Conv1d::forward", "4", "5"});
  check_error<ek::shape_error>([&] { (void)conv.forward_channels_last(view(x, {2, 4, 3})); },
                               {"Conv1d::forward_channels_last", "4", "5"});
}

TEST_CASE("LayerNorm refuses bad sizes, eps and inputs") {
  using N = ek::LayerNorm<float>;
  check_error<ek::value_error>([] { N(0); }, {"LayerNorm", "0"});
  check_error<ek::value_error>([] { N(-5); }, {"LayerNorm", "-5"});
  check_error<ek::value_error>([] { N(7, {.eps = 0.0}); }, {"LayerNorm", "eps"});
  check_error<ek::value_error>([] { N(7, {.eps = -1.0}); }, {"LayerNorm", "eps", "-1"});
  check_error<ek::value_error>([] { N(7, {.eps = INFINITY}); }, {"LayerNorm", "eps", "inf"});

  const N ln(7);
  const std::vector<float> x(16, 1.0f);
  check_error<ek::shape_error>([&] { (void)ln.forward(view(x, {2, 8})); }, {"LayerNorm::forward", "[2, 8]", "7"});
  check_error<ek::shape_error>([&] { (void)ln.forward(view(x, ek::Shape{})); }, {"LayerNorm::forward", "[]", "7"});
}

TEST_CASE("LSTM refuses bad sizes, inputs and lengths") {
  using L = ek::LSTM<float>;
  check_error<ek::value_error>([] { L(5, 0); }, {"LSTM", "hidden_size", "0"});
  check_error<ek::value_error>([] { L(5, -4); }, {"LSTM", "hidden_size", "-4"});
  check_error<ek::value_error>([] { L(0, 7); }, {"LSTM", "input_size", "0"});
  check_error<ek::value_error>([] { L(5, 7, {.num_layers = 0}); }, {"LSTM", "num_layers", "0"});

  const L lstm(5, 7, {.seed = 1});
  const std::vector<float> x(6 * 3 * 5, 0.25f);
  check_error<ek::shape_error>([&] { (void)lstm.forward(view(x, {18, 5})); }, {"LSTM::forward", "[18, 5]", "5"});
  check_error<ek::shape_error>([&] { (void)lstm.forward(view(x, {6, 5, 3})); }, {"LSTM::forward", "[6, 5, 3]", "5"});

  const auto x3 = view(x, {6, 3, 5});  // L 6, B 3
  const std::vector<i64> two = {4, 2}, four = {4, 2, 1, 3}, negative = {4, -1, 2}, too_long = {4, 7, 2};
  check_error<ek::shape_error>([&] { (void)lstm.forward(x3, two); }, {"LSTM::forward", "2", "3"});
  check_error<ek::shape_error>([&] { (void)lstm.forward(x3, four); }, {"LSTM::forward", "4", "3"});
  check_error<ek::value_error>([&] { (void)lstm.forward(x3, negative); }, {"LSTM::forward", "-1", "6"});
  check_error<ek::value_error>([&] { (void)lstm.forward(x3, too_long); }, {"LSTM::forward", "7", "6"});

  // batch_first reads B from the first extent: 3 lengths for [B 6, L 3] are too few.
  const L bf(5, 7, {.batch_first = true, .seed = 1});
  const std::vector<i64> three = {1, 2, 3};
  check_error<ek::shape_error>([&] { (void)bf.forward(x3, three); }, {"LSTM::forward", "3", "6"});
}

// ---------------------------------------------------------------------------
// Default initialisation
// ---------------------------------------------------------------------------

namespace {

// Every value within +-bound; with many values the extremes come near both ends (a bound
// too small would show), and none is outside (a bound too large would show).
template <class T>
void check_uniform(const std::vector<T>& v, double bound, const std::string& name) {
  INFO(name << " (" << v.size() << " values, bound " << bound << ")");
  REQUIRE(!v.empty());
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  CHECK(static_cast<double>(*lo) >= -bound);
  CHECK(static_cast<double>(*hi) <= bound);
  const double reach = v.size() >= 500 ? 0.98 : 0.5;
  CHECK(static_cast<double>(*lo) < -reach * bound);
  CHECK(static_cast<double>(*hi) > reach * bound);
}

template <class T, class Make>
void check_seeds(Make make) {
  const auto a = parameters_of<T>(make(std::uint64_t{11}));
  const auto b = parameters_of<T>(make(std::uint64_t{11}));
  const auto c = parameters_of<T>(make(std::uint64_t{12}));
  CHECK(a == b);
  REQUIRE(a.size() == c.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    INFO(a[k].first);
    CHECK(a[k].second != c[k].second);
  }
  // No two parameters of one layer share their draws (same shape, same first values).
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      CHECK(a[i].second[0] != a[j].second[0]);
    }
  }
}

}  // namespace

TEST_CASE_TEMPLATE("Linear starts from PyTorch's bounds, reproducibly for one seed", T, float, double) {
  const ek::Linear<T> lin(300, 64, {.seed = 5});
  const auto p = parameters_of<T>(lin);
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "weight");
  CHECK(p[1].first == "bias");
  CHECK(p[0].second.size() == 64u * 300u);
  const double bound = 1.0 / std::sqrt(300.0);  // 1 / sqrt(in_features), not out_features
  check_uniform(p[0].second, bound, "weight");
  check_uniform(p[1].second, bound, "bias");

  check_seeds<T>([](std::uint64_t seed) { return ek::Linear<T>(20, 30, {.seed = seed}); });
  CHECK(parameters_of<T>(ek::Linear<T>(20, 30, {.bias = false, .seed = 1})).size() == 1);

  // Without a seed: the per-process sequence, restarted by manual_seed.
  ek::manual_seed(77);
  const auto first = parameters_of<T>(ek::Linear<T>(6, 4));
  const auto second = parameters_of<T>(ek::Linear<T>(6, 4));
  ek::manual_seed(77);
  CHECK(parameters_of<T>(ek::Linear<T>(6, 4)) == first);
  CHECK(parameters_of<T>(ek::Linear<T>(6, 4)) == second);
  CHECK(first != second);
}

TEST_CASE_TEMPLATE("Conv1d starts from PyTorch's bounds, reproducibly for one seed", T, float, double) {
  const ek::Conv1d<T> conv(8, 64, 5, {.seed = 5});
  const auto p = parameters_of<T>(conv);
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "weight");
  CHECK(p[1].first == "bias");
  CHECK(p[0].second.size() == 64u * 8u * 5u);
  const double bound = 1.0 / std::sqrt(8.0 * 5.0);  // fan_in = in_channels * kernel_size
  check_uniform(p[0].second, bound, "weight");
  check_uniform(p[1].second, bound, "bias");

  check_seeds<T>([](std::uint64_t seed) { return ek::Conv1d<T>(3, 4, 3, {.seed = seed}); });
  CHECK(parameters_of<T>(ek::Conv1d<T>(3, 4, 3, {.bias = false, .seed = 1})).size() == 1);
}

TEST_CASE_TEMPLATE("LSTM starts from PyTorch's bounds, with its state-dict names, reproducibly", T, float,
                   double) {
  const ek::LSTM<T> lstm(10, 32, {.num_layers = 2, .bidirectional = true, .seed = 5});
  const auto p = parameters_of<T>(lstm);
  // torch.nn.LSTM(10, 32, num_layers=2, bidirectional=True).state_dict() order.
  std::vector<std::string> names;
  for (const char* layer : {"_l0", "_l1"}) {
    for (const char* dir : {"", "_reverse"}) {
      for (const char* what : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
        names.push_back(std::string(what) + layer + dir);
      }
    }
  }
  std::vector<std::string> got;
  for (const auto& [name, values] : p) got.push_back(name);
  CHECK(got == names);
  REQUIRE(p.size() == 16);
  // Shapes: W_ih [4H, in] (in = 64 above the first layer), W_hh [4H, H], biases [4H].
  const std::size_t sizes[] = {128 * 10, 128 * 32, 128, 128};
  const double bound = 1.0 / std::sqrt(32.0);  // 1 / sqrt(hidden_size) for every entry
  for (std::size_t k = 0; k < p.size(); ++k) {
    const std::size_t want = k >= 8 && k % 4 == 0 ? 128u * 64u : sizes[k % 4];
    CHECK(p[k].second.size() == want);
    check_uniform(p[k].second, bound, p[k].first);
  }

  check_seeds<T>([](std::uint64_t seed) { return ek::LSTM<T>(5, 7, {.bidirectional = true, .seed = seed}); });
  const auto no_bias = parameters_of<T>(ek::LSTM<T>(5, 7, {.num_layers = 2, .bias = false, .seed = 1}));
  REQUIRE(no_bias.size() == 4);
  CHECK(no_bias[0].first == "weight_ih_l0");
  CHECK(no_bias[1].first == "weight_hh_l0");
  CHECK(no_bias[2].first == "weight_ih_l1");
  CHECK(no_bias[3].first == "weight_hh_l1");
}

TEST_CASE_TEMPLATE("LayerNorm starts from ones and zeros", T, float, double) {
  const auto p = parameters_of<T>(ek::LayerNorm<T>(7));
  REQUIRE(p.size() == 2);
  CHECK(p[0].first == "weight");
  CHECK(p[1].first == "bias");
  CHECK(p[0].second == std::vector<T>(7, T(1)));
  CHECK(p[1].second == std::vector<T>(7, T(0)));
  CHECK(parameters_of<T>(ek::LayerNorm<T>(7, {.elementwise_affine = false})).empty());
}

// ---------------------------------------------------------------------------
// LSTM: padding and the rest of the batch do not matter
// ---------------------------------------------------------------------------

namespace {

// One sample's results in one run of an LSTM: outputs [L, D * H] and final states [layers * D, H].
template <class T>
struct SampleResult {
  std::vector<T> output, h, c;
};

template <class T>
struct Batch {
  std::vector<T> x;  // [L, B, in] or [B, L, in]
  i64 steps = 0, batch = 0, width = 0;
  bool batch_first = false;

  i64 at(i64 b, i64 t) const { return batch_first ? (b * steps + t) * width : (t * batch + b) * width; }
  ek::Shape shape() const { return batch_first ? ek::Shape{batch, steps, width} : ek::Shape{steps, batch, width}; }
};

// A batch of `steps` positions whose sample k holds samples[k]'s rows (its real steps), the
// other positions random.
template <class T>
Batch<T> make_batch(const std::vector<std::vector<T>>& samples, i64 steps, i64 width, bool batch_first,
                    std::mt19937_64& rng) {
  Batch<T> bt{random_values<T>(static_cast<std::size_t>(steps * static_cast<i64>(samples.size()) * width), rng), steps,
              static_cast<i64>(samples.size()), width, batch_first};
  for (i64 b = 0; b < bt.batch; ++b) {
    const auto& s = samples[static_cast<std::size_t>(b)];
    for (i64 t = 0; t < static_cast<i64>(s.size()) / width; ++t) {
      std::copy_n(s.begin() + t * width, width, bt.x.begin() + bt.at(b, t));
    }
  }
  return bt;
}

template <class T>
SampleResult<T> sample_of(const typename ek::LSTM<T>::Output& r, const Batch<T>& bt, i64 b, i64 layers_dirs,
                          i64 hidden) {
  const i64 W = r.output.shape()[2];
  Batch<T> out_layout{{}, bt.steps, bt.batch, W, bt.batch_first};
  SampleResult<T> s;
  for (i64 t = 0; t < bt.steps; ++t) {
    const T* row = r.output.data() + out_layout.at(b, t);
    s.output.insert(s.output.end(), row, row + W);
  }
  for (i64 k = 0; k < layers_dirs; ++k) {
    const T* h = r.h_n.data() + (k * bt.batch + b) * hidden;
    const T* c = r.c_n.data() + (k * bt.batch + b) * hidden;
    s.h.insert(s.h.end(), h, h + hidden);
    s.c.insert(s.c.end(), c, c + hidden);
  }
  return s;
}

// The first `rows` rows of `got` and `want` outputs match, the rest of got is exactly zero,
// and the final states match.
template <class T>
void check_same_sample(const SampleResult<T>& got, const SampleResult<T>& want, i64 rows, i64 width) {
  const double tol = batch_tolerance<T>();
  std::int64_t bad = 0, nonzero = 0;
  for (i64 i = 0; i < rows * width; ++i) {
    if (!close(got.output[static_cast<std::size_t>(i)], want.output[static_cast<std::size_t>(i)], tol)) ++bad;
  }
  for (std::size_t i = static_cast<std::size_t>(rows * width); i < got.output.size(); ++i) {
    if (got.output[i] != T(0)) ++nonzero;
  }
  CHECK(bad == 0);
  CHECK(nonzero == 0);
  REQUIRE(got.h.size() == want.h.size());
  for (std::size_t i = 0; i < got.h.size(); ++i) {
    if (!close(got.h[i], want.h[i], tol) || !close(got.c[i], want.c[i], tol)) ++bad;
  }
  CHECK(bad == 0);
}

template <class T>
void check_padding_independence(bool batch_first) {
  INFO("batch_first " << batch_first);
  const i64 in = 4, H = 6, layers = 2, D = 2;
  const ek::LSTM<T> lstm(in, H, {.num_layers = layers, .batch_first = batch_first, .bidirectional = true, .seed = 3});
  std::mt19937_64 rng(99);
  const std::vector<i64> lengths = {5, 2, 7, 1, 0};
  std::vector<std::vector<T>> samples;
  for (i64 n : lengths) samples.push_back(random_values<T>(static_cast<std::size_t>(n * in), rng));

  const i64 L = 7;
  const Batch<T> full = make_batch(samples, L, in, batch_first, rng);
  const auto r = lstm.forward(view(full.x, full.shape()), lengths);
  REQUIRE(r.output.shape() == (batch_first ? ek::Shape{5, L, D * H} : ek::Shape{L, 5, D * H}));
  REQUIRE(r.h_n.shape() == ek::Shape{layers * D, 5, H});

  for (std::size_t k = 0; k < lengths.size(); ++k) {
    const i64 n = lengths[k];
    INFO("sample " << k << " of length " << n);
    const SampleResult<T> in_batch = sample_of<T>(r, full, static_cast<i64>(k), layers * D, H);
    if (n == 0) {
      // Length 0: no step runs; zero outputs and a zero final state.
      CHECK(std::all_of(in_batch.output.begin(), in_batch.output.end(), [](T v) { return v == T(0); }));
      CHECK(std::all_of(in_batch.h.begin(), in_batch.h.end(), [](T v) { return v == T(0); }));
      CHECK(std::all_of(in_batch.c.begin(), in_batch.c.end(), [](T v) { return v == T(0); }));
      continue;
    }
    // Alone, exactly its length, no lengths given.
    const Batch<T> alone = make_batch<T>({samples[k]}, n, in, batch_first, rng);
    const auto ra = lstm.forward(view(alone.x, alone.shape()));
    const SampleResult<T> a = sample_of<T>(ra, alone, 0, layers * D, H);
    check_same_sample(in_batch, a, n, D * H);

    // Alone, padded to 11 positions of other random values, with its length.
    const Batch<T> padded = make_batch<T>({samples[k]}, 11, in, batch_first, rng);
    const std::vector<i64> one = {n};
    const auto rp = lstm.forward(view(padded.x, padded.shape()), one);
    check_same_sample(sample_of<T>(rp, padded, 0, layers * D, H), a, n, D * H);

    // Among other samples (other lengths, other values), in another position of the batch.
    const std::vector<std::vector<T>> others = {random_values<T>(3 * in, rng), samples[k],
                                                random_values<T>(8 * in, rng)};
    const Batch<T> mixed = make_batch(others, 8, in, batch_first, rng);
    const std::vector<i64> mixed_lengths = {3, n, 8};
    const auto rm = lstm.forward(view(mixed.x, mixed.shape()), mixed_lengths);
    check_same_sample(sample_of<T>(rm, mixed, 1, layers * D, H), a, n, D * H);
  }
}

}  // namespace

TEST_CASE_TEMPLATE("LSTM: a sample's results do not depend on padding or on the other samples", T, float,
                   double) {
  check_padding_independence<T>(false);
  check_padding_independence<T>(true);
}

TEST_CASE_TEMPLATE("LSTM: lengths all equal to L give what no lengths give", T, float, double) {
  const ek::LSTM<T> lstm(4, 5, {.num_layers = 2, .bidirectional = true, .seed = 8});
  std::mt19937_64 rng(5);
  const std::vector<T> x = random_values<T>(6 * 3 * 4, rng);
  const std::vector<i64> full = {6, 6, 6};
  const auto a = lstm.forward(view(x, {6, 3, 4}));
  const auto b = lstm.forward(view(x, {6, 3, 4}), full);
  REQUIRE(a.output.shape() == b.output.shape());
  for (i64 i = 0; i < a.output.numel(); ++i) CHECK(close(a.output[i], b.output[i], batch_tolerance<T>()));
  for (i64 i = 0; i < a.h_n.numel(); ++i) {
    CHECK(close(a.h_n[i], b.h_n[i], batch_tolerance<T>()));
    CHECK(close(a.c_n[i], b.c_n[i], batch_tolerance<T>()));
  }
}

// ---------------------------------------------------------------------------
// Conv1d: channels-last is the PyTorch layout transposed
// ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("Conv1d::forward_channels_last equals the transposed PyTorch-layout forward", T, float,
                   double) {
  struct Config {
    i64 kernel;
    ek::Conv1dOptions options;
  };
  const Config configs[] = {
      {3, {}},
      {3, {.stride = 2, .padding = 1}},
      {3, {.stride = 2, .padding = 2, .dilation = 2}},
      {4, {.padding_same = true}},
      {5, {.padding_same = true, .dilation = 2}},
      {1, {.bias = false}},
      {11, {}},  // one output position
  };
  const i64 B = 2, C = 3, O = 5, L = 11;
  std::mt19937_64 rng(17);
  for (const Config& cfg : configs) {
    ek::Conv1dOptions opt = cfg.options;
    opt.seed = 21;
    const ek::Conv1d<T> conv(C, O, cfg.kernel, opt);
    INFO("kernel " << cfg.kernel << " stride " << opt.stride << " padding " << opt.padding << " same "
                   << opt.padding_same << " dilation " << opt.dilation);
    const std::vector<T> x = random_values<T>(static_cast<std::size_t>(B * C * L), rng);
    std::vector<T> xt(x.size());
    for (i64 b = 0; b < B; ++b)
      for (i64 c = 0; c < C; ++c)
        for (i64 t = 0; t < L; ++t) xt[static_cast<std::size_t>((b * L + t) * C + c)] = x[static_cast<std::size_t>((b * C + c) * L + t)];

    const auto y = conv.forward(view(x, {B, C, L}));
    const auto yt = conv.forward_channels_last(view(xt, {B, L, C}));
    const i64 lo = y.shape()[2];
    CHECK(lo == conv.output_length(L));
    REQUIRE(yt.shape() == ek::Shape{B, lo, O});
    if (opt.padding_same) CHECK(lo == L);
    std::int64_t bad = 0;
    for (i64 b = 0; b < B; ++b)
      for (i64 o = 0; o < O; ++o)
        for (i64 t = 0; t < lo; ++t)
          if (!close(yt[(b * lo + t) * O + o], y[(b * O + o) * lo + t], layout_tolerance<T>())) ++bad;
    CHECK(bad == 0);
  }
}

TEST_CASE("LSTM: a batch without a single token, or without a sequence, gives zeros") {
  ek::LSTM<float> lstm(3, 4, {.num_layers = 2, .batch_first = true, .bidirectional = true, .seed = 5});
  // Padded length 0: every buffer of the batch is empty.
  const auto none = ek::Tensor<float>::zeros({2, 0, 3});
  const std::int64_t zero_lengths[] = {0, 0};
  const auto r = lstm.forward(none.view(), zero_lengths);
  CHECK(r.output.shape() == ek::Shape{2, 0, 8});
  REQUIRE(r.h_n.shape() == ek::Shape{4, 2, 4});
  for (std::int64_t i = 0; i < r.h_n.numel(); ++i) CHECK(r.h_n[i] == 0.0f);
  for (std::int64_t i = 0; i < r.c_n.numel(); ++i) CHECK(r.c_n[i] == 0.0f);
  // Padded length 3 but every sequence empty: zero outputs too.
  const auto padded = ek::Tensor<float>::full({2, 3, 3}, 1.0f);
  const auto p = lstm.forward(padded.view(), zero_lengths);
  for (std::int64_t i = 0; i < p.output.numel(); ++i) CHECK(p.output[i] == 0.0f);
  for (std::int64_t i = 0; i < p.h_n.numel(); ++i) CHECK(p.h_n[i] == 0.0f);
  // No sequence at all.
  const auto empty = ek::Tensor<float>::zeros({0, 5, 3});
  const auto e = lstm.forward(empty.view());
  CHECK(e.output.shape() == ek::Shape{0, 5, 8});
  CHECK(e.h_n.shape() == ek::Shape{4, 0, 4});
}
