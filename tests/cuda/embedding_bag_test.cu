// EmbeddingBag<T, ek::cuda> against EmbeddingBag<T> (the cpu layer) for float and double tables:
// the seeded problems of bag_random_cases.hpp with int32 and int64 indices and offsets (mixed
// too), a large problem, empty inputs, max_norm, and fresh tables drawn from a seed for every
// storage type. 16-bit and quantized tables have their own files (compile time).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "bag_cross_check.hpp"
#include "bag_random_cases.hpp"
#include "cross_check.hpp"
#include "random_problems.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

TEST_CASE("cuda: EmbeddingBag<float> equals the cpu layer in every mode and option") {
  SUBCASE("int64 input and offsets") { check_bag_problems<ek::cuda, float, std::int64_t, std::int64_t>(1); }
  SUBCASE("int32 input and offsets") { check_bag_problems<ek::cuda, float, std::int32_t, std::int32_t>(2); }
  SUBCASE("int32 input, int64 offsets") { check_bag_problems<ek::cuda, float, std::int32_t, std::int64_t>(3); }
}

TEST_CASE("cuda: EmbeddingBag<double> equals the cpu layer in every mode and option") {
  SUBCASE("int64 input and offsets") { check_bag_problems<ek::cuda, double, std::int64_t, std::int64_t>(4); }
  SUBCASE("int32 input and offsets") { check_bag_problems<ek::cuda, double, std::int32_t, std::int32_t>(5); }
}

TEST_CASE("cuda: a large EmbeddingBag problem equals the cpu layer's") {
  // 3000 bags of up to 64 entries over 5000 rows of 512 columns: many blocks, long bags.
  std::mt19937_64 rng(8);
  for (const ek::Mode mode : {ek::Mode::sum, ek::Mode::mean, ek::Mode::max}) {
    BagCase c;
    c.rows = 5000;
    c.dim = 512;
    c.table = random_floats(rng, c.rows * c.dim);
    c.options = {.mode = mode, .padding_idx = 17};
    c.bags = random_bags(rng, {.rows = c.rows, .bags = 3000, .max_len = 64, .weighted = mode != ek::Mode::max, .pad = 17});
    c.grad_output = random_doubles(rng, c.bags.bags * c.dim);
    cross_check_bag<ek::cuda, float, std::int64_t, std::int64_t>(c);
  }
}

TEST_CASE("cuda: empty inputs, zero bags and empty bags give the cpu layer's zeros") {
  std::mt19937_64 rng(12);
  for (const ek::Mode mode : {ek::Mode::sum, ek::Mode::mean, ek::Mode::max}) {
    for (const bool include_last : {false, true}) {
      for (const std::int64_t bags : {0, 1, 5}) {
        BagCase c;
        c.rows = 10;
        c.dim = 7;
        c.table = random_floats(rng, c.rows * c.dim);
        c.options = {.mode = mode, .include_last_offset = include_last};
        c.bags.bags = bags;
        c.bags.offsets.assign(static_cast<std::size_t>(bags + (include_last ? 1 : 0)), 0);  // no entries
        c.grad_output = random_doubles(rng, bags * c.dim);
        cross_check_bag<ek::cuda, float, std::int64_t, std::int64_t>(c);
      }
    }
  }
}

namespace {

// max_norm on a bag: the output and the table after forward match the cpu layer's.
template <class T>
void check_bag_max_norm(ek::Mode mode, double norm_type) {
  INFO("mode " << int(mode) << " norm_type " << norm_type);
  std::mt19937_64 rng(31);
  const std::int64_t rows = 40, dim = 130;
  const auto table = random_floats(rng, rows * dim, 2.0f);
  const ek::EmbeddingBagOptions opt{.mode = mode, .max_norm = 4.0, .norm_type = norm_type};
  const auto cpu = ek::EmbeddingBag<T>::from_pretrained(on<ek::cpu>(table, {rows, dim}).cview(), opt);
  const auto dev = ek::EmbeddingBag<T, ek::cuda>::from_pretrained(on<ek::cuda>(table, {rows, dim}).cview(), opt);
  const auto bags = random_bags(rng, {.rows = rows, .bags = 6, .max_len = 9});
  const auto want = cpu.forward(on<ek::cpu>(bags.input).cview(), on<ek::cpu>(bags.offsets).cview());
  const auto got = dev.forward(on<ek::cuda>(bags.input).cview(), on<ek::cuda>(bags.offsets).cview());
  check_near(host(got), want, "forward", backend_tolerance<T>());
  const auto cpu_table = ek::Tensor<T>::copy_of(cpu.weight());
  check_near(host_of<ek::cuda>(dev.weight()), cpu_table, "table after forward", backend_tolerance<T>());
  int changed = 0;  // the problem did renormalise rows, or the check above proves little
  for (std::int64_t i = 0; i < rows * dim; ++i) changed += as_double(cpu_table[i]) != as_double(T(table[static_cast<std::size_t>(i)]));
  CHECK(changed > 0);
}

}  // namespace

TEST_CASE("cuda: EmbeddingBag max_norm renormalises the table as the cpu layer does") {
  for (const ek::Mode mode : {ek::Mode::sum, ek::Mode::mean, ek::Mode::max}) {
    for (const double p : {1.0, 2.0}) {
      check_bag_max_norm<float>(mode, p);
      check_bag_max_norm<double>(mode, p);
    }
  }
}

TEST_CASE("cuda: a fresh bag table drawn from a seed is the cpu layer's table, for every storage type") {
  const ek::EmbeddingBagOptions opt{.padding_idx = 5, .seed = 1234};
  const auto check = [&](auto tag, std::int64_t rows, std::int64_t dim) {
    using T = decltype(tag);
    INFO(rows << " x " << dim);
    check_same_table(ek::EmbeddingBag<T>(rows, dim, opt), ek::EmbeddingBag<T, ek::cuda>(rows, dim, opt));
  };
  check(float{}, 100, 33);
  check(double{}, 100, 7);
  check(ek::half{}, 100, 130);
  check(ek::bfloat16{}, 100, 1);
  check(ek::q8{}, 100, 33);
  check(ek::q4{}, 100, 7);
  // Different seeds give different tables, so the comparison above can fail.
  const auto a = ek::EmbeddingBag<float, ek::cuda>(10, 4, {.seed = 1});
  const auto b = ek::EmbeddingBag<float>(10, 4, {.seed = 2});
  CHECK_FALSE(same_bits(host_of<ek::cuda>(a.weight()), ek::Tensor<float>::copy_of(b.weight())));
}
