// The body of a binary word2vec file: per row, the word, one space, then dim little-endian
// float32. word2vec.c writes a '\n' after each vector and gensim writes none; like gensim's
// reader, newlines in front of a word are skipped, so both read the same.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/io/detail/binary/reader.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/detail/raw_table.hpp"
#include "embedkit/io/detail/vector_text/scan.hpp"

namespace embedkit::io::detail::word2vec {

// How a walk over the binary rows went: `rows_done` rows of the header's count were whole,
// and `end` is the offset after the last of them. A walk that stopped early says why and where.
struct BinaryWalk {
  enum class Fault { none, no_space, empty_word, short_vector };
  Fault fault = Fault::none;
  std::int64_t rows_done = 0;
  std::size_t end = 0;     // after the last whole row
  std::size_t at = 0;      // the fault's offset
  std::string_view word;   // short_vector: the word whose vector is cut short

  bool ok() const noexcept { return fault == Fault::none; }
};

// Walks `rows` rows from `pos`, calling on_row(row, word, offset of its floats) for each. Never
// throws by itself and never reads outside `file`: a row that is cut short stops the walk.
template <class OnRow>
BinaryWalk walk_binary_rows(std::string_view file, std::size_t pos, std::int64_t rows,
                            std::int64_t dim, OnRow&& on_row) {
  const auto row_bytes = static_cast<std::uint64_t>(dim) * 4;  // dim <= file size: no overflow
  BinaryWalk w;
  for (std::int64_t r = 0; r < rows; ++r) {
    while (pos < file.size() && file[pos] == '\n') ++pos;
    const std::size_t space = file.find(' ', pos);
    w.at = pos;
    if (space == std::string_view::npos) {
      w.fault = BinaryWalk::Fault::no_space;
      return w;
    }
    if (space == pos) {
      w.fault = BinaryWalk::Fault::empty_word;
      return w;
    }
    const std::string_view word = file.substr(pos, space - pos);
    pos = space + 1;
    if (file.size() - pos < row_bytes) {
      w.fault = BinaryWalk::Fault::short_vector;
      w.at = pos;
      w.word = word;
      return w;
    }
    on_row(r, word, pos);
    pos += static_cast<std::size_t>(row_bytes);
    w.rows_done = r + 1;
    w.end = pos;
  }
  w.end = pos;
  return w;
}

// The offset of the first byte after `end` that is not whitespace, or file.size().
inline std::size_t skip_trailing_space(std::string_view file, std::size_t end) noexcept {
  while (end < file.size() && vector_text::is_space(file[end])) ++end;
  return end;
}

// Whether the body from `body` is exactly `rows` binary rows of `dim` float32 (then only
// whitespace): what parse_binary accepts. Format detection asks this of the declared sizes,
// never of the bytes inside the vectors.
inline bool binary_layout_fits(std::string_view file, std::size_t body, std::int64_t rows,
                               std::int64_t dim) noexcept {
  const BinaryWalk w = walk_binary_rows(file, body, rows, dim, [](auto&&...) noexcept {});
  return w.ok() && skip_trailing_space(file, w.end) == file.size();
}

// The format_error for a walk that stopped early.
[[noreturn]] inline void raise_walk_fault(const BinaryWalk& w, std::string_view file,
                                          std::int64_t rows, std::int64_t dim,
                                          const char* format) {
  std::string what;
  switch (w.fault) {
    case BinaryWalk::Fault::no_space:
      what = "truncated: expected a word and a space, but the file ends (the header declares " +
             std::to_string(rows) + " rows)";
      break;
    case BinaryWalk::Fault::empty_word:
      what = "empty word (a space where the word should start)";
      break;
    case BinaryWalk::Fault::short_vector:
      what = "truncated: the vector of '" + std::string(vector_text::clip(w.word)) + "' needs " +
             std::to_string(static_cast<std::uint64_t>(dim) * 4) + " bytes, only " +
             std::to_string(file.size() - w.at) + " remain";
      break;
    case BinaryWalk::Fault::none:
      what = "internal error: no fault";
      break;
  }
  embedkit::detail::raise<format_error>(std::string(format) + ": row " +
                                            std::to_string(w.rows_done + 1) + " (byte " +
                                            std::to_string(w.at) + "): " + what,
                                        static_cast<std::int64_t>(w.at));
}

inline RawTable parse_binary(std::string_view file, std::size_t body, std::int64_t rows,
                             std::int64_t dim, ProgressSink& progress, const char* format) {
  const std::size_t avail = file.size() - body;
  const auto row_bytes = static_cast<std::uint64_t>(dim) * 4;
  // Each row is at least a 1-byte word, a space and its floats: a body shorter than that
  // cannot hold the rows, and the table is not allocated for them.
  if (rows > 0 && (static_cast<std::uint64_t>(dim) > avail / 4 ||
                   static_cast<std::uint64_t>(rows) > avail / (row_bytes + 2))) {
    // The walk stops at the first row that is cut short, which is the precise error.
    const BinaryWalk w = walk_binary_rows(file, body, rows, dim, [](auto&&...) noexcept {});
    if (!w.ok()) raise_walk_fault(w, file, rows, dim, format);
    embedkit::detail::raise<format_error>(
        std::string(format) + ": the header declares " + std::to_string(rows) + " rows of " +
            std::to_string(dim) + " float32 (at least " + std::to_string(row_bytes + 2) +
            " bytes each), but only " + std::to_string(avail) + " bytes follow it",
        static_cast<std::int64_t>(body));
  }
  RawTable t;
  t.words.resize(static_cast<std::size_t>(rows));
  t.vectors = Tensor<float>::empty({rows, dim});
  float* const out = t.vectors.data();
  std::size_t reported = body;
  const BinaryWalk walk = walk_binary_rows(
      file, body, rows, dim,
      [&](std::int64_t r, std::string_view word, std::size_t at) {
        t.words[static_cast<std::size_t>(r)] = word;
        float* row = out + r * dim;
        std::memcpy(row, file.data() + at, static_cast<std::size_t>(row_bytes));
        if constexpr (std::endian::native == std::endian::big) {
          for (std::int64_t j = 0; j < dim; ++j) row[j] = byteswap_if_big_endian(row[j]);
        }
        if (at - reported >= (std::size_t{1} << 22)) {
          progress.add(at - reported);
          reported = at;
          if (!progress.report()) progress.rethrow_if_cancelled();
        }
      });
  if (!walk.ok()) raise_walk_fault(walk, file, rows, dim, format);
  progress.add(file.size() - reported);
  // What follows the last row may only be the last row's newline (and blank padding).
  const std::size_t rest = skip_trailing_space(file, walk.end);
  if (rest != file.size()) {
    embedkit::detail::raise<format_error>(std::string(format) + ": byte " +
                                              std::to_string(rest) + ": data after the " +
                                              std::to_string(rows) + " rows the header declares",
                                          static_cast<std::int64_t>(rest));
  }
  return t;
}

}  // namespace embedkit::io::detail::word2vec
