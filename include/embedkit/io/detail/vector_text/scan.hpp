// Character, token and number scanning shared by the text table formats (word2vec text,
// GloVe, fastText .vec). Everything works on [begin, end) pointer pairs into a mapped file and
// never reads outside them; nothing here allocates or throws, so the parallel parsers can call
// it from inside an OpenMP region.
#pragma once

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>

namespace embedkit::io::detail::vector_text {

// Separators inside a line. '\r' is one, so CRLF files parse like LF files, and the trailing
// space fastText and word2vec.c write after the last number is harmless.
constexpr bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

constexpr bool is_space(char c) noexcept { return c == '\n' || is_blank(c); }

inline const char* skip_blanks(const char* p, const char* end) noexcept {
  while (p != end && is_blank(*p)) ++p;
  return p;
}

// End of the token starting at p: the next separator or newline, or `end`.
inline const char* token_end(const char* p, const char* end) noexcept {
  while (p != end && !is_space(*p)) ++p;
  return p;
}

// End of the line starting at p (the position of its '\n', or `end`).
inline const char* line_end(const char* p, const char* end) noexcept {
  const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
  return nl ? static_cast<const char*>(nl) : end;
}

inline std::int64_t count_newlines(const char* p, const char* end) noexcept {
  std::int64_t n = 0;
  while (p != end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    ++n;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

// [p, end) with blanks and newlines removed from its end.
inline const char* trim_end(const char* p, const char* end) noexcept {
  while (end != p && is_space(end[-1])) --end;
  return end;
}

// Parses the whole token [p, end) as a float32. std::from_chars (correctly rounded, locale
// free) does the work; on top of it: a leading '+' is accepted (strtof and Python's float()
// accept it), and values that underflow float32 become the nearest float (0 or a subnormal)
// instead of an error, as numpy.float32(float(s)) does. Values beyond the float32 range are
// rejected: no peer writes them, and silently turning them into inf hides a broken file.
inline bool parse_float(const char* p, const char* end, float& out) noexcept {
  if (p != end && *p == '+') {
    ++p;
    if (p != end && (*p == '-' || *p == '+')) return false;
  }
  if (p == end) return false;
  auto [q, ec] = std::from_chars(p, end, out);
  if (ec == std::errc::result_out_of_range) {
    double d = 0;
    auto [q2, ec2] = std::from_chars(p, end, d);
    if (ec2 != std::errc() || q2 != end) return false;
    if (!(std::fabs(d) <= static_cast<double>(std::numeric_limits<float>::max()))) return false;
    out = static_cast<float>(d);
    return true;
  }
  return ec == std::errc() && q == end;
}

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
inline constexpr bool kExactFloatDivision = true;
#else
inline constexpr bool kExactFloatDivision = false;
#endif

// The common case of table files, "[-]ddd.dddddd" with at most 9 digits, a mantissa below
// 2^24 and at most 10 decimals, in a few nanoseconds: the mantissa and the power of ten are
// both exact floats, so one division gives the correctly rounded result (Clinger's fast path),
// bit for bit what from_chars gives. Returns the end of the number, or null when the text is
// not of that form (then parse_float decides).
inline const char* parse_simple_float(const char* p, const char* end, float& out) noexcept {
  // Float arithmetic carried out in wider precision (x87) would round twice: no fast path.
  if (!kExactFloatDivision) return nullptr;
  static constexpr float kPow10[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                     1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
  const bool negative = p != end && *p == '-';
  const char* q = p + (negative ? 1 : 0);
  std::uint32_t mantissa = 0;  // wraps harmlessly past 9 digits, which are refused below
  int digits = 0, decimals = 0;
  for (; q != end && static_cast<unsigned>(*q - '0') < 10; ++q, ++digits) {
    mantissa = mantissa * 10 + static_cast<std::uint32_t>(*q - '0');
  }
  if (q != end && *q == '.') {
    for (++q; q != end && static_cast<unsigned>(*q - '0') < 10; ++q, ++digits, ++decimals) {
      mantissa = mantissa * 10 + static_cast<std::uint32_t>(*q - '0');
    }
  }
  if (digits == 0 || digits > 9 || decimals > 10 || mantissa > (1u << 24)) return nullptr;
  const float v = static_cast<float>(mantissa) / kPow10[decimals];
  out = negative ? -v : v;
  return q;
}

// Parses the whole token as a non-negative decimal integer (header counts).
inline bool parse_count(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty() || s.front() == '-' || s.front() == '+') return false;
  auto [q, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && q == s.data() + s.size();
}

// A short, printable rendering of a token for error messages.
inline std::string_view clip(std::string_view s, std::size_t max = 40) noexcept {
  return s.size() <= max ? s : s.substr(0, max);
}

}  // namespace embedkit::io::detail::vector_text
