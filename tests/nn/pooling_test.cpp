// Pooling's rules beside the golden cases (tests/nn/pooling_golden_test.cpp): reading
// 1_Pooling/config.json in both key styles, the errors and their messages, the order of the
// output's blocks, the mask and lengths forms agreeing, padding never being read, the cpu
// kernel against its plain reference loop, and Normalize's shape rule.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/nn/normalize.hpp>
#include <embedkit/nn/pooling.hpp>

namespace ek = embedkit;
using ek::PoolingMode;

namespace {

// The text of all-MiniLM-L6-v2's 1_Pooling/config.json as sentence-transformers 2.x saved it.
constexpr const char* kMiniLM = R"({
  "word_embedding_dimension": 384,
  "pooling_mode_cls_token": false,
  "pooling_mode_mean_tokens": true,
  "pooling_mode_max_tokens": false,
  "pooling_mode_mean_sqrt_len_tokens": false
})";

// A 3.x-style file with every legacy key.
constexpr const char* kLegacyAll = R"({
  "word_embedding_dimension": 768,
  "pooling_mode_cls_token": true,
  "pooling_mode_mean_tokens": false,
  "pooling_mode_max_tokens": true,
  "pooling_mode_mean_sqrt_len_tokens": false,
  "pooling_mode_weightedmean_tokens": false,
  "pooling_mode_lasttoken": true,
  "include_prompt": false
})";

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const ek::error& e) {
    return e.what();
  }
  return "(no error)";
}

ek::Tensor<float> random_x(std::int64_t b, std::int64_t l, std::int64_t d, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist;
  auto x = ek::Tensor<float>::empty({b, l, d});
  for (std::int64_t i = 0; i < x.numel(); ++i) x[i] = dist(gen);
  return x;
}

ek::Tensor<bool> mask_of_lengths(std::span<const std::int64_t> lengths, std::int64_t l) {
  auto m = ek::Tensor<bool>::empty({static_cast<std::int64_t>(lengths.size()), l});
  for (std::size_t b = 0; b < lengths.size(); ++b) {
    for (std::int64_t t = 0; t < l; ++t) m[static_cast<std::int64_t>(b) * l + t] = t < lengths[b];
  }
  return m;
}

