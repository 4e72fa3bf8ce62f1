// EmbeddingBag<ek::q8 / ek::q4, ek::cuda> against the cpu layer: the seeded problems of
// bag_random_cases.hpp (rows dequantized on the fly, gradients in float), a large problem, and
// tables moved to the device as packed bytes.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "bag_cross_check.hpp"
#include "bag_random_cases.hpp"
#include "random_problems.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

TEST_CASE("cuda: EmbeddingBag<q8> equals the cpu layer in every mode and option") {
  SUBCASE("int64 input and offsets") { check_bag_problems<ek::cuda, ek::q8, std::int64_t, std::int64_t>(31); }
  SUBCASE("int32 input and offsets") { check_bag_problems<ek::cuda, ek::q8, std::int32_t, std::int32_t>(32); }
}

TEST_CASE("cuda: EmbeddingBag<q4> equals the cpu layer in every mode and option") {
  SUBCASE("int64 input and offsets") { check_bag_problems<ek::cuda, ek::q4, std::int64_t, std::int64_t>(33); }
  SUBCASE("int32 input and offsets") { check_bag_problems<ek::cuda, ek::q4, std::int32_t, std::int32_t>(34); }
}

TEST_CASE("cuda: a large quantized EmbeddingBag problem equals the cpu layer's") {
  std::mt19937_64 rng(35);
  for (const ek::Mode mode : {ek::Mode::sum, ek::Mode::mean}) {
    BagCase c;
    c.rows = 4000;
    c.dim = 130;
    c.table = random_floats(rng, c.rows * c.dim);
    c.options = {.mode = mode, .padding_idx = 0};
    c.bags = random_bags(rng, {.rows = c.rows, .bags = 2000, .max_len = 40, .weighted = true, .pad = 0});
    c.grad_output = random_doubles(rng, c.bags.bags * c.dim);
    cross_check_bag<ek::cuda, ek::q8, std::int64_t, std::int64_t>(c);
    cross_check_bag<ek::cuda, ek::q4, std::int64_t, std::int64_t>(c);
  }
}

TEST_CASE("cuda: a quantized table built on the host reaches the device byte for byte") {
  std::mt19937_64 rng(36);
  const auto w = random_floats(rng, 50 * 33);
  const auto q = ek::quantize<ek::q4>(ek::TensorView<const float>(w.data(), {50, 33}));
  const auto bag = ek::EmbeddingBag<ek::q4, ek::cuda>::from_pretrained(q, {.mode = ek::Mode::sum});
  CHECK(bag.table().dim == 33);
  CHECK(bag.num_embeddings() == 50);
  CHECK(same_bits(host(bag.table().bytes), q.bytes));
  // A device table given as it is: no copy back through the host.
  auto on_device = ek::to<ek::cuda>(ek::quantize<ek::q8>(ek::TensorView<const float>(w.data(), {50, 33})));
  const auto q8_bag = ek::EmbeddingBag<ek::q8, ek::cuda>::from_pretrained(std::move(on_device));
  CHECK(same_bits(host(q8_bag.table().bytes), ek::quantize<ek::q8>(ek::TensorView<const float>(w.data(), {50, 33})).bytes));
}
