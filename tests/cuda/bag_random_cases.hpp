// The seeded EmbeddingBag problems every storage type is checked on: each mode meets every
// dim of kBagDims and both values of each option (padding, include_last_offset, per-sample
// weights, scale_grad_by_freq, 2-D input, deterministic gradients), with empty and
// padding-only bags.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <random>

#include <embedkit/embedkit.hpp>

#include "bag_cross_check.hpp"
#include "random_problems.hpp"

namespace embedkit_test {

// Not multiples of 4 or 8 (vector widths, warp-sized column blocks), and one large.
inline constexpr std::int64_t kBagDims[] = {1, 3, 7, 33, 130, 512};

// Problem k (0..7) of a mode: bit 0 padding, bit 1 weights (sum, mean) or 2-D input (max),
// bit 2 include_last_offset; scale_grad_by_freq and deterministic vary with k as well.
inline BagCase make_bag_case(std::mt19937_64& rng, embedkit::Mode mode, int k) {
  const bool max = mode == embedkit::Mode::max;
  BagCase c;
  c.rows = 2 + static_cast<std::int64_t>(rng() % 200);
  c.dim = kBagDims[(k + 3 * static_cast<int>(mode)) % 6];
  c.table = random_floats(rng, c.rows * c.dim);
  c.options.mode = mode;
  if (k & 1) c.options.padding_idx = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(c.rows));
  c.options.scale_grad_by_freq = !max && (k == 1 || k == 2 || k == 4 || k == 7);
  c.options.deterministic = k % 3 != 2;
  c.two_d = max ? (k & 2) != 0 : k == 6;
  BagSpec s;
  s.rows = c.rows;
  s.bags = static_cast<std::int64_t>(rng() % 25);
  s.max_len = 12;
  s.weighted = !max && (k & 2);
  s.positive_weights = mode != embedkit::Mode::sum;  // sum takes any sign
  s.pad = c.options.padding_idx.value_or(-1);
  if (c.two_d) {
    c.length = static_cast<std::int64_t>(rng() % 7);  // 0: every bag empty
    c.bags.bags = s.bags;
    c.bags.input = random_rows(rng, s.bags * c.length, c.rows, s.pad);
    if (s.weighted) {
      for (std::size_t i = 0; i < c.bags.input.size(); ++i) c.bags.weights.push_back(0.25 + 0.125 * static_cast<double>(rng() % 12));
    }
  } else {
    s.include_last = (k & 4) != 0;
    c.options.include_last_offset = s.include_last;
    c.bags = random_bags(rng, s);
  }
  c.grad_output = random_doubles(rng, c.bags.bags * c.dim);
  return c;
}

// Every problem of every mode for one storage type and index types I (input), J (offsets).
template <class B, class T, class I, class J>
void check_bag_problems(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const embedkit::Mode mode : {embedkit::Mode::sum, embedkit::Mode::mean, embedkit::Mode::max}) {
    for (int k = 0; k < 8; ++k) {
      CAPTURE(k);
      cross_check_bag<B, T, I, J>(make_bag_case(rng, mode, k));
    }
  }
}

}  // namespace embedkit_test
