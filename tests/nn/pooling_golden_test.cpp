// Pooling and Normalize against sentence-transformers: every case under tests/data/pooling
// was written by tests/golden/make_pooling_fixtures.py from sentence-transformers' pooling code
// run in PyTorch. The runner (tests/support/golden_pooling.hpp) takes the backend as a
// parameter: tests/cuda runs the same cases on ek::cuda.
#include <doctest/doctest.h>

#include <embedkit/embedkit.hpp>

#include "support/golden_pooling.hpp"

TEST_CASE("Pooling matches sentence-transformers on every golden case") {
  embedkit_test::golden::pooling_cases<embedkit::cpu>();
}
