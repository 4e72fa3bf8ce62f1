// ek::BertTokenizer: text -> BERT token ids exactly as Hugging Face's fast BertTokenizer (the
// one sentence-transformers loads) computes them.
//
//   auto tok = ek::BertTokenizer::load("all-MiniLM-L6-v2");     // vocab.txt + json settings
//   std::vector<std::int64_t> ids = tok.encode("Hello, world!");  // 101 7592 1010 2088 999 102
//   ek::Encoding e = tok.encode_with_offsets(text, {.max_length = 128});
//
// The pipeline, one seam per header:
//   1. special tokens typed in the text ("[SEP]") are cut out first, on the raw text
//      (detail/special_tokens.hpp); the text between them goes through 2-4 on its own;
//   2. BertNormalizer (bert_normalizer.hpp): clean, pad CJK, strip accents, lowercase;
//   3. the pre-tokenizer (bert_pre_tokenizer.hpp): split on whitespace and punctuation;
//   4. WordPiece (wordpiece.hpp): greedy longest-match pieces, [UNK] for unknown words;
//   5. [CLS] pieces [SEP], truncated to max_length (right: the first max_length - 2 pieces;
//      left: the last ones).
//
// Text must be valid UTF-8: anything else is an ek::value_error naming the byte offset
// (text/utf8.hpp). The tokenizer is immutable once built; its const members may be called from
// several threads at once. Right truncation stops tokenizing once enough pieces are found, so
// a long text costs only its kept prefix.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/text/bert_config.hpp"
#include "embedkit/text/bert_normalizer.hpp"
#include "embedkit/text/bert_pre_tokenizer.hpp"
#include "embedkit/text/detail/bert_folder.hpp"
#include "embedkit/text/detail/special_tokens.hpp"
#include "embedkit/text/utf8.hpp"
#include "embedkit/text/vocabulary.hpp"
#include "embedkit/text/wordpiece.hpp"

namespace embedkit {

class BertTokenizer {
 public:
  // A model folder: vocab.txt (required), and tokenizer_config.json, special_tokens_map.json
  // and tokenizer.json when present, read as transformers does (later files win; tokenizer.json's
  // normalizer, model and added tokens win over the rest). Errors name the file and the field;
  // see text/detail/bert_folder.hpp for what is read and what is refused.
  static BertTokenizer load(const std::filesystem::path& folder) {
    detail::BertFolder f = detail::read_bert_folder(folder);
    return BertTokenizer(std::move(f.vocab), std::move(f.config));
  }

  // ek::value_error when a token the config names (unk, cls, sep, pad, a special token) is
  // not in the vocabulary, or a number is out of range.
  explicit BertTokenizer(Vocabulary vocab, BertTokenizerConfig config = {})
      : vocab_(std::move(vocab)),
        config_(std::move(config)),
        normalizer_(BertNormalizerOptions{config_.clean_text, config_.handle_chinese_chars,
                                          config_.resolved_strip_accents(), config_.lowercase}),
        wordpiece_(vocab_, config_.unk_token, config_.continuing_subword_prefix,
                   config_.max_input_chars_per_word) {
    cls_id_ = required_id(config_.cls_token, "cls_token");
    sep_id_ = required_id(config_.sep_token, "sep_token");
    pad_id_ = required_id(config_.pad_token, "pad_token");
    unk_id_ = required_id(config_.unk_token, "unk_token");
    check_max_length(config_.max_length, true, "BertTokenizerConfig::max_length");
    std::vector<std::pair<std::string, std::int64_t>> specials;
    if (config_.special_tokens) {
      for (const std::string& t : *config_.special_tokens) {
        if (t.empty()) detail::raise<value_error>("BertTokenizer: empty special token");
        specials.emplace_back(t, required_id(t, "special_tokens"));
      }
    } else {
      for (const std::string* t : {&config_.pad_token, &config_.unk_token, &config_.cls_token,
                                   &config_.sep_token, &config_.mask_token}) {
        if (auto id = vocab_.find(*t); id && !t->empty()) specials.emplace_back(*t, *id);
      }
    }
    for (const auto& s : specials) {
      if (!is_valid_utf8(s.first)) {
        detail::raise<value_error>("BertTokenizer: special token '" + s.first +
                                   "' is not valid UTF-8");
      }
    }
    specials_ = detail::SpecialTokenMatcher(std::move(specials));
  }

  // Token ids: [CLS] pieces [SEP] (options.add_special_tokens), truncated to
  // options.max_length (default config().max_length).
  std::vector<std::int64_t> encode(std::string_view text,
                                   const TokenizeOptions& options = {}) const {
    std::vector<std::int64_t> ids;
    run(text, options, ids, nullptr);
    return ids;
  }

  // The ids and, per id, the input bytes it came from (Encoding).
  Encoding encode_with_offsets(std::string_view text, const TokenizeOptions& options = {}) const {
    Encoding e;
    run(text, options, e.ids, &e.offsets);
    return e;
  }

  // The pieces (vocabulary strings: "hello", "##ing", "[UNK]", a special token typed in the
  // text), without [CLS] / [SEP] and without truncation.
  std::vector<std::string> tokenize(std::string_view text) const {
    std::vector<std::string> out;
    pieces(text, [&](std::int64_t id, std::size_t, std::size_t) {
      out.push_back(vocab_.token(id));
      return true;
    });
    return out;
  }

  // The normalizer's output for the whole text (special tokens are not set apart here).
  std::string normalize(std::string_view text) const { return normalizer_.normalize(text); }

