// The pretrained-table lines of the public API contract (docs/guide/api.md, "io"), compiled
// and run as written there, on the committed fixtures.
#include <doctest/doctest.h>

#include <span>
#include <string>

#include <embedkit/embedkit.hpp>
#include <embedkit/io/io.hpp>
namespace ek = embedkit;

#include "support/fixture.hpp"

TEST_CASE("API contract: the word2vec, GloVe and fastText lines compile and run as written") {
  std::string path = embedkit_test::data_path("word2vec/vectors.txt");
  ek::KeyedVectors kv = ek::io::load_word2vec(path);   // text or binary, detected
  ek::KeyedVectors gv = ek::io::load_glove(path);
  path = embedkit_test::data_path("fasttext/tiny.bin");
  ek::KeyedVectors fv = ek::io::load_fasttext(path);   // .vec or .bin
  CHECK(kv.size() == 2631);
  CHECK(kv.dim() == 200);
  CHECK(kv.contains("king"));
  CHECK(gv.size() == kv.size());
  std::span<const float> v = kv.vector("king");        // a stored row; unknown word: ek::index_error
  CHECK(v.size() == 200);
  CHECK_THROWS_AS(kv.vector("unseen"), ek::index_error);
  ek::Tensor<float> u = fv.word_vector("unseen");      // fastText's vector for any word
  CHECK(u.numel() == fv.dim());
  auto top = kv.most_similar("king", 10);              // std::vector<std::pair<std::string, float>>
  CHECK(top.size() == 10);
  CHECK(top[0].first != "king");
}
