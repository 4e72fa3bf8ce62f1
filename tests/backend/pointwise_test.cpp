// The cpu pointwise op's add_tiled (BERT's token-type and position rows added to every token):
// a tile of one row, of several rows, and longer than x, against the plain formula.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include <embedkit/backend/cpu.hpp>

namespace ek = embedkit;

TEST_CASE("cpu pointwise: add_tiled adds tile[i % tile_size] to x[i]") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (const std::int64_t n : {0, 1, 7, 384, 100000}) {
    for (const std::int64_t tile_size : {1, 7, 384, 3 * 384, 100003}) {
      std::vector<float> x(static_cast<std::size_t>(n)), tile(static_cast<std::size_t>(tile_size));
      for (auto& v : x) v = u(rng);
      for (auto& v : tile) v = u(rng);
      std::vector<float> expected = x;
      for (std::int64_t i = 0; i < n; ++i) {
        expected[static_cast<std::size_t>(i)] += tile[static_cast<std::size_t>(i % tile_size)];
      }
      ek::cpu::pointwise::add_tiled(tile.data(), tile_size, x.data(), n);
      CAPTURE(n);
      CAPTURE(tile_size);
      CHECK(x == expected);
    }
  }
}
