// Seeded random problems for the cross-backend tests: tables, index lists with many repeats
// (so gradients of one row gather many contributions, where summation order and atomics
// matter) and bags with empty, padding-only and long members.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace embedkit_test {

// n values drawn from N(0, scale).
inline std::vector<float> random_floats(std::mt19937_64& rng, std::int64_t n, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

// The same, in double.
inline std::vector<double> random_doubles(std::mt19937_64& rng, std::int64_t n) {
  std::normal_distribution<double> d(0.0, 1.0);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

// A row in [0, rows): half of the draws come from a few hot rows, so repeats are common
// whatever the table size. With pad >= 0, one draw in five is the padding row.
inline std::int64_t random_row(std::mt19937_64& rng, std::int64_t rows, std::int64_t pad = -1) {
  if (pad >= 0 && rng() % 5 == 0) return pad;
  if (rng() % 2 == 0) return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(std::min<std::int64_t>(rows, 4)));
  return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(rows));
}

inline std::vector<std::int64_t> random_rows(std::mt19937_64& rng, std::int64_t n, std::int64_t rows,
                                             std::int64_t pad = -1) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = random_row(rng, rows, pad);
  return v;
}

// Element-wise conversion of an index list to the index type under test.
template <class I>
std::vector<I> cast_indices(const std::vector<std::int64_t>& v) {
  return std::vector<I>(v.begin(), v.end());
}

struct BagSpec {
  std::int64_t rows = 10;
  std::int64_t bags = 4;
  int max_len = 8;
  bool include_last = false;
  bool weighted = false;
  bool positive_weights = true;  // weighted mean divides by the weights' sum: keep it away from 0
  std::int64_t pad = -1;         // padding row to sprinkle, or -1
};

struct RandomBags {
  std::vector<std::int64_t> input;
  std::vector<std::int64_t> offsets;  // bags entries, plus the closing one with include_last
  std::vector<double> weights;        // one per input entry when weighted
  std::int64_t bags = 0;
};

// Bags of random lengths in [0, max_len]; with three bags or more, one of them is forced empty
// and (with a padding row) another holds only padding.
inline RandomBags random_bags(std::mt19937_64& rng, const BagSpec& s) {
  RandomBags b;
  b.bags = s.bags;
  std::uniform_int_distribution<int> len(0, s.max_len);
  std::uniform_real_distribution<double> positive(0.25, 2.0);
  std::normal_distribution<double> signed_weight(0.0, 1.0);
  const std::int64_t empty_bag = s.bags >= 3 ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(s.bags)) : -1;
  const std::int64_t padding_bag = s.pad >= 0 && s.bags >= 3 ? (empty_bag + 1) % s.bags : -1;
  for (std::int64_t k = 0; k < s.bags; ++k) {
    b.offsets.push_back(static_cast<std::int64_t>(b.input.size()));
    const int l = k == empty_bag ? 0 : std::max(len(rng), k == padding_bag ? 1 : 0);
    for (int i = 0; i < l; ++i) {
      b.input.push_back(k == padding_bag ? s.pad : random_row(rng, s.rows, s.pad));
      if (s.weighted) b.weights.push_back(s.positive_weights ? positive(rng) : signed_weight(rng));
    }
  }
  if (s.include_last) b.offsets.push_back(static_cast<std::int64_t>(b.input.size()));
  return b;
}

}  // namespace embedkit_test
