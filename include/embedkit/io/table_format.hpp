// Which pretrained-table format a file holds, told from its first bytes:
//
//   const ek::io::TableFormat f = ek::io::detect_table_format(first_bytes);
//
// fastText's magic number makes a fastText .bin model (TableFormat::fasttext, load_fasttext);
// a first line of exactly two non-negative integers "<rows> <dim>" a word2vec file, text or
// binary (TableFormat::word2vec, load_word2vec; fastText .vec files and GloVe files converted by
// gensim's glove2word2vec have that header too, and load_word2vec reads them); anything else a
// GloVe file (TableFormat::glove, load_glove). A name does not promise a valid file: the
// loader checks the rest.
#pragma once

#include <cstdint>
#include <string_view>

#include "embedkit/io/detail/fasttext/bin.hpp"
#include "embedkit/io/detail/word2vec/header.hpp"

namespace embedkit::io {

enum class TableFormat { word2vec, glove, fasttext };

// `head` is the start of the file (or all of it): only the first four bytes and the first
// line are looked at, so a few hundred bytes do (a first line cut short reads as GloVe unless
// what is left of it is two integers).
inline TableFormat detect_table_format(std::string_view head) noexcept {
  if (detail::fasttext::has_magic(head)) return TableFormat::fasttext;
  std::int64_t rows = 0, dim = 0;
  if (detail::word2vec::parse_counts(head.substr(0, head.find('\n')), rows, dim)) {
    return TableFormat::word2vec;
  }
  return TableFormat::glove;
}

}  // namespace embedkit::io
