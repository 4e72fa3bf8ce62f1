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

// Walks `rows` rows from `pos`, calling on_row(row, word, offset of its floats) for each, and
// returns the offset after the last. A row that is cut short raises format_error.
template <class OnRow>
std::size_t walk_binary_rows(std::string_view file, std::size_t pos, std::int64_t rows,
                             std::int64_t dim, const char* format, OnRow&& on_row) {
  const auto row_bytes = static_cast<std::uint64_t>(dim) * 4;
  const auto fail = [&](std::size_t at, std::int64_t row, const std::string& what) {
    embedkit::detail::raise<format_error>(std::string(format) + ": row " +
                                              std::to_string(row + 1) + " (byte " +
                                              std::to_string(at) + "): " + what,
                                          static_cast<std::int64_t>(at));
  };
  for (std::int64_t r = 0; r < rows; ++r) {
    while (pos < file.size() && file[pos] == '\n') ++pos;
    const std::size_t space = file.find(' ', pos);
    if (space == std::string_view::npos) {
      fail(pos, r, "truncated: expected a word and a space, but the file ends (the header "
                   "declares " + std::to_string(rows) + " rows)");
    }
    if (space == pos) fail(pos, r, "empty word (a space where the word should start)");
    const std::string_view word = file.substr(pos, space - pos);
    pos = space + 1;
    if (file.size() - pos < row_bytes) {
      fail(pos, r,
           "truncated: the vector of '" + std::string(vector_text::clip(word)) + "' needs " +
               std::to_string(row_bytes) + " bytes, only " + std::to_string(file.size() - pos) +
               " remain");
    }
    on_row(r, word, pos);
    pos += static_cast<std::size_t>(row_bytes);
  }
  return pos;
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
    walk_binary_rows(file, body, rows, dim, format, [](auto&&...) {});
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
  const std::size_t end = walk_binary_rows(
      file, body, rows, dim, format,
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
  progress.add(file.size() - reported);
  // What follows the last row may only be the last row's newline (and blank padding).
  std::size_t rest = end;
  while (rest < file.size() && vector_text::is_space(file[rest])) ++rest;
  if (rest != file.size()) {
    embedkit::detail::raise<format_error>(std::string(format) + ": byte " +
                                              std::to_string(rest) + ": data after the " +
                                              std::to_string(rows) + " rows the header declares",
                                          static_cast<std::int64_t>(rest));
  }
  return t;
}

}  // namespace embedkit::io::detail::word2vec
