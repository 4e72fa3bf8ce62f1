// The dense layers, pooling and Object2Vec on ek::cuda against PyTorch: the golden fixtures of
// tests/nn/layers_golden_test.cpp and tests/nn/pooling_golden_test.cpp through the same
// backend-generic runners, and every Object2Vec model folder of tests/data/object2vec loaded
// on both backends (the cpu results are the ones tests/encoders checks against PyTorch).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <embedkit/backend/cuda.hpp>
#include <embedkit/encoders/object2vec.hpp>

#include "support/golden_layers.hpp"
#include "support/golden_pooling.hpp"

namespace ek = embedkit;
namespace golden = embedkit_test::golden;

TEST_CASE("cuda: Linear, LSTM, Conv1d, LayerNorm and activations match PyTorch") {
  golden::layer_cases<ek::cuda>("linear", 9);
  golden::layer_cases<ek::cuda>("lstm", 16);
  golden::layer_cases<ek::cuda>("conv1d", 14);
  golden::layer_cases<ek::cuda>("layer_norm", 10);
  golden::layer_cases<ek::cuda>("activation", 10);
}

TEST_CASE("cuda: Pooling matches sentence-transformers' pooling") {
  golden::pooling_cases<ek::cuda>();
}

TEST_CASE("cuda: every Object2Vec golden model encodes and scores as on the cpu") {
  const std::filesystem::path root = std::filesystem::path(EMBEDKIT_TEST_DATA_DIR) / "object2vec";
  const std::vector<std::vector<std::int64_t>> in0 = {{1, 2, 3, 4}, {5}, {}, {7, 8, 9, 10, 11, 12, 13, 14, 15}};
  const std::vector<std::vector<std::int64_t>> in1 = {{2}, {3, 4, 5}, {6, 7}, {}};
  int models = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    CAPTURE(entry.path().filename().string());
    const auto cpu = ek::BasicObject2Vec<ek::cpu>::load(entry.path());
    const auto gpu = ek::BasicObject2Vec<ek::cuda>::load(entry.path());
    for (int i = 0; i < 2; ++i) {
      const auto& seqs = i == 0 ? in0 : in1;
      const auto want = cpu.encode(i, seqs);
      const auto got = gpu.encode(i, seqs);
      REQUIRE(got.shape() == want.shape());
      for (std::int64_t k = 0; k < want.numel(); ++k) {
        CHECK(std::abs(got[k] - want[k]) <= 2e-5 * (1.0 + std::abs(want[k])));
      }
    }
    const auto want = cpu.predict(in0, in1);
    const auto got = gpu.predict(in0, in1);
    REQUIRE(got.shape() == want.shape());
    for (std::int64_t k = 0; k < want.numel(); ++k) {
      CHECK(std::abs(got[k] - want[k]) <= 2e-5 * (1.0 + std::abs(want[k])));
    }
    ++models;
  }
  CHECK(models >= 20);
}
