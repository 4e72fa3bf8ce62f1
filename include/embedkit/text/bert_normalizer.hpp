// ek::BertNormalizer: BERT's text normalization as Hugging Face's fast tokenizer does it
// (tokenizers' BertNormalizer, which sentence-transformers uses), step by step in this order:
//
//   clean_text            drop U+0000, U+FFFD and control characters -- general category Cc,
//                         Cf or Co, except \t \n \r -- then turn whitespace (\t \n \r and
//                         White_Space) into ' '. The drop comes first, so U+000B, U+000C and
//                         U+0085 (Cc and White_Space) vanish rather than become spaces.
//   handle_chinese_chars  ' ' on both sides of each CJK ideograph (detail::is_chinese_char).
//   strip_accents         NFD (canonical decomposition and ordering), then drop nonspacing
//                         marks (Mn). Before lowercasing, as the Rust normalizer orders it.
//   lowercase             each character's full lowercase mapping, no context: U+0130 becomes
//                         "i\u0307" (when accents are kept) and U+03A3 always U+03C3.
//
// Every output character remembers the bytes of the input it came from (NormalizedChar), which
// is how token offsets are traced back to the text. The character classes are the Unicode
// 15.0 tables (text/unicode.hpp); Hugging Face reads its categories from the
// unicode_categories crate, whose tables are older, so characters assigned or recategorised
// since can differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/text/unicode.hpp"
#include "embedkit/text/utf8.hpp"

namespace embedkit {

// The normalizer's switches, resolved (BertTokenizerConfig's strip_accents may be unset and
// follow lowercase; here it is decided).
struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

// A character of normalized text and the input bytes [begin, end) it came from.
struct NormalizedChar {
  char32_t cp;
  std::size_t begin;
  std::size_t end;
};

namespace detail {

// \t \n \r and White_Space (tokenizers' is_whitespace).
inline bool is_bert_whitespace(char32_t c) noexcept {
  return c == U'\t' || c == U'\n' || c == U'\r' || is_white_space(c);
}

// Cc, Cf and Co except \t \n \r (tokenizers' is_control: unicode_categories' is_other, which
// is Cc | Cf | Co; unassigned code points and surrogates are not in it).
inline bool is_bert_control(char32_t c) noexcept {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  const GeneralCategory g = general_category(c);
  return g == GeneralCategory::Cc || g == GeneralCategory::Cf || g == GeneralCategory::Co;
}

// The CJK ideograph blocks tokenizers' is_chinese_char lists. The Rust ranges start extension
// E's block at U+2B920 (the Python tokenizer's at U+2B820): U+2B820..U+2B91F is not padded.
inline bool is_chinese_char(char32_t c) noexcept {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// ASCII punctuation (33-47, 58-64, 91-96, 123-126, which includes symbols such as $ + < = >
// ^ ` | ~) or general category P* (tokenizers' is_bert_punc).
inline bool is_bert_punctuation(char32_t c) noexcept {
  if (c < 0x80) {
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
  }
  return is_punctuation(c);
}

}  // namespace detail

class BertNormalizer {
 public:
  explicit BertNormalizer(BertNormalizerOptions options = {}) : options_(options) {}

  const BertNormalizerOptions& options() const noexcept { return options_; }

  // Appends the normalized characters of `text` to `out`, each with the input bytes it came
  // from shifted by `base` (the offset of `text` in a larger input). ek::value_error naming
  // the byte on invalid UTF-8.
  void normalize_into(std::string_view text, std::size_t base,
                      std::vector<NormalizedChar>& out) const {
    // A run of non-starters (combining class > 0) waiting for canonical ordering: under NFD a
    // non-starter may move left past non-starters of a higher class, never past a starter.
    std::vector<NormalizedChar> pending;
    auto ccc = [](const NormalizedChar& c) { return canonical_combining_class(c.cp); };
    auto emit = [&](char32_t cp, std::size_t b, std::size_t e) {  // accents stripped, lowercase
      if (options_.strip_accents && is_nonspacing_mark(cp)) return;
      if (!options_.lowercase) {
        out.push_back({cp, b, e});
        return;
      }
      char32_t l[3];
      const int n = lowercase_full(cp, l);
      for (int k = 0; k < n; ++k) out.push_back({l[k], b, e});
    };
    auto flush = [&] {
      for (const NormalizedChar& c : pending) emit(c.cp, c.begin, c.end);
      pending.clear();
    };
    auto decompose = [&](char32_t cp, std::size_t b, std::size_t e) {  // NFD + the rest
      if (!options_.strip_accents) {
        emit(cp, b, e);
        return;
      }
      char32_t d[4];
      const int n = canonical_decomposition(cp, d);
      for (int k = 0; k < n; ++k) {
        if (canonical_combining_class(d[k]) == 0) {
          flush();
          emit(d[k], b, e);
        } else {
          pending.push_back({d[k], b, e});
          detail::canonical_order_last(pending, ccc);
        }
      }
    };
    for_each_code_point(text, [&](char32_t cp, std::size_t off, std::size_t len) {
      const std::size_t b = base + off, e = b + len;
      if (cp < 0x80) {  // ASCII: a starter with no decomposition, never Mn nor CJK
        if (options_.clean_text) {
          if (cp == U'\t' || cp == U'\n' || cp == U'\r') {
            cp = U' ';
          } else if (cp < 0x20 || cp == 0x7F) {
            return;  // NUL and the other C0 controls, DEL
          }
        }
        if (!pending.empty()) flush();
        if (options_.lowercase && cp >= U'A' && cp <= U'Z') cp += 32;
        out.push_back({cp, b, e});
        return;
      }
      if (options_.clean_text) {
        if (cp == 0xFFFD || detail::is_bert_control(cp)) return;
        if (detail::is_bert_whitespace(cp)) cp = U' ';
      }
      if (options_.handle_chinese_chars && detail::is_chinese_char(cp)) {
        decompose(U' ', b, e);
        decompose(cp, b, e);
        decompose(U' ', b, e);
        return;
      }
      decompose(cp, b, e);
    });
    flush();
  }

  // The normalized text (UTF-8).
  std::string normalize(std::string_view text) const {
    std::vector<NormalizedChar> chars;
    chars.reserve(text.size());
    normalize_into(text, 0, chars);
    std::string out;
    out.reserve(chars.size());
    for (const NormalizedChar& c : chars) json::detail::append_utf8(out, c.cp);
    return out;
  }

 private:
  BertNormalizerOptions options_;
};

}  // namespace embedkit
