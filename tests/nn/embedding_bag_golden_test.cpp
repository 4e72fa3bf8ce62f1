// EmbeddingBag against PyTorch: every case under tests/data/embedding_bag was written by
// tests/golden/make_bag_fixtures.py from torch.nn.functional.embedding_bag and its gradients.
// The runner (tests/support/golden_embedding_bag.hpp) takes the backend as a parameter:
// tests/cuda runs the same cases on ek::cuda.
#include <doctest/doctest.h>

#include <embedkit/embedkit.hpp>

#include "support/golden_embedding_bag.hpp"

TEST_CASE("EmbeddingBag matches torch.nn.functional.embedding_bag on every golden case") {
  embedkit_test::golden::bag_cases<embedkit::cpu>();
}
