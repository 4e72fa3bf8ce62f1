// UTF-8 for the text layer: decoding with errors that name the byte, and encoding.
//
// Text given to a tokenizer must be valid UTF-8 (RFC 3629): an overlong form, an encoded
// surrogate (U+D800..U+DFFF), a code point above U+10FFFF, a stray continuation byte or a
// sequence cut short raises ek::value_error naming the byte offset and what is wrong there,
//   "text: invalid UTF-8 at byte 7: overlong UTF-8 encoding (byte 0xC0)".
// Nothing is replaced or skipped silently, so two tokenizers never disagree on what a text
// was. The decoder itself is json/detail/utf8.hpp's, shared with the JSON parser.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/json/detail/utf8.hpp"

namespace embedkit {

namespace detail {

// Raises the value_error for the invalid sequence starting at `offset` (`what` names the text).
[[noreturn]] inline void raise_invalid_utf8(std::string_view text, std::size_t offset,
                                            const json::detail::utf8_decoded& d,
                                            std::string_view what) {
  const std::size_t bad = offset + static_cast<std::size_t>(d.length);
  std::string msg = std::string(what) + ": invalid UTF-8 at byte " + std::to_string(bad) + ": " +
                    json::detail::utf8_message(d.status);
  if (bad < text.size()) {
    char hex[16];
    std::snprintf(hex, sizeof hex, " (byte 0x%02X)", static_cast<unsigned char>(text[bad]));
    msg += hex;
  } else {
    msg += " (the text ends there)";
  }
  raise<value_error>(msg);
}

}  // namespace detail

// Calls f(code_point, byte_offset, byte_length) for each code point of `text`, in order;
// invalid UTF-8 raises ek::value_error (see above) once the valid prefix has been visited.
template <class F>
void for_each_code_point(std::string_view text, F&& f, std::string_view what = "text") {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  while (p < end) {
    const auto b = static_cast<unsigned char>(*p);
    if (b < 0x80) {
      f(static_cast<char32_t>(b), static_cast<std::size_t>(p - begin), std::size_t{1});
      ++p;
      continue;
    }
    const json::detail::utf8_decoded d = json::detail::decode_utf8(p, end);
    if (d.status != json::detail::utf8_status::ok) {
      detail::raise_invalid_utf8(text, static_cast<std::size_t>(p - begin), d, what);
    }
    f(d.code_point, static_cast<std::size_t>(p - begin), static_cast<std::size_t>(d.length));
    p += d.length;
  }
}

// Raises ek::value_error naming the first invalid byte, if any.
inline void check_utf8(std::string_view text, std::string_view what = "text") {
  for_each_code_point(
      text, [](char32_t, std::size_t, std::size_t) {}, what);
}

// Whether `text` is valid UTF-8.
inline bool is_valid_utf8(std::string_view text) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    const json::detail::utf8_decoded d = json::detail::decode_utf8(p, end);
    if (d.status != json::detail::utf8_status::ok) return false;
    p += d.length;
  }
  return true;
}

// The code points of `text` (ek::value_error on invalid UTF-8).
inline std::u32string utf8_to_u32(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t c, std::size_t, std::size_t) { out += c; });
  return out;
}

// Appends the UTF-8 form of a Unicode scalar value (ek::value_error for a surrogate or a
// value above U+10FFFF).
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(cp));
    detail::raise<value_error>(std::string("append_utf8: ") + hex +
                               " is not a Unicode scalar value (surrogates and values above "
                               "U+10FFFF have no UTF-8 form)");
  }
  json::detail::append_utf8(out, cp);
}

inline std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

}  // namespace embedkit
