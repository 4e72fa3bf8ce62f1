// Where a parse error is: byte offset, 1-based line and column (columns count code points),
// and how the message says it: "<what> at line 3, column 7 (byte 41)[: found <token>]".
// Positions are computed only when an error is raised, so parsing never pays for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/json/detail/utf8.hpp"

namespace embedkit::json::detail {

// Where the parsed text starts within the larger input it came from (a line of a JSON Lines
// file, the header of a safetensors file), so positions are reported in the whole input.
struct text_origin {
  std::int64_t byte = 0;
  std::int64_t line = 1;
  std::int64_t column = 1;
  std::string_view prefix{};  // put before messages, e.g. "safetensors: 'model.safetensors': "
};

// "'x'" for printable ASCII, "byte 0xNN" otherwise, "end of input" at the end.
inline std::string describe_found(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "end of input";
  const auto c = static_cast<unsigned char>(text[offset]);
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
  return buf;
}

[[noreturn]] inline void raise_format_error_at(std::string_view text, std::size_t offset,
                                               const text_origin& origin,
                                               const std::string& what, bool show_found) {
  if (offset > text.size()) offset = text.size();
  std::int64_t line = origin.line;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::int64_t base_column = line_start == 0 ? origin.column : 1;
  const std::int64_t column =
      base_column + utf8_length(text.data() + line_start, text.data() + offset);
  const std::int64_t byte = origin.byte + static_cast<std::int64_t>(offset);
  std::string msg = std::string(origin.prefix) + what + " at line " + std::to_string(line) + ", column " +
                    std::to_string(column) + " (byte " + std::to_string(byte) + ")";
  if (show_found) msg += ": found " + describe_found(text, offset);
  embedkit::detail::raise<format_error>(msg, byte, line, column);
}

}  // namespace embedkit::json::detail