bool same_values(const ek::Tensor<float>& a, const ek::Tensor<float>& b) {
  if (!(a.shape() == b.shape())) return false;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("PoolingConfig reads the legacy keys") {
  const ek::PoolingConfig mini = ek::PoolingConfig::parse(kMiniLM);
  CHECK(mini.modes == std::vector{PoolingMode::mean});
  CHECK(mini.dimension == 384);
  CHECK(mini.include_prompt);

  const ek::PoolingConfig all = ek::PoolingConfig::parse(kLegacyAll);
  CHECK(all.modes == std::vector{PoolingMode::cls, PoolingMode::max, PoolingMode::lasttoken});
  CHECK(all.dimension == 768);
  CHECK_FALSE(all.include_prompt);

  // Every flag false (or none given): mean, as sentence-transformers 5.x reads old files.
  CHECK(ek::PoolingConfig::parse(R"({"pooling_mode_mean_tokens": false})").modes == std::vector{PoolingMode::mean});
  CHECK(ek::PoolingConfig::parse("{}").modes == std::vector{PoolingMode::mean});
  CHECK(ek::PoolingConfig::parse("{}").dimension == 0);
  // Unknown keys and null values are ignored.
  const auto extra = ek::PoolingConfig::parse(
      R"({"pooling_mode_weightedmean_tokens": true, "pooling_mode_mean_tokens": null, "future_key": [1, 2]})");
  CHECK(extra.modes == std::vector{PoolingMode::weightedmean});
}

TEST_CASE("PoolingConfig reads the model folder's file when it is there") {
  const std::filesystem::path path = "/work/shared/models/all-MiniLM-L6-v2/1_Pooling/config.json";
  if (!std::filesystem::exists(path)) {
    MESSAGE("skipped: " << path << " is not present");
    return;
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const ek::PoolingConfig c = ek::PoolingConfig::parse(text.str());
  CHECK(c.modes == std::vector{PoolingMode::mean});
  CHECK(c.dimension == 384);
  CHECK(c.include_prompt);
  const ek::Pooling<float> pooling(c);
  CHECK(pooling.output_dimension(384) == 384);
}

TEST_CASE("PoolingConfig reads the newer keys") {
  const auto one = ek::PoolingConfig::parse(
      R"({"embedding_dimension": 1024, "pooling_mode": "lasttoken", "include_prompt": true})");
  CHECK(one.modes == std::vector{PoolingMode::lasttoken});
  CHECK(one.dimension == 1024);
  CHECK(one.include_prompt);

  // A list keeps its order in the config; the layer puts it in enum order.
  const auto list = ek::PoolingConfig::parse(R"({"pooling_mode": ["mean", "cls", "mean_sqrt_len_tokens"]})");
  CHECK(list.modes == std::vector{PoolingMode::mean, PoolingMode::cls, PoolingMode::mean_sqrt_len_tokens});
  CHECK(ek::Pooling<float>(list).config().modes ==
        std::vector{PoolingMode::cls, PoolingMode::mean, PoolingMode::mean_sqrt_len_tokens});

  // Names are read regardless of case (sentence-transformers 2.x-3.x lower-cased them).
  CHECK(ek::PoolingConfig::parse(R"({"pooling_mode": "WeightedMean"})").modes == std::vector{PoolingMode::weightedmean});
  // pooling_mode overrides the legacy flags.
  CHECK(ek::PoolingConfig::parse(R"({"pooling_mode": "max", "pooling_mode_mean_tokens": true})").modes ==
        std::vector{PoolingMode::max});
  // Both dimension keys, equal.
  CHECK(ek::PoolingConfig::parse(R"({"embedding_dimension": 8, "word_embedding_dimension": 8})").dimension == 8);
}

TEST_CASE("PoolingConfig refuses bad values, naming the key and the value") {
  const auto parse = [](const char* text) { return message_of([&] { (void)ek::PoolingConfig::parse(text); }); };
  CHECK(parse(R"({"pooling_mode": "median"})") ==
        "Pooling config: key 'pooling_mode' has value \"median\"; expected one of cls, max, mean, "
        "mean_sqrt_len_tokens, weightedmean, lasttoken, sum");
  CHECK(parse(R"({"pooling_mode": ["mean", "mean"]})") ==
        "Pooling config: key 'pooling_mode' has value [\"mean\",\"mean\"]; expected each mode at most once");
  CHECK(parse(R"({"pooling_mode": []})") == "Pooling config: key 'pooling_mode' has value []; expected at least one mode");
  CHECK(parse(R"({"pooling_mode": 3})") ==
        "Pooling config: key 'pooling_mode' has value 3; expected a mode name or a list of them");
  CHECK(parse(R"({"pooling_mode_mean_tokens": "yes"})") ==
        "Pooling config: key 'pooling_mode_mean_tokens' has value \"yes\"; expected true or false");
  CHECK(parse(R"({"include_prompt": 1})") == "Pooling config: key 'include_prompt' has value 1; expected true or false");
  CHECK(parse(R"({"word_embedding_dimension": -5})") ==
        "Pooling config: key 'word_embedding_dimension' has value -5; expected a positive integer");
  CHECK(parse(R"({"embedding_dimension": 384.5})") ==
        "Pooling config: key 'embedding_dimension' has value 384.5; expected a positive integer");
  CHECK(parse(R"({"embedding_dimension": 384, "word_embedding_dimension": 768})") ==
        "Pooling config: word_embedding_dimension 768 and embedding_dimension 384 disagree");
  CHECK(parse("[1]") == "Pooling config: expected a JSON object, found an array");

  CHECK_THROWS_AS((void)ek::PoolingConfig::parse(R"({"pooling_mode": ["cls", 2]})"), ek::value_error);
  CHECK_THROWS_AS((void)ek::PoolingConfig::parse(R"({"word_embedding_dimension": 0})"), ek::value_error);
  CHECK_THROWS_AS((void)ek::PoolingConfig::parse(R"({"word_embedding_dimension": "384"})"), ek::value_error);
  CHECK_THROWS_AS((void)ek::PoolingConfig::parse("{"), ek::format_error);
}

TEST_CASE("Pooling refuses bad configs and inputs, saying what was allowed") {
  CHECK(message_of([] { ek::Pooling<float>(ek::PoolingConfig{.modes = {}}); }) ==
        "Pooling: no pooling mode; give at least one of cls, max, mean, mean_sqrt_len_tokens, "
        "weightedmean, lasttoken, sum");
  CHECK(message_of([] { ek::Pooling<float>({PoolingMode::max, PoolingMode::cls, PoolingMode::max}); }) ==
        "Pooling: pooling mode 'max' is listed twice; each mode may appear once");
  CHECK_THROWS_AS(ek::Pooling<float>(ek::PoolingConfig{.dimension = -1}), ek::value_error);

  const ek::Pooling<float> pooling{PoolingMode::mean};
  const auto x = random_x(2, 4, 3, 1);
  const std::vector<std::int64_t> lengths{4, 2};
  const auto mask = mask_of_lengths(lengths, 4);

  CHECK(message_of([&] { (void)pooling.forward(x.cview().reshape({8, 3}), mask.cview()); }) ==
        "Pooling::forward: x has shape [8, 3]; expected rank 3 [batch, length, dim]");
  CHECK(message_of([&] { (void)pooling.forward(x.cview(), mask.cview().reshape({4, 2})); }) ==
        "Pooling::forward: mask has shape [4, 2], expected [2, 4] ([batch, length] of x [2, 4, 3])");
  const std::vector<std::int64_t> three{1, 2, 3};
  CHECK(message_of([&] { (void)pooling.forward(x.cview(), std::span<const std::int64_t>(three)); }) ==
        "Pooling::forward: 3 lengths for a batch of 2 (x [2, 4, 3]); give one length per sample");
  const std::vector<std::int64_t> too_long{4, 5}, negative{-1, 2};
  CHECK(message_of([&] { (void)pooling.forward(x.cview(), std::span<const std::int64_t>(too_long)); }) ==
        "Pooling::forward: lengths[1] = 5 is out of range [0, 4] (the length of x [2, 4, 3])");
  CHECK_THROWS_AS((void)pooling.forward(x.cview(), std::span<const std::int64_t>(negative)), ek::value_error);
  CHECK(message_of([&] { (void)pooling.forward(x.cview(), mask.cview(), 5); }) ==
        "Pooling::forward: prompt_length 5 is out of range [0, 4] (the length of x [2, 4, 3])");
  CHECK_THROWS_AS((void)pooling.forward(x.cview(), std::span<const std::int64_t>(lengths), -1), ek::value_error);

  const ek::Pooling<float> stated(ek::PoolingConfig{.dimension = 384});
  CHECK(message_of([&] { (void)stated.forward(x.cview(), mask.cview()); }) ==
        "Pooling::forward: x has shape [2, 4, 3], token vectors of size 3; the config states dimension 384");
}

TEST_CASE("Pooling writes the modes in enum order, whatever order they are listed in") {
  const auto x = random_x(5, 7, 9, 2);
  const std::vector<std::int64_t> lengths{7, 3, 0, 1, 6};
  const auto mask = mask_of_lengths(lengths, 7);
  const std::vector<PoolingMode> listed{PoolingMode::sum, PoolingMode::lasttoken, PoolingMode::mean,
                                        PoolingMode::cls, PoolingMode::weightedmean, PoolingMode::max,
                                        PoolingMode::mean_sqrt_len_tokens};
  const ek::Pooling<float> all(ek::PoolingConfig{.modes = listed});
  CHECK(all.output_dimension(9) == 63);
  const ek::Tensor<float> y = all.forward(x.cview(), mask.cview());
  REQUIRE(y.shape() == ek::Shape{5, 63});
  for (int m = 0; m < 7; ++m) {
    INFO("mode " << m);
    const ek::Pooling<float> one{static_cast<PoolingMode>(m)};
    const ek::Tensor<float> block = one.forward(x.cview(), mask.cview());
    REQUIRE(block.shape() == ek::Shape{5, 9});
    bool same = true;
    for (std::int64_t b = 0; b < 5; ++b) {
      for (std::int64_t j = 0; j < 9; ++j) {
        const float a = y[b * 63 + m * 9 + j], e = block[b * 9 + j];
        same = same && a == e;  // bit for bit: the same kernel call
      }
    }
    CHECK(same);
  }
}

TEST_CASE("Pooling gives the same result from lengths and from the equivalent mask") {
  const auto x = random_x(4, 6, 11, 3);
  const std::vector<std::int64_t> lengths{6, 0, 2, 5};
  const auto mask = mask_of_lengths(lengths, 6);
  for (bool include_prompt : {true, false}) {
    INFO("include_prompt " << include_prompt);
    const ek::Pooling<float> pooling(ek::PoolingConfig{
        .modes = {PoolingMode::cls, PoolingMode::max, PoolingMode::mean, PoolingMode::weightedmean,
                  PoolingMode::lasttoken},
        .include_prompt = include_prompt});
    const auto a = pooling.forward(x.cview(), std::span<const std::int64_t>(lengths), 1);
    const auto b = pooling.forward(x.cview(), mask.cview(), 1);
    CHECK(same_values(a, b));
  }
}

TEST_CASE("Pooling never reads padding rows, and a NaN in a real token reaches max") {
  auto x = random_x(3, 5, 6, 4);
  const std::vector<std::int64_t> lengths{5, 2, 3};
  const auto mask = mask_of_lengths(lengths, 5);
  const ek::Pooling<float> pooling{PoolingMode::cls, PoolingMode::max, PoolingMode::mean,
                                   PoolingMode::mean_sqrt_len_tokens, PoolingMode::weightedmean,
                                   PoolingMode::lasttoken, PoolingMode::sum};
  const auto clean = pooling.forward(x.cview(), mask.cview());
  for (std::int64_t b = 0; b < 3; ++b) {
    for (std::int64_t t = lengths[static_cast<std::size_t>(b)]; t < 5; ++t) {
      for (std::int64_t j = 0; j < 6; ++j) x[(b * 5 + t) * 6 + j] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  CHECK(same_values(pooling.forward(x.cview(), mask.cview()), clean));

  x[(0 * 5 + 1) * 6 + 2] = std::numeric_limits<float>::quiet_NaN();  // sample 0, token 1, column 2
  const ek::Pooling<float> max{PoolingMode::max};
  const auto y = max.forward(x.cview(), mask.cview());
  CHECK(std::isnan(y[2]));
  CHECK(std::isfinite(y[1]));
}

TEST_CASE("Pooling handles empty extents") {
  const ek::Pooling<float> pooling{PoolingMode::cls, PoolingMode::max, PoolingMode::mean};
  const auto none = ek::Tensor<float>::empty({0, 4, 3});
  const auto no_mask = ek::Tensor<bool>::empty({0, 4});
  CHECK(pooling.forward(none.cview(), no_mask.cview()).shape() == ek::Shape{0, 9});

  // No positions at all: every sample is empty (cls has no position 0 to fall back on).
  const auto empty_seq = ek::Tensor<float>::empty({2, 0, 3});
  const std::vector<std::int64_t> zeros{0, 0};
  const auto y = pooling.forward(empty_seq.cview(), std::span<const std::int64_t>(zeros));
  REQUIRE(y.shape() == ek::Shape{2, 9});
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t j = 0; j < 3; ++j) {
      CHECK(y[b * 9 + j] == 0.0f);
      CHECK(y[b * 9 + 3 + j] == -std::numeric_limits<float>::infinity());
      CHECK(y[b * 9 + 6 + j] == 0.0f);
    }
  }
}

TEST_CASE("The cpu pool kernel matches its reference loop") {
  std::mt19937 gen(5);
  std::normal_distribution<double> normal;
  std::bernoulli_distribution coin(0.6);
  for (const std::int64_t dim : {1, 3, 8, 17, 64, 100}) {
    const std::int64_t batch = 37, length = 13;
    std::vector<double> xd(static_cast<std::size_t>(batch * length * dim));
    for (double& v : xd) v = normal(gen);
    std::vector<float> xf(xd.begin(), xd.end());
    auto mask = std::make_unique<bool[]>(static_cast<std::size_t>(batch * length));
    for (std::int64_t i = 0; i < batch * length; ++i) mask[static_cast<std::size_t>(i)] = coin(gen);
    for (std::int64_t t = 0; t < length; ++t) mask[static_cast<std::size_t>(5 * length + t)] = false;  // an empty row

    for (int m = 0; m < 7; ++m) {
      INFO("dim " << dim << ", mode " << m);
      const auto run = [&]<class T>(const std::vector<T>& x, double tol) {
        std::vector<T> fast(static_cast<std::size_t>(batch * dim)), ref(fast.size());
        ek::detail::PoolProblem<T> p;
        p.x = x.data();
        p.batch = batch;
        p.length = length;
        p.dim = dim;
        p.mask = mask.get();
        p.mode = static_cast<PoolingMode>(m);
        p.max_fill = -std::numeric_limits<T>::infinity();
        p.out_stride = dim;
        p.out = fast.data();
        ek::detail::cpu_pool_ops::pool(p);
        p.out = ref.data();
        ek::detail::cpu_pool_ops::pool_reference(p);
        std::int64_t bad = 0;
        for (std::size_t i = 0; i < fast.size(); ++i) {
          const double f = fast[i], r = ref[i];
          const bool ok = std::isfinite(r) ? std::abs(f - r) <= tol * (1 + std::abs(r)) : f == r;
          bad += ok ? 0 : 1;
        }
        CHECK(bad == 0);
      };
      run(xf, 4e-6);
      run(xd, 1e-12);
    }
  }
}

TEST_CASE("Normalize divides each row by its L2 norm and checks the rank") {
  auto x = random_x(3, 1, 10, 6).reshape({3, 10});
  for (std::int64_t j = 0; j < 10; ++j) x[10 + j] = 0.0f;  // a zero row stays zero (eps)
  const ek::Normalize<float> norm;
  const ek::Tensor<float> y = norm.forward(x.cview());
  for (std::int64_t r = 0; r < 3; ++r) {
    double sq = 0;
    for (std::int64_t j = 0; j < 10; ++j) sq += double(y[r * 10 + j]) * y[r * 10 + j];
    if (r == 1) {
      CHECK(sq == 0.0);
    } else {
      CHECK(std::abs(std::sqrt(sq) - 1.0) < 1e-6);
      CHECK(y[r * 10] / x[r * 10] > 0.0f);  // a positive multiple of the row
    }
  }
  ek::Tensor<float> in_place = x;
  ek::normalize(in_place);
  CHECK(same_values(in_place, y));
  CHECK(same_values(norm.forward(ek::Tensor<float>(x)), y));

  auto cube = random_x(2, 2, 2, 7);
  CHECK(message_of([&] { ek::normalize(cube); }) ==
        "normalize: x has shape [2, 2, 2]; expected rank 2 [rows, dim] (one embedding per row)");
  CHECK_THROWS_AS((void)norm.forward(cube.cview()), ek::shape_error);
}
