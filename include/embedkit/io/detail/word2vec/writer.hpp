// Writes a KeyedVectors as word2vec text or binary. Text numbers are the shortest decimal
// strings that read back to the same float32 (std::to_chars), so text round-trips exactly, as
// gensim's repr()-based writer does. Binary rows follow word2vec.c: the word, a space, the
// little-endian float32, then '\n' (gensim and word2vec.c's own tools read that).
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/binary/reader.hpp"
#include "embedkit/io/detail/vector_text/scan.hpp"
#include "embedkit/io/keyed_vectors.hpp"

namespace embedkit::io::detail::word2vec {

// A word the format cannot carry: empty, or with a separator that would split it on reading.
inline void check_word(const std::string& w) {
  bool bad = w.empty();
  for (char c : w) bad = bad || vector_text::is_space(c);
  if (bad) {
    embedkit::detail::raise<value_error>(
        "save_word2vec: word '" + w +
        "' is empty or contains whitespace, which the word2vec format cannot represent");
  }
}

inline void write(std::ostream& out, const KeyedVectors& kv, bool binary) {
  const std::int64_t n = kv.size(), dim = kv.dim();
  out << n << ' ' << dim << '\n';
  std::string line;
  char num[32];
  std::vector<float> le(static_cast<std::size_t>(dim));
  for (std::int64_t r = 0; r < n; ++r) {
    const std::string& word = kv.vocabulary().token(r);
    check_word(word);
    const auto row = kv.row(r);
    line.assign(word);
    line += ' ';
    if (binary) {
      for (std::size_t j = 0; j < row.size(); ++j) le[j] = byteswap_if_big_endian(row[j]);
      line.append(reinterpret_cast<const char*>(le.data()), le.size() * sizeof(float));
    } else {
      for (std::size_t j = 0; j < row.size(); ++j) {
        if (j) line += ' ';
        const auto res = std::to_chars(num, num + sizeof(num), row[j]);
        line.append(num, res.ptr);
      }
    }
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
}

}  // namespace embedkit::io::detail::word2vec
