// Bad arguments to layers and initializers: an ek::error naming the value, never a hang, a
// null-pointer copy or a read outside a buffer (this suite also runs under ASan + UBSan).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;
using i64 = std::int64_t;

TEST_CASE("truncated_normal refuses intervals that hold almost none of the distribution") {
  // Both lie within 6 std of the mean, which the old rule accepted; one element took minutes.
  CHECK_THROWS_AS(ek::init::truncated_normal(0.0, 1.0, 5.0, 5.5), ek::value_error);
  CHECK_THROWS_AS(ek::init::truncated_normal(0.0, 1.0, 5.9, 6.0), ek::value_error);
  CHECK_THROWS_AS(ek::init::truncated_normal(0.0, 1.0, -6.0, -5.9), ek::value_error);
  // An interval in the tail with a usable share (about 9%) draws, within bounds.
  ek::Embedding<float> emb(64, 16, {.init = ek::init::truncated_normal(0.0, 1.0, 1.0, 1.5), .seed = 3});
  for (i64 i = 0; i < emb.weight().numel(); ++i) {
    CHECK(emb.weight()[i] >= 1.0f);
    CHECK(emb.weight()[i] <= 1.5f);
  }
  // The mass rule is symmetric and keeps the defaults (Keras' 2 std: 95%).
  CHECK_NOTHROW(ek::init::truncated_normal());
  CHECK_NOTHROW(ek::init::truncated_normal(10.0, 0.5, 9.0, 11.0));
}

TEST_CASE("Initializers refuse non-finite parameters") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  CHECK_THROWS_WITH_AS(ek::init::uniform(-inf, inf), "init::uniform: low -inf is not a finite number",
                       ek::value_error);
  CHECK_THROWS_AS(ek::init::normal(nan, 1.0), ek::value_error);
  CHECK_THROWS_AS(ek::init::normal(0.0, inf), ek::value_error);
  CHECK_THROWS_AS(ek::init::truncated_normal(0.0, 1.0, -inf, 2.0), ek::value_error);
  CHECK_THROWS_AS(ek::init::xavier_uniform(nan), ek::value_error);
  CHECK_THROWS_AS(ek::init::kaiming_normal(inf), ek::value_error);
  CHECK_THROWS_AS(ek::init::constant(nan), ek::value_error);
}

TEST_CASE("QuantizedTable::from_packed refuses a negative dim") {
  const std::vector<std::uint8_t> packed(2 * 9, 0);
  CHECK_THROWS_WITH_AS(ek::QuantizedTable<ek::q8>::from_packed(
                           ek::TensorView<const std::uint8_t>(packed.data(), {2, 9}), -1),
                       "QuantizedTable<q8>::from_packed: dim -1 is negative", ek::value_error);
  CHECK_THROWS_AS(ek::QuantizedTable<ek::q4>::from_packed(
                      ek::TensorView<const std::uint8_t>(packed.data(), {3, 6}), -4),
                  ek::value_error);
}

TEST_CASE("Tables with a zero extent work without touching memory they do not have") {
  const std::vector<i64> ids{1, 2};
  ek::Embedding<float> no_columns(5, 0, {.seed = 1});
  const auto y = no_columns.forward(ek::TensorView<const i64>(ids.data(), {2}));
  CHECK(y.shape() == ek::Shape{2, 0});

  ek::Embedding<float> no_rows(0, 4, {.seed = 1});
  const auto g = no_rows.backward(ek::TensorView<const i64>(nullptr, {0}),
                                  ek::TensorView<const float>(nullptr, {0, 4}));
  CHECK(g.shape() == ek::Shape{0, 4});

  ek::EmbeddingBag<float> bag(5, 0, {.mode = ek::Mode::max, .seed = 1});
  const std::vector<i64> offsets{0};
  const auto out = bag.forward(ek::TensorView<const i64>(ids.data(), {2}),
                               ek::TensorView<const i64>(offsets.data(), {1}));
  CHECK(out.shape() == ek::Shape{1, 0});
  const auto gb = bag.backward(ek::TensorView<const i64>(ids.data(), {2}),
                               ek::TensorView<const i64>(offsets.data(), {1}),
                               ek::TensorView<const float>(nullptr, {1, 0}));
  CHECK(gb.shape() == ek::Shape{5, 0});
}

TEST_CASE("Indices in no bag are checked too: empty offsets and entries after the last offset") {
  ek::EmbeddingBag<float> bag(10, 3, {.mode = ek::Mode::sum, .seed = 1});
  const std::vector<i64> ids{1, 12, 3};
  const ek::TensorView<const i64> none(nullptr, {0});
  CHECK_THROWS_WITH_AS(bag.forward(ek::TensorView<const i64>(ids.data(), {3}), none),
                       "EmbeddingBag::forward: index 12 at position 1 is out of range [0, 10)",
                       ek::index_error);
  const std::vector<i64> good{1, 2, 3};
  CHECK(bag.forward(ek::TensorView<const i64>(good.data(), {3}), none).shape() == ek::Shape{0, 3});
}
