// The one-token-per-line vocabulary form (BERT's vocab.txt, word lists): the id of a token is
// the 0-based index of its line. A '\r' before the '\n' is dropped (CRLF files); the final
// newline is optional, as are blank lines after the last token; everything else on a line,
// spaces included, is the token. An empty line between tokens is an error rather than an
// empty token, since it is almost always a stray blank line that would shift every later id;
// so is a token that still ends in '\r' once the line end is dropped ("a\r\r\n", a line end
// converted twice), which this form could not write back (its reader would drop the '\r').
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"

namespace embedkit::io::detail::vocab {

// Calls on_token(token, line, byte_offset) for each line.
template <class OnToken>
void parse_lines(std::string_view text, OnToken&& on_token) {
  std::size_t pos = 0;
  std::int64_t line = 1;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view token = text.substr(pos, end - pos);
    if (!token.empty() && token.back() == '\r') token.remove_suffix(1);
    // Blank lines at the very end (an editor's extra newline) shift nothing.
    if (text.find_first_not_of("\r\n", pos) == std::string_view::npos) break;
    if (token.empty()) {
      embedkit::detail::raise<format_error>(
          "vocabulary: line " + std::to_string(line) +
              " is empty (one token per line is expected; an empty line would shift later ids)",
          static_cast<std::int64_t>(pos), line, 1);
    }
    if (token.back() == '\r') {
      embedkit::detail::raise<format_error>(
          "vocabulary: line " + std::to_string(line) +
              " ends in two '\\r' (its token would end in '\\r', which this form cannot write "
              "back: a line end converted twice?)",
          static_cast<std::int64_t>(pos), line, 1);
    }
    on_token(token, line, static_cast<std::int64_t>(pos));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++line;
  }
}

// A token the line form cannot carry raises ek::value_error.
inline void check_line_token(const std::string& t) {
  if (t.find('\n') != std::string::npos || (!t.empty() && t.back() == '\r')) {
    embedkit::detail::raise<value_error>(
        "Vocabulary: token '" + t +
        "' contains a newline or ends in '\\r': the one-token-per-line form cannot hold it; "
        "save it as JSON instead");
  }
}

}  // namespace embedkit::io::detail::vocab
