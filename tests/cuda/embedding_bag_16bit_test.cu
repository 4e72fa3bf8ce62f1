// EmbeddingBag<ek::half / ek::bfloat16, ek::cuda> against the cpu layer: the seeded problems of
// bag_random_cases.hpp with int32 and int64 indices, and max_norm on a half table (rows are
// rescaled in float and rounded back to 16 bits on both backends).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "bag_random_cases.hpp"
#include "cross_check.hpp"
#include "random_problems.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

TEST_CASE("cuda: EmbeddingBag<half> equals the cpu layer in every mode and option") {
  SUBCASE("int64 input and offsets") { check_bag_problems<ek::cuda, ek::half, std::int64_t, std::int64_t>(21); }
  SUBCASE("int32 input and offsets") { check_bag_problems<ek::cuda, ek::half, std::int32_t, std::int32_t>(22); }
}

TEST_CASE("cuda: EmbeddingBag<bfloat16> equals the cpu layer in every mode and option") {
  SUBCASE("int64 input and offsets") { check_bag_problems<ek::cuda, ek::bfloat16, std::int64_t, std::int64_t>(23); }
  SUBCASE("int32 input and offsets") { check_bag_problems<ek::cuda, ek::bfloat16, std::int32_t, std::int32_t>(24); }
}

TEST_CASE("cuda: EmbeddingBag<half> max_norm renormalises the table as the cpu layer does") {
  std::mt19937_64 rng(41);
  const std::int64_t rows = 30, dim = 33;
  const auto table = random_floats(rng, rows * dim, 2.0f);
  const auto bags = random_bags(rng, {.rows = rows, .bags = 5, .max_len = 8});
  for (const ek::Mode mode : {ek::Mode::sum, ek::Mode::max}) {
    const ek::EmbeddingBagOptions opt{.mode = mode, .max_norm = 3.0};
    const auto cpu = ek::EmbeddingBag<ek::half>::from_pretrained(on<ek::cpu>(table, {rows, dim}).cview(), opt);
    const auto dev = ek::EmbeddingBag<ek::half, ek::cuda>::from_pretrained(on<ek::cuda>(table, {rows, dim}).cview(), opt);
    const auto before = ek::Tensor<ek::half>::copy_of(cpu.weight());
    const auto want = cpu.forward(on<ek::cpu>(bags.input).cview(), on<ek::cpu>(bags.offsets).cview());
    const auto got = dev.forward(on<ek::cuda>(bags.input).cview(), on<ek::cuda>(bags.offsets).cview());
    check_near(host(got), want, "forward", backend_tolerance<ek::half>());
    const auto after = ek::Tensor<ek::half>::copy_of(cpu.weight());
    check_near(host_of<ek::cuda>(dev.weight()), after, "table after forward", backend_tolerance<ek::half>());
    CHECK_FALSE(same_bits(after, before));  // rows were rescaled
  }
}
