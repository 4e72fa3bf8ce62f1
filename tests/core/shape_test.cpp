// Shape's invariant: extents are >= 0 and the non-zero ones multiply within int64, so numel()
// and every partial product are exact. Shapes that break it are refused where they are made,
// before a wrapped element count can reach an allocation or a null-pointer check.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;
using i64 = std::int64_t;

TEST_CASE("Shapes whose element count overflows int64 are refused") {
  CHECK_THROWS_WITH_AS(ek::Shape(i64{1} << 32, i64{1} << 32),
                       "shape [4294967296, 4294967296] has more elements than int64 can count",
                       ek::shape_error);
  CHECK_THROWS_AS(ek::Shape(i64{1} << 40, i64{1} << 30), ek::shape_error);
  CHECK_THROWS_AS(ek::Shape(i64{1} << 62, i64{1} << 62, 0), ek::shape_error);
  const std::vector<i64> dims{i64{1} << 31, i64{1} << 31, 4};
  CHECK_THROWS_AS(ek::Shape(std::span<const i64>(dims)), ek::shape_error);
  // append() keeps the invariant too: [2^31, 2^31] + [4] is 2^64 elements.
  const ek::Shape ok(i64{1} << 31, i64{1} << 31);
  CHECK(ok.numel() == i64{1} << 62);
  CHECK_THROWS_AS(ok.append(4), ek::shape_error);
  // The largest counts that fit are fine, and zeros anywhere give an empty shape.
  CHECK(ek::Shape(std::numeric_limits<i64>::max(), 1).numel() == std::numeric_limits<i64>::max());
  CHECK(ek::Shape(i64{1} << 40, 0, i64{1} << 20).numel() == 0);
}

TEST_CASE("Layers and views cannot be made with an overflowing shape") {
  CHECK_THROWS_AS(ek::Embedding<float>(i64{1} << 40, i64{1} << 30, {.seed = 1}), ek::shape_error);
  CHECK_THROWS_AS(ek::TensorView<const float>(nullptr, {i64{1} << 32, i64{1} << 32}), ek::shape_error);
  // A huge index view would need a huge output: refused while forming the output's shape.
  ek::Embedding<float> emb(4, 4, {.seed = 1});
  const std::vector<i64> ids{0};
  CHECK_THROWS_AS(emb.forward(ek::TensorView<const i64>(ids.data(), {i64{1} << 61, 0})).numel(), ek::shape_error);
}

TEST_CASE("Checked arithmetic names what overflowed") {
  i64 out = 0;
  CHECK(ek::detail::mul_fits(i64{1} << 31, i64{1} << 31, out));
  CHECK(out == i64{1} << 62);
  CHECK_FALSE(ek::detail::mul_fits(i64{1} << 32, i64{1} << 31, out));
  CHECK_FALSE(ek::detail::mul_fits(-1, 2, out));
  CHECK_FALSE(ek::detail::add_fits(std::numeric_limits<i64>::max(), 1, out));
  CHECK_THROWS_WITH_AS(ek::detail::checked_mul(i64{1} << 40, i64{1} << 30, "table bytes"),
                       "table bytes: 1099511627776 * 1073741824 overflows int64", ek::value_error);
  CHECK_THROWS_WITH_AS(ek::detail::checked_add(-3, 1, "offset"), "offset: -3 + 1 has a negative operand",
                       ek::value_error);
}
