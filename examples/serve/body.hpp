// Response bodies embedkit-serve writes by hand: float vectors in the shortest text that reads
// back as the same float (std::to_chars on float, so 0.1f is "0.1", not the double
// 0.10000000149011612), base64 of little-endian float32 bytes (OpenAI's
// encoding_format="base64"), and the JSON error bodies of both contracts.
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <embedkit/json/json.hpp>

namespace embedkit_serve {

namespace json = embedkit::json;

// Appends `[v0,v1,...]`. Embeddings are finite; a non-finite value would not be JSON, so it is
// written as null rather than producing an invalid body.
inline void append_floats(std::string& out, std::span<const float> values) {
  out += '[';
  char buf[32];
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    const float v = values[i];
    if (!(v - v == 0.0f)) {  // NaN or infinite
      out += "null";
      continue;
    }
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
  out += ']';
}

// Standard base64 (RFC 4648, with padding) of the values' float32 bytes, least significant
// byte first whatever the host's byte order: what numpy.frombuffer(..., "<f4") reads back.
inline std::string base64_floats(std::span<const float> values) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  bytes.reserve(values.size() * 4);
  for (const float v : values) {
    const auto u = std::bit_cast<std::uint32_t>(v);
    for (int k = 0; k < 4; ++k) bytes += static_cast<char>((u >> (8 * k)) & 0xFFu);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                            (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                            std::uint32_t(std::uint8_t(bytes[i + 2]));
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (rest == 2) n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// {"error": "..."}: SageMaker's routes. Messages are made valid UTF-8 first (an error about
// bad UTF-8 in a request may quote the offending bytes).
inline std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok && n > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF, as JSON text must.
      std::uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      ok = !((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
             (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

inline std::string error_body(std::string_view message) {
  json::Object o;
  o.insert("error", json::Value(valid_utf8(message)));
  return json::dump(json::Value(std::move(o)));
}

// {"error": "...", "error_type": "..."}: text-embeddings-inference's shape (error_type one of
// validation, tokenizer, empty, backend, overloaded, unhealthy).
inline std::string tei_error_body(std::string_view message, std::string_view type) {
  json::Object o;
  o.insert("error", json::Value(valid_utf8(message)));
  o.insert("error_type", json::Value(std::string(type)));
  return json::dump(json::Value(std::move(o)));
}

}  // namespace embedkit_serve
