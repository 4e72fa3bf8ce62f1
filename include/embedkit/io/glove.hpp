// GloVe tables: text, one "word v1 ... vD" per line, no header. dim is the number of values on
// the first line; every other line must have as many.
//
// A first line of exactly two non-negative integers "<rows> <dim>" whose second line has dim
// numbers is taken as a word2vec-style header (files converted with gensim's glove2word2vec
// have one); its row count is then checked like word2vec's. (A one-dimensional table whose
// first word is an integer is therefore read as having a header.)
//
// GloveOptions::words_with_spaces reads everything in front of a line's last dim values as the
// word (glove.840B.300d has a few such words); dim then still comes from the first line, whose
// word must not contain a space.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/vector_text/load.hpp"
#include "embedkit/io/detail/vector_text/scan.hpp"
#include "embedkit/io/detail/vector_text/table.hpp"
#include "embedkit/io/detail/word2vec/header.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/mapped_file.hpp"
#include "embedkit/io/table_options.hpp"

namespace embedkit::io {

struct GloveOptions {
  Duplicates duplicates = Duplicates::keep_first;
  bool words_with_spaces = false;
  Progress progress = {};
};

namespace detail::glove {

inline std::int64_t count_tokens(const char* p, const char* e) noexcept {
  std::int64_t n = 0;
  using namespace vector_text;
  for (p = skip_blanks(p, e); p != e; p = skip_blanks(token_end(p, e), e)) ++n;
  return n;
}

}  // namespace detail::glove

// Parses a GloVe file held in memory.
inline KeyedVectors glove_from_bytes(std::string_view bytes, const GloveOptions& options = {}) {
  using namespace detail;
  const char* const base = bytes.data();
  const char* const end = base + bytes.size();
  const char* const first = vector_text::skip_blanks(base, end);
  if (vector_text::trim_end(base, end) == base) {
    embedkit::detail::raise<format_error>("GloVe: the file has no rows", 0, 1, 1);
  }
  vector_text::TableRequest req;
  req.file = bytes;
  req.format = "GloVe";
  req.words_with_spaces = options.words_with_spaces;
  const char* const le1 = vector_text::line_end(base, end);
  std::int64_t rows = 0, dim = 0;
  bool header = false;
  if (word2vec::parse_counts(std::string_view(base, static_cast<std::size_t>(le1 - base)), rows,
                             dim) &&
      le1 != end && dim > 0) {
    const char* const l2 = le1 + 1;
    // (tokens - 1 == dim, not tokens == dim + 1: dim may be any int64 the header holds)
    header = glove::count_tokens(l2, vector_text::line_end(l2, end)) - 1 == dim;
  }
  if (header) {
    const word2vec::Header h = word2vec::parse_header(bytes, "GloVe");
    req.body_begin = h.body;
    req.first_line = 2;
    req.rows = h.rows;
    req.dim = h.dim;
  } else {
    const std::int64_t tokens = glove::count_tokens(base, le1);
    if (tokens < 2) {
      vector_text::fail_at(req, first, base, 1,
                           "expected a word and at least one number on the first line (GloVe "
                           "has no header; dim is the first line's count of numbers)");
    }
    req.dim = tokens - 1;
  }
  return vector_text::load_table(req, options.duplicates, options.progress);
}

// Loads a GloVe text file (memory-mapped, parsed in parallel).
inline KeyedVectors load_glove(const std::filesystem::path& path,
                               const GloveOptions& options = {}) {
  const auto file = MappedFile::open(path);
  return glove_from_bytes(file.text(), options);
}

}  // namespace embedkit::io
