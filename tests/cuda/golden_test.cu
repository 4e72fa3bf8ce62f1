// The cuda backend against PyTorch: the golden fixtures of tests/nn/*_golden_test.cpp, walked by
// the backend-generic runners (also run on ek::cpu by golden_walk_cpu_test.cpp) with
// Embedding<T, ek::cuda> and EmbeddingBag<T, ek::cuda>.
#include <doctest/doctest.h>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/golden_embedding.hpp"
#include "support/golden_embedding_bag.hpp"

namespace ek = embedkit;

TEST_CASE("cuda: Embedding matches torch.nn.functional.embedding on every golden case") {
  embedkit_test::golden::embedding_cases<ek::cuda>();
}

TEST_CASE("cuda: EmbeddingBag matches torch.nn.functional.embedding_bag on every golden case") {
  embedkit_test::golden::bag_cases<ek::cuda>();
}

TEST_CASE("cuda: EmbeddingBag<q8> and <q4> sums match PyTorch's quantized embedding_bag") {
  embedkit_test::golden::quantized_cases<ek::cuda>();
}
