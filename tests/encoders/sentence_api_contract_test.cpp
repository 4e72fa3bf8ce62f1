// The sentence-embedding lines of docs/guide/api.md and docs/guide/sentence-embeddings.md,
// compiled and run as written there, on the tiny all-MiniLM-L6-v2-layout fixture.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <embedkit/encoders/sentence_encoder.hpp>
namespace ek = embedkit;

TEST_CASE("API contract: SentenceEncoder, BertTokenizer and BertModel lines compile and run as written") {
  const std::filesystem::path folder = std::filesystem::path(EMBEDKIT_TEST_DATA_DIR) / "sentence" / "mean_normalize";

  auto model = ek::SentenceEncoder::load(folder);           // a sentence-transformers folder
  std::vector<std::string> sentences = {"A man is eating food.", "A man is riding a horse."};
  ek::Tensor<float> E = model.encode(sentences, {.batch_size = 16});   // [N, dim]
  auto ids = model.tokenizer().encode("Hello, world!");    // ids with [CLS] and [SEP], truncated
  CHECK(E.shape() == ek::Shape{2, model.dimension()});
  CHECK(ids == std::vector<std::int64_t>{101, 7592, 1010, 2088, 999, 102});

  ek::Tensor<float> En = model.encode(sentences, {.batch_size = 16, .normalize_embeddings = true});
  ek::Tensor<float> H = model.encode(sentences, {.hidden_layer = 1});      // pool layer 1's output
  std::vector<ek::Tensor<float>> T = model.encode_tokens(sentences);       // [tokens, hidden] each
  ek::QuantizedEmbeddings q = ek::quantize_embeddings(En.cview(), ek::Precision::int8);
  CHECK(H.shape() == E.shape());
  REQUIRE(T.size() == 2);
  CHECK(T[0].shape() == ek::Shape{std::int64_t(model.input_ids(sentences[0]).size()), model.hidden_size()});
  CHECK(q.rows == 2);
  CHECK(q.cols == model.dimension());
  double norm = 0;
  for (std::int64_t j = 0; j < En.size(1); ++j) norm += double(En.data()[j]) * En.data()[j];
  CHECK(std::abs(norm - 1.0) < 1e-5);

  ek::BertTokenizer tok = ek::BertTokenizer::load(folder);
  std::vector<std::string> pieces = tok.tokenize("unaffable");
  CHECK(pieces == std::vector<std::string>{"una", "##ffa", "##ble"});
  CHECK(tok.tokenize("Héllo, wörld!") == std::vector<std::string>{"hello", ",", "world", "!"});

  ek::BertModel bert = ek::BertModel::load(folder);
  auto ids2d = ek::Tensor<std::int64_t>::full({1, std::int64_t(ids.size())}, 0);
  std::copy(ids.begin(), ids.end(), ids2d.data());
  std::vector<std::int64_t> lengths = {std::int64_t(ids.size())};
  std::vector<ek::Tensor<float>> hs = bert.hidden_states(ids2d.cview(), lengths);  // embeddings + every layer
  CHECK(std::int64_t(hs.size()) == bert.num_layers() + 1);
  // The last hidden state is what encode_tokens gives for the same text.
  const auto tokens = model.encode_tokens(std::vector<std::string>{"Hello, world!"});
  REQUIRE(tokens[0].numel() == hs.back().numel());
  for (std::int64_t i = 0; i < tokens[0].numel(); ++i) CHECK(tokens[0].data()[i] == hs.back().data()[i]);
}
