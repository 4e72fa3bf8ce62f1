// Quantized tables against PyTorch (tests/data/quantized, written by
// tests/golden/make_quantized_fixtures.py): the packed bytes of embedding_bag_byte_prepack and
// embedding_bag_4bit_prepack, and the sums of the quantized embedding_bag ops.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

#include "support/fixture.hpp"

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

template <class Q>
void check_sums(const Fixture& fx, const char* packed, const char* sum, const char* weighted) {
  const auto& w = fx.at("weight");
  const std::int64_t dim = w.shape[1];
  const auto bytes = fx.at(packed).as<std::uint8_t>();
  const auto& pa = fx.at(packed);
  const auto table = ek::QuantizedTable<Q>::from_packed(
      ek::TensorView<const std::uint8_t>(bytes.data(), {pa.shape[0], pa.shape[1]}), dim);
  auto bag = ek::EmbeddingBag<Q>::from_pretrained(table, {.mode = ek::Mode::sum});
  const auto input = fx.at("input").as<std::int64_t>();
  const auto offsets = fx.at("offsets").as<std::int64_t>();
  const auto psw = fx.at("per_sample_weights").as<float>();
  const ek::TensorView<const std::int64_t> iv(input.data(), {static_cast<std::int64_t>(input.size())});
  const ek::TensorView<const std::int64_t> ov(offsets.data(), {static_cast<std::int64_t>(offsets.size())});
  for (int pass = 0; pass < 2; ++pass) {
    const auto y = pass == 0 ? bag.forward(iv, ov) : bag.forward(iv, ov, ek::TensorView<const float>(psw.data(), iv.shape()));
    const auto& want = fx.at(pass == 0 ? sum : weighted);
    REQUIRE(y.numel() == want.numel());
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < y.numel(); ++i) {
      const double t = want.values[static_cast<std::size_t>(i)];
      if (!(std::abs(y[i] - t) <= 1e-5 * (1 + std::abs(t)))) ++bad;
    }
    CHECK_MESSAGE(bad == 0, (pass == 0 ? sum : weighted));
  }
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
  for (const std::string& name : embedkit_test::read_lines(embedkit_test::data_path("quantized/cases.txt"))) {
    SUBCASE(name.c_str()) {
      const auto fx = Fixture::load(embedkit_test::data_path("quantized/" + name + ".txt"));
      check_sums<ek::q8>(fx, "q8_packed", "q8_sum", "q8_weighted_sum");
      check_sums<ek::q4>(fx, "q4_packed", "q4_sum", "q4_weighted_sum");
    }
  }
}
