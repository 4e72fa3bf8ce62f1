// BertTokenizer against outputs the Hugging Face libraries themselves publish for the
// bert-base-uncased vocabulary, which all-MiniLM-L6-v2 ships (tests/data/text/minilm/vocab.txt):
// the quick tour of the tokenizers documentation (BertWordPieceTokenizer, uncased) and the
// transformers BertTokenizer example. Offsets there count Python characters; embedkit's count
// bytes, so the emoji (4 bytes) shifts the last piece by 3.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <embedkit/text/bert_tokenizer.hpp>

namespace ek = embedkit;

TEST_CASE("BertTokenizer: the ids and offsets Hugging Face publishes for bert-base-uncased") {
  const auto tok = ek::BertTokenizer::load(std::filesystem::path(EMBEDKIT_TEST_DATA_DIR) / "text" / "minilm");

  // tokenizers' quick tour: "Hello, y'all! How are you 😁 ?"
  const std::string text = "Hello, y'all! How are you \xF0\x9F\x98\x81 ?";
  const ek::Encoding e = tok.encode_with_offsets(text);
  CHECK(e.ids == std::vector<std::int64_t>{101, 7592, 1010, 1061, 1005, 2035, 999, 2129, 2024, 2017, 100, 1029, 102});
  const std::vector<std::pair<std::size_t, std::size_t>> offsets = {
      {0, 0}, {0, 5}, {5, 6}, {7, 8}, {8, 9}, {9, 12}, {12, 13}, {14, 17}, {18, 21}, {22, 25}, {26, 30}, {31, 32}, {0, 0}};
  CHECK(e.offsets == offsets);
  CHECK(text.substr(e.offsets[10].first, e.offsets[10].second - e.offsets[10].first) == "\xF0\x9F\x98\x81");
  CHECK(tok.tokenize(text) == std::vector<std::string>{"hello", ",", "y", "'", "all", "!", "how", "are", "you", "[UNK]", "?"});

  // The same without the emoji (the tokenizers README's BertWordPieceTokenizer example).
  CHECK(tok.encode("Hello, y'all! How are you?") ==
        std::vector<std::int64_t>{101, 7592, 1010, 1061, 1005, 2035, 999, 2129, 2024, 2017, 1029, 102});

  // transformers' BertTokenizer.from_pretrained("bert-base-uncased")("Hello, world!").
  CHECK(tok.encode("Hello, world!") == std::vector<std::int64_t>{101, 7592, 1010, 2088, 999, 102});
  CHECK(tok.tokenize("Hello, world!") == std::vector<std::string>{"hello", ",", "world", "!"});
}
