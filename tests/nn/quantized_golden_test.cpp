// Quantized tables against PyTorch (tests/data/quantized, written by
// tests/golden/make_quantized_fixtures.py): the packed bytes of embedding_bag_byte_prepack and
// embedding_bag_4bit_prepack, and the sums of the quantized embedding_bag ops (the runner in
// tests/support/golden_embedding_bag.hpp, shared with tests/cuda).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

#include "support/fixture.hpp"
#include "support/golden_embedding_bag.hpp"

namespace ek = embedkit;
using embedkit_test::Fixture;

namespace {

template <class Q>
void check_packing(const Fixture& fx, const char* record) {
  const auto& w = fx.at("weight");
  const std::vector<float> weight = w.as<float>();
  const std::int64_t rows = w.shape[0], dim = w.shape[1];
  const auto table = ek::quantize<Q>(ek::TensorView<const float>(weight.data(), {rows, dim}));
  const auto want = fx.at(record).as<std::uint8_t>();
  REQUIRE(table.bytes.numel() == static_cast<std::int64_t>(want.size()));
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (table.bytes[static_cast<std::int64_t>(i)] != want[i] && bad++ < 3) {
      MESSAGE(std::string(record) << " byte " << i << " (row " << i / static_cast<std::size_t>(table.row_bytes()) << "): got "
                     << int(table.bytes[static_cast<std::int64_t>(i)]) << ", torch " << int(want[i]));
    }
  }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("quantize<q8> and quantize<q4> pack rows byte for byte as PyTorch's prepack ops") {
  for (const std::string& name : embedkit_test::read_lines(embedkit_test::data_path("quantized/cases.txt"))) {
    SUBCASE(name.c_str()) {
      const auto fx = Fixture::load(embedkit_test::data_path("quantized/" + name + ".txt"));
      check_packing<ek::q8>(fx, "q8_packed");
      check_packing<ek::q4>(fx, "q4_packed");
    }
  }
}

TEST_CASE("EmbeddingBag<q8> and <q4> sums match PyTorch's quantized embedding_bag") {
  embedkit_test::golden::quantized_cases<ek::cpu>();
}
