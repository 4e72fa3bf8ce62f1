// The two string operations sentence-transformers applies to a text before its tokenizer sees
// it, and the length it sorts by, as Python computes them: str.strip() (Python's whitespace:
// str.isspace) and len() (code points). Texts are UTF-8; the tokenizer rejects invalid UTF-8
// with the byte offset, so these only need to walk valid sequences correctly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace embedkit::detail {

// Python's str.isspace: bidirectional class WS, B or S, or category Zs.
constexpr bool python_isspace(char32_t c) noexcept {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  switch (c) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// The code point starting at s[i] and its length in bytes (1 for a stray byte, which is then
// left for the tokenizer to refuse).
inline char32_t utf8_at(std::string_view s, std::size_t i, std::size_t& len) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + n > s.size()) n = 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) n = 1;
  }
  len = n;
  if (n == 1) return c;
  char32_t cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(i + k) & 0x3F);
  return cp;
}

// str.strip(): the text without leading and trailing Python whitespace.
inline std::string_view python_strip(std::string_view s) noexcept {
  std::size_t begin = 0, len = 0;
  while (begin < s.size() && python_isspace(utf8_at(s, begin, len))) begin += len;
  std::size_t end = begin;
  for (std::size_t i = begin; i < s.size(); i += len) {
    if (!python_isspace(utf8_at(s, i, len))) end = i + len;
  }
  return s.substr(begin, end - begin);
}

// len(str): code points (bytes that do not continue a sequence).
inline std::int64_t python_length(std::string_view s) noexcept {
  std::int64_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace embedkit::detail