  std::int64_t cls_id() const noexcept { return cls_id_; }
  std::int64_t sep_id() const noexcept { return sep_id_; }
  std::int64_t pad_id() const noexcept { return pad_id_; }
  std::int64_t unk_id() const noexcept { return unk_id_; }
  const Vocabulary& vocabulary() const noexcept { return vocab_; }
  const BertTokenizerConfig& config() const noexcept { return config_; }
  const BertNormalizer& normalizer() const noexcept { return normalizer_; }
  const WordPiece& wordpiece() const noexcept { return wordpiece_; }

  // The default truncation bound (a sentence model sets its max_seq_length here); >= 2.
  void set_max_length(std::int64_t max_length) {
    check_max_length(max_length, true, "BertTokenizer::set_max_length");
    config_.max_length = max_length;
  }

 private:
  std::int64_t required_id(const std::string& token, const char* field) const {
    if (auto id = vocab_.find(token)) return *id;
    detail::raise<value_error>(std::string("BertTokenizer: ") + field + " '" + token +
                               "' is not in the vocabulary (" + std::to_string(vocab_.size()) +
                               " tokens)");
  }

  static void check_max_length(std::int64_t n, bool specials, const char* where) {
    const std::int64_t least = specials ? 2 : 0;
    if (n < least) {
      detail::raise<value_error>(std::string(where) + ": max_length is " + std::to_string(n) +
                                 "; it must be >= " + std::to_string(least) +
                                 (specials ? " (room for [CLS] and [SEP])" : ""));
    }
  }

  // Calls on_piece(id, begin, end) for each piece of `text` in order (byte offsets into
  // `text`) until it returns false.
  template <class OnPiece>
  void pieces(std::string_view text, OnPiece&& on_piece) const {
    // Reject invalid UTF-8 before any piece is produced, wherever the bad byte is.
    check_utf8(text);
    std::vector<NormalizedChar> chars;
    std::string word;
    std::vector<std::size_t> char_at;  // byte of `word` -> index of its character in `chars`
    bool go = true;
    auto chunk = [&](std::size_t begin, std::size_t end) {
      chars.clear();
      normalizer_.normalize_into(text.substr(begin, end - begin), begin, chars);
      bert_pre_tokenize(chars.data(), chars.size(), [&](std::size_t first, std::size_t last) {
        if (!go) return;
        word.clear();
        char_at.clear();
        for (std::size_t i = first; i < last; ++i) {
          const std::size_t before = word.size();
          json::detail::append_utf8(word, chars[i].cp);
          char_at.insert(char_at.end(), word.size() - before, i);
        }
        wordpiece_.tokenize(word, [&](std::int64_t id, std::size_t b, std::size_t e) {
          if (!go) return;
          // The input bytes of the piece's characters. They are in input order except after
          // NFD's canonical reordering, so take the least begin and the greatest end.
          std::size_t lo = SIZE_MAX, hi = 0;
          for (std::size_t i = char_at[b]; i <= char_at[e - 1]; ++i) {
            lo = std::min(lo, chars[i].begin);
            hi = std::max(hi, chars[i].end);
          }
          go = on_piece(id, lo, hi);
        });
      });
    };
    // A long segment is normalized and split a chunk at a time, so that right truncation
    // stops early. Chunks end after an ASCII space: the normalizer maps every character on its
    // own except for NFD's reordering of combining marks, which never crosses a space, and a
    // space always separates words.
    auto segment = [&](std::size_t begin, std::size_t end) {
      constexpr std::size_t kChunk = 4096;
      while (go && begin < end) {
        std::size_t stop = end;
        if (end - begin > kChunk) {
          const std::size_t space = text.find(' ', begin + kChunk);
          if (space < end) stop = space + 1;
        }
        chunk(begin, stop);
        begin = stop;
      }
    };
    std::size_t pos = 0;
    while (go && pos <= text.size()) {
      const detail::SpecialTokenMatcher::Match m = specials_.next(text, pos);
      const std::size_t stop = m.length ? m.begin : text.size();
      if (pos < stop) segment(pos, stop);
      if (!m.length || !go) break;
      go = on_piece(m.id, m.begin, m.begin + m.length);
      pos = m.begin + m.length;
    }
  }

  void run(std::string_view text, const TokenizeOptions& options, std::vector<std::int64_t>& ids,
           std::vector<std::pair<std::size_t, std::size_t>>* offsets) const {
    const std::int64_t max_length = options.max_length.value_or(config_.max_length);
    check_max_length(max_length, options.add_special_tokens, "TokenizeOptions::max_length");
    const std::size_t keep =
        static_cast<std::size_t>(max_length) - (options.add_special_tokens ? 2u : 0u);
    const bool right = options.truncation == TruncationSide::right;
    if (options.add_special_tokens) {
      ids.push_back(cls_id_);
      if (offsets) offsets->emplace_back(0, 0);
    }
    const std::size_t first = ids.size();
    std::size_t count = 0;
    pieces(text, [&](std::int64_t id, std::size_t b, std::size_t e) {
      if (right && count == keep) return false;
      ids.push_back(id);
      if (offsets) offsets->emplace_back(b, e);
      ++count;
      return true;
    });
    if (!right && count > keep) {  // left truncation: keep the last `keep` pieces
      const std::size_t drop = count - keep;
      ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(first),
                ids.begin() + static_cast<std::ptrdiff_t>(first + drop));
      if (offsets) {
        offsets->erase(offsets->begin() + static_cast<std::ptrdiff_t>(first),
                       offsets->begin() + static_cast<std::ptrdiff_t>(first + drop));
      }
    }
    if (options.add_special_tokens) {
      ids.push_back(sep_id_);
      if (offsets) offsets->emplace_back(0, 0);
    }
  }

  Vocabulary vocab_;
  BertTokenizerConfig config_;
  BertNormalizer normalizer_;
  WordPiece wordpiece_;
  detail::SpecialTokenMatcher specials_;
  std::int64_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1;
};

}  // namespace embedkit
