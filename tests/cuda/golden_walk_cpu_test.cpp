// The backend-generic golden runners of tests/cuda, instantiated for ek::cpu and built into the
// main suite: machines without a GPU prove the runners themselves (copies, comparisons,
// fixture walking) against PyTorch's results, so a failure of cuda.tests points at the backend.
#include <doctest/doctest.h>

#include <embedkit/embedkit.hpp>

#include "golden_embedding.hpp"
#include "golden_embedding_bag.hpp"

namespace ek = embedkit;

TEST_CASE("golden runners on ek::cpu: Embedding matches PyTorch") {
  embedkit_test::golden::embedding_cases<ek::cpu>();
}

TEST_CASE("golden runners on ek::cpu: EmbeddingBag matches PyTorch") {
  embedkit_test::golden::bag_cases<ek::cpu>();
}

TEST_CASE("golden runners on ek::cpu: quantized sums match PyTorch") {
  embedkit_test::golden::quantized_cases<ek::cpu>();
}
