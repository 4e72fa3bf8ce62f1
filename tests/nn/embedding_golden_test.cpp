// Embedding against PyTorch: every case under tests/data/embedding was written by
// tests/golden/make_embedding_fixtures.py from torch.nn.functional.embedding and its gradients. The runner
// (tests/support/golden_embedding.hpp) takes the backend as a parameter: tests/cuda runs the
// same cases on ek::cuda.
#include <doctest/doctest.h>

#include <embedkit/embedkit.hpp>

#include "support/golden_embedding.hpp"

TEST_CASE("Embedding matches torch.nn.functional.embedding on every golden case") {
  embedkit_test::golden::embedding_cases<embedkit::cpu>();
}
