// word2vec tables: load_word2vec (text or binary, detected), save_word2vec.
//
//   text:    "<rows> <dim>\n" then one "word v1 ... vD\n" per row
//   binary:  "<rows> <dim>\n" then per row "word " + dim little-endian float32
//            (+ '\n' in files word2vec.c wrote; gensim writes none: both are read)
//
// Detection decides from the header and the sizes it declares, never from the bytes inside the
// vectors (a binary float may hold any byte, '\n' and ' ' included):
//
//   - a first row that reads as a word and exactly dim numbers means text, unless the body
//     as a whole is not valid text but is exactly `rows` binary rows of dim * 4 bytes (each
//     a word, a space and the floats, optionally a '\n'): then it is binary;
//   - otherwise a body that is exactly `rows` binary rows is binary;
//   - a body that is neither is a broken file, and its error is reported as text or binary
//     by what follows the first word: dim * 4 bytes that contain a control character (other
//     than whitespace) are binary data, anything else a text row.
//
// So a valid file of one kind is never refused for looking like the other. A body valid as
// both (only possible when every vector's bytes happen to spell dim numbers) reads as text.
// Word2VecOptions::format forces one or the other.
//
// Validation: the header must be two integers with dim > 0 and counts the file's size can
// hold; the body must hold exactly `rows` rows, each with exactly `dim` numbers (text) or
// dim * 4 bytes (binary); nothing but whitespace may follow. Errors are ek::format_error with
// the byte offset (and line and column for text). Words are bytes: no UTF-8 check is made.
// A word that appears twice keeps its first row (as gensim), or raises with
// Duplicates::error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/io/detail/keyed/assemble.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/detail/vector_text/scan.hpp"
#include "embedkit/io/detail/vector_text/table.hpp"
#include "embedkit/io/detail/word2vec/binary.hpp"
#include "embedkit/io/detail/word2vec/header.hpp"
#include "embedkit/io/detail/word2vec/writer.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/mapped_file.hpp"
#include "embedkit/io/table_options.hpp"

namespace embedkit::io {

enum class Word2VecFormat { detect, text, binary };

struct Word2VecOptions {
  Word2VecFormat format = Word2VecFormat::detect;
  Duplicates duplicates = Duplicates::keep_first;
  Progress progress = {};
};

namespace detail::word2vec {

// Whether the first row reads as a word and exactly dim numbers. (A text row of dim numbers
// has at least 2 * dim + 1 bytes, which also bounds the scratch row by the line's length.)
inline bool first_row_is_text(std::string_view file, const Header& h) {
  const char* p = file.data() + h.body;
  const char* e = vector_text::line_end(p, file.data() + file.size());
  if (static_cast<std::uint64_t>(e - p) < 2 * static_cast<std::uint64_t>(h.dim) + 1) {
    return false;
  }
  std::vector<float> scratch(static_cast<std::size_t>(h.dim));
  std::string_view word;
  vector_text::table_detail::RowError err;
  return vector_text::table_detail::parse_row(p, e, h.dim, false, word, scratch.data(), err);
}

// For a body that is neither valid text nor valid binary: whether to report it as binary. It
// is when the dim * 4 bytes after the first word and its separator hold a control character
// other than whitespace, which text never has and binary float32 data almost always has.
inline bool broken_body_looks_binary(std::string_view file, const Header& h) {
  std::size_t p = h.body;
  while (p < file.size() && vector_text::is_space(file[p])) ++p;
  while (p < file.size() && !vector_text::is_space(file[p])) ++p;
  if (p < file.size()) ++p;  // the separator
  const std::size_t n =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(h.dim) * 4, file.size() - p);
  for (std::size_t i = p; i < p + n; ++i) {
    const auto c = static_cast<unsigned char>(file[i]);
    if ((c < 0x20 && !vector_text::is_space(file[i])) || c == 0x7F) return true;
  }
  return false;
}

inline RawTable parse_text_rows(std::string_view file, const Header& h, const char* text_format,
                                ProgressSink& progress) {
  vector_text::TableRequest req;
  req.file = file;
  req.body_begin = h.body;
  req.first_line = 2;
  req.rows = h.rows;
  req.dim = h.dim;
  req.format = text_format;
  return vector_text::parse_table(req, progress);
}

// `header_format` and `text_format` name the format in messages ("word2vec" and
// "word2vec text", or "fastText .vec" for both).
inline KeyedVectors load(std::string_view file, const Word2VecOptions& options,
                         const char* header_format, const char* text_format) {
  const Header h = parse_header(file, header_format);
  const char* const binary_format = "word2vec binary";
  ProgressSink progress(options.progress, file.size());
  bool text = options.format == Word2VecFormat::text;
  std::optional<RawTable> raw;
  if (options.format == Word2VecFormat::detect) {
    if (h.rows == 0) {
      text = true;  // either way the body may only be whitespace
    } else if (first_row_is_text(file, h)) {
      try {
        raw = parse_text_rows(file, h, text_format, progress);
        text = true;
      } catch (const format_error&) {
        // Binary data whose first vector happens to spell numbers: binary if the body is laid
        // out as binary, else the text error stands.
        if (!binary_layout_fits(file, h.body, h.rows, h.dim)) throw;
        text = false;
      }
    } else {
      text = !binary_layout_fits(file, h.body, h.rows, h.dim) &&
             !broken_body_looks_binary(file, h);
    }
  }
  if (!raw) {
    raw = text ? parse_text_rows(file, h, text_format, progress)
               : parse_binary(file, h.body, h.rows, h.dim, progress, binary_format);
  }
  KeyedVectors kv = keyed::assemble(
      *raw, options.duplicates, text ? text_format : binary_format, [&](std::int64_t row) {
        const std::int64_t at = raw->words[static_cast<std::size_t>(row)].data() - file.data();
        if (text) return keyed::RowPlace{"line " + std::to_string(row + 2), at, row + 2};
        return keyed::RowPlace{
            "row " + std::to_string(row + 1) + " (byte " + std::to_string(at) + ")", at, -1};
      });
  progress.finish();
  return kv;
}

}  // namespace detail::word2vec

// Parses a word2vec file held in memory.
inline KeyedVectors word2vec_from_bytes(std::string_view bytes,
                                        const Word2VecOptions& options = {}) {
  return detail::word2vec::load(bytes, options, "word2vec", "word2vec text");
}

// Loads a word2vec file, text or binary (memory-mapped; text is parsed in parallel).
inline KeyedVectors load_word2vec(const std::filesystem::path& path,
                                  const Word2VecOptions& options = {}) {
  const auto file = MappedFile::open(path);
  return word2vec_from_bytes(file.text(), options);
}

// Writes `kv` as word2vec binary (binary = true) or text. Words that are empty or contain
// whitespace cannot be written (ek::value_error); write failures raise ek::io_error. The file
// is written whole or not at all: the rows go to a temporary file beside `path`, renamed over
// it only once everything is written, so an error leaves what was at `path` untouched.
inline void save_word2vec(const std::filesystem::path& path, const KeyedVectors& kv,
                          bool binary = false) {
  detail::write_file_atomically(path,
                                [&](std::ostream& out) { detail::word2vec::write(out, kv, binary); });
}

}  // namespace embedkit::io
