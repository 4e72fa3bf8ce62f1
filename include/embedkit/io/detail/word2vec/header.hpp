// The "<rows> <dim>" line that opens word2vec files (text and binary alike) and fastText .vec
// files, checked against the file's size before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/vector_text/scan.hpp"

namespace embedkit::io::detail::word2vec {

struct Header {
  std::int64_t rows = 0;
  std::int64_t dim = 0;
  std::size_t body = 0;  // offset of the byte after the header's '\n'
};

// The header line's tokens if it is exactly two non-negative integers.
inline bool parse_counts(std::string_view line, std::int64_t& a, std::int64_t& b) noexcept {
  using namespace vector_text;
  const char* p = skip_blanks(line.data(), line.data() + line.size());
  const char* const e = line.data() + line.size();
  const char* t1 = token_end(p, e);
  const char* q = skip_blanks(t1, e);
  const char* t2 = token_end(q, e);
  if (skip_blanks(t2, e) != e || p == t1 || q == t2) return false;
  return parse_count(std::string_view(p, static_cast<std::size_t>(t1 - p)), a) &&
         parse_count(std::string_view(q, static_cast<std::size_t>(t2 - q)), b);
}

inline Header parse_header(std::string_view file, const char* format) {
  const std::size_t nl = file.find('\n');
  const std::string_view line = file.substr(0, nl);
  Header h;
  const auto fail = [&](const std::string& what) {
    embedkit::detail::raise<format_error>(std::string(format) + ": line 1: " + what, 0, 1, 1);
  };
  if (!parse_counts(line, h.rows, h.dim)) {
    fail("expected the header '<rows> <dim>' (two non-negative integers), found '" +
         std::string(vector_text::clip(line)) + "'");
  }
  if (h.dim == 0) fail("the header declares dim 0; vectors need at least one number");
  // A row takes more than one byte per number and per word, so neither count can exceed the
  // file's size in a genuine file (dim matters only when there are rows).
  if (static_cast<std::uint64_t>(h.rows) > file.size() ||
      (h.rows > 0 && static_cast<std::uint64_t>(h.dim) > file.size())) {
    fail("the header declares " + std::to_string(h.rows) + " rows of dim " +
         std::to_string(h.dim) + ", more than a file of " + std::to_string(file.size()) +
         " bytes can hold");
  }
  h.body = nl == std::string_view::npos ? file.size() : nl + 1;
  return h;
}

}  // namespace embedkit::io::detail::word2vec
