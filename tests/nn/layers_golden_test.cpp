// The dense layers against PyTorch: every case under tests/data/layers was written by
// tests/golden/make_layers_fixtures.py from torch.nn.Linear, torch.nn.LSTM (packed sequences),
// torch.nn.Conv1d, torch.nn.LayerNorm and torch's activations. The runner
// (tests/support/golden_layers.hpp) takes the backend as a parameter, so a cuda suite runs the
// same cases on ek::cuda.
#include <doctest/doctest.h>

#include "support/golden_layers.hpp"

namespace golden = embedkit_test::golden;

TEST_CASE("Linear matches torch.nn.Linear on every golden case") {
  golden::layer_cases<embedkit::cpu>("linear", 9);
}

TEST_CASE("LSTM matches torch.nn.LSTM over packed sequences on every golden case") {
  golden::layer_cases<embedkit::cpu>("lstm", 16);
}

TEST_CASE("Conv1d matches torch.nn.Conv1d in both layouts on every golden case") {
  golden::layer_cases<embedkit::cpu>("conv1d", 14);
}

TEST_CASE("LayerNorm matches torch.nn.LayerNorm on every golden case") {
  golden::layer_cases<embedkit::cpu>("layer_norm", 10);
}

TEST_CASE("activate matches torch's activations on every golden case") {
  golden::layer_cases<embedkit::cpu>("activation", 10);
}
