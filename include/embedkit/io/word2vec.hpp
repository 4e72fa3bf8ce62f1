// word2vec tables: load_word2vec (text or binary, detected), save_word2vec.
//
//   text:    "<rows> <dim>\n" then one "word v1 ... vD\n" per row
//   binary:  "<rows> <dim>\n" then per row "word " + dim little-endian float32
//            (+ '\n' in files word2vec.c wrote; gensim writes none: both are read)
//
// Detection reads the header, then the first row: a word followed by exactly dim numbers on
// one line is text; so is a first line that is printable ASCII after its word (a text row with
// an error, reported as such); anything else is binary. Word2VecOptions::format forces one or
// the other.
//
// Validation: the header must be two integers with dim > 0 and counts the file's size can
// hold; the body must hold exactly `rows` rows, each with exactly `dim` numbers (text) or
// dim * 4 bytes (binary); nothing but whitespace may follow. Errors are ek::format_error with
// the byte offset (and line and column for text). Words are bytes: no UTF-8 check is made.
// A word that appears twice keeps its first row (as gensim), or raises with
// Duplicates::error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/io/detail/keyed/assemble.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/detail/vector_text/load.hpp"
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

// Whether the body is text. It is when the first row reads as a word and exactly dim numbers;
// it is also taken as text (so that its error is reported as a text error) when everything
// after the first word on that line is printable ASCII, which dim * 4 bytes of binary float32
// practically never are.
inline bool body_is_text(std::string_view file, const Header& h) {
  const char* p = file.data() + h.body;
  const char* e = vector_text::line_end(p, file.data() + file.size());
  // A text row of dim numbers has at least 2 * dim + 1 bytes (which also bounds the scratch
  // row below by the line's length).
  if (static_cast<std::uint64_t>(e - p) >= 2 * static_cast<std::uint64_t>(h.dim) + 1) {
    std::vector<float> scratch(static_cast<std::size_t>(h.dim));
    std::string_view word;
    vector_text::table_detail::RowError err;
    if (vector_text::table_detail::parse_row(p, e, h.dim, false, word, scratch.data(), err)) {
      return true;
    }
  }
  // A binary row's word ends at a space; a word ending the line cannot start one.
  const char* q = vector_text::token_end(vector_text::skip_blanks(p, e), e);
  for (; q != e; ++q) {
    const auto c = static_cast<unsigned char>(*q);
    if (!(vector_text::is_blank(*q) || (c >= 0x20 && c < 0x7F))) return false;
  }
  return true;
}

// `header_format` and `text_format` name the format in messages ("word2vec" and
// "word2vec text", or "fastText .vec" for both).
inline KeyedVectors load(std::string_view file, const Word2VecOptions& options,
                         const char* header_format, const char* text_format) {
  const Header h = parse_header(file, header_format);
  bool text_body = options.format == Word2VecFormat::text;
  if (options.format == Word2VecFormat::detect) {
    text_body = h.rows == 0 || body_is_text(file, h);
  }
  if (text_body) {  // word2vec text (also fastText .vec) after its header
    vector_text::TableRequest req;
    req.file = file;
    req.body_begin = h.body;
    req.first_line = 2;
    req.rows = h.rows;
    req.dim = h.dim;
    req.format = text_format;
    return vector_text::load_table(req, options.duplicates, options.progress);
  }
  ProgressSink progress(options.progress, file.size());
  RawTable raw = parse_binary(file, h.body, h.rows, h.dim, progress, "word2vec binary");
  KeyedVectors kv =
      keyed::assemble(raw, options.duplicates, "word2vec binary", [&](std::int64_t row) {
        const std::int64_t at = raw.words[static_cast<std::size_t>(row)].data() - file.data();
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
// whitespace cannot be written (ek::value_error); write failures raise ek::io_error.
inline void save_word2vec(const std::filesystem::path& path, const KeyedVectors& kv,
                          bool binary = false) {
  detail::write_with(path, [&](std::ofstream& out) { detail::word2vec::write(out, kv, binary); });
}

}  // namespace embedkit::io
