// The settings of ek::BertTokenizer (text/bert_tokenizer.hpp) and of one encode call, and the
// Encoding it returns. Separate from the tokenizer so the folder reader
// (text/detail/bert_folder.hpp) can fill them without the tokenizer itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace embedkit {

struct BertTokenizerConfig {
  // BertNormalizer (text/bert_normalizer.hpp).
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool lowercase = true;
  std::optional<bool> strip_accents;  // unset: follows lowercase (Hugging Face's rule)

  std::string unk_token = "[UNK]", cls_token = "[CLS]", sep_token = "[SEP]", pad_token = "[PAD]",
              mask_token = "[MASK]";

  // WordPiece (text/wordpiece.hpp).
  std::string continuing_subword_prefix = "##";
  std::int64_t max_input_chars_per_word = 100;

  // Truncation bound, the [CLS] and [SEP] included (>= 2).
  std::int64_t max_length = 512;

  // The tokens matched in the raw text before normalization (Hugging Face's added tokens with
  // normalized=false, such as "[SEP]" typed in a text), each becoming its own id. Unset: the
  // five tokens above that the vocabulary holds. Every one must be in the vocabulary.
  std::optional<std::vector<std::string>> special_tokens;

  bool resolved_strip_accents() const noexcept { return strip_accents.value_or(lowercase); }
};

enum class TruncationSide { right, left };

struct TokenizeOptions {
  std::optional<std::int64_t> max_length;  // unset: config().max_length; >= 2 with specials
  bool add_special_tokens = true;          // [CLS] ... [SEP]
  TruncationSide truncation = TruncationSide::right;  // right: keep the first pieces
};

struct Encoding {
  std::vector<std::int64_t> ids;
  // Per id, the bytes [begin, end) of the input it came from; {0, 0} for the [CLS] and [SEP]
  // the tokenizer adds. A piece of a word covers the input characters its characters came
  // from (a piece of a decomposed or lowercased character covers that whole character); an
  // unknown word's [UNK] covers the word.
  std::vector<std::pair<std::size_t, std::size_t>> offsets;
};

}  // namespace embedkit
