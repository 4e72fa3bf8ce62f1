// BERT's pre-tokenizer (tokenizers' BertPreTokenizer): split normalized text into words on
// White_Space, which is dropped, then cut every punctuation character (ASCII punctuation or
// general category P*) out as a word of its own. "Hello,world!" -> Hello , world !
#pragma once

#include <cstddef>

#include "embedkit/text/bert_normalizer.hpp"
#include "embedkit/text/unicode.hpp"

namespace embedkit {

// Calls on_word(first, last) for each word of chars[0, n), as index ranges [first, last).
template <class OnWord>
void bert_pre_tokenize(const NormalizedChar* chars, std::size_t n, OnWord&& on_word) {
  std::size_t start = 0;  // first character of the current word
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t c = chars[i].cp;
    bool space, punct;
    if (c < 0x80) {
      space = c == U' ' || (c >= U'\t' && c <= U'\r');
      punct = !space && detail::is_bert_punctuation(c);
    } else {
      space = is_white_space(c);
      punct = !space && detail::is_bert_punctuation(c);
    }
    if (!space && !punct) continue;
    if (start < i) on_word(start, i);
    if (punct) on_word(i, i + 1);
    start = i + 1;
  }
  if (start < n) on_word(start, n);
}

}  // namespace embedkit
