// UTF-8 decoding and encoding as RFC 3629 defines it: the validator refuses overlong forms,
// surrogates (U+D800..U+DFFF) encoded in UTF-8, code points above U+10FFFF and truncated
// sequences, and says which of these it found so parse errors can name it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace embedkit::json::detail {

enum class utf8_status : std::uint8_t {
  ok,
  bad_lead,          // 0x80..0xC1 or 0xF5..0xFF where a sequence must start
  truncated,         // the input ends inside a sequence
  bad_continuation,  // a byte of a sequence is not 0b10xxxxxx
  overlong,          // a shorter encoding of the same code point exists
  surrogate,         // U+D800..U+DFFF, which UTF-8 must not encode
  too_large,         // above U+10FFFF
};

inline const char* utf8_message(utf8_status s) noexcept {
  switch (s) {
    case utf8_status::ok: return "valid UTF-8";
    case utf8_status::bad_lead: return "invalid UTF-8 lead byte";
    case utf8_status::truncated: return "truncated UTF-8 sequence";
    case utf8_status::bad_continuation: return "invalid UTF-8 continuation byte";
    case utf8_status::overlong: return "overlong UTF-8 encoding";
    case utf8_status::surrogate: return "UTF-8 encoded surrogate (U+D800..U+DFFF)";
    case utf8_status::too_large: return "UTF-8 sequence above U+10FFFF";
  }
  return "invalid UTF-8";
}

struct utf8_decoded {
  utf8_status status;
  int length;        // bytes consumed when ok; otherwise the offset of the offending byte
  char32_t code_point;
};

// Decodes the sequence starting at p (p < end). Never reads at or past `end`.
inline utf8_decoded decode_utf8(const char* p, const char* end) noexcept {
  const auto b0 = static_cast<unsigned char>(*p);
  if (b0 < 0x80) return {utf8_status::ok, 1, b0};
  int n;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    cp = b0 & 0x07u;
  } else {
    // 0xC0 and 0xC1 can only start overlong forms of ASCII.
    return {b0 == 0xC0 || b0 == 0xC1 ? utf8_status::overlong : utf8_status::bad_lead, 0, 0};
  }
  for (int i = 1; i < n; ++i) {
    if (p + i >= end) return {utf8_status::truncated, i, 0};
    const auto b = static_cast<unsigned char>(p[i]);
    if ((b & 0xC0u) != 0x80u) return {utf8_status::bad_continuation, i, 0};
    cp = (cp << 6) | (b & 0x3Fu);
    // Decide on the second byte where possible, as the first byte that makes the
    // sequence invalid is the one an error should point at.
    if (i == 1) {
      if (n == 3 && b0 == 0xE0 && b < 0xA0) return {utf8_status::overlong, 1, 0};
      if (n == 3 && b0 == 0xED && b > 0x9F) return {utf8_status::surrogate, 1, 0};
      if (n == 4 && b0 == 0xF0 && b < 0x90) return {utf8_status::overlong, 1, 0};
      if (n == 4 && b0 == 0xF4 && b > 0x8F) return {utf8_status::too_large, 1, 0};
    }
  }
  return {utf8_status::ok, n, cp};
}

// Appends the UTF-8 encoding of a Unicode scalar value (not a surrogate, <= U+10FFFF).
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Number of code points in valid UTF-8 text (continuation bytes are not counted): the
// column arithmetic of error messages.
inline std::int64_t utf8_length(const char* p, const char* end) noexcept {
  std::int64_t n = 0;
  for (; p < end; ++p) n += (static_cast<unsigned char>(*p) & 0xC0u) != 0x80u;
  return n;
}

}  // namespace embedkit::json::detail
