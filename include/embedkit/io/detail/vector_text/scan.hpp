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

// What parse_number made of a token.
enum class NumberParse {
  ok,
  invalid,       // not a number of the accepted forms
  out_of_range,  // a number whose magnitude rounds beyond the float32 range (|x| > FLT_MAX)
};

// Whether the decimal number [p, end) (already matched by std::from_chars, so of the form
// [-]digits[.digits][(e|E)[+-]digits], or "inf"/"nan") has a magnitude below 1. Only asked
// about numbers that from_chars<double> found out of range, whose magnitude is either below
// about 2.5e-324 or above about 1.8e308, so the order of magnitude of the leading digit decides.
// Saturating arithmetic: exponents of any length are fine.
inline bool decimal_magnitude_below_one(const char* p, const char* end) noexcept {
  if (p != end && (*p == '-' || *p == '+')) ++p;
  constexpr std::int64_t kCap = std::int64_t{1} << 40;
  std::int64_t lead = 0;      // decimal exponent of the leading non-zero digit (0 for "1.x")
  bool found = false;
  std::int64_t int_digits_after = 0;
  for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p) {
    if (found) {
      if (int_digits_after < kCap) ++int_digits_after;
    } else if (*p != '0') {
      found = true;
    }
  }
  if (found) lead = int_digits_after;
  if (p != end && *p == '.') {
    std::int64_t k = 0;
    for (++p; p != end && static_cast<unsigned>(*p - '0') < 10; ++p) {
      if (k < kCap) ++k;
      if (!found && *p != '0') {
        found = true;
        lead = -k;
      }
    }
  }
  if (!found) return true;  // zero (from_chars never reports it out of range)
  std::int64_t exp = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool negative = p != end && *p == '-';
    if (p != end && (*p == '-' || *p == '+')) ++p;
    for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p) {
      if (exp < kCap) exp = exp * 10 + (*p - '0');
    }
    if (negative) exp = -exp;
  }
  return lead + exp < 0;
}

// Parses the whole token [p, end) as a float32, with the result Python gives for
// numpy.float32(float(s)) wherever that is finite:
//
// - std::from_chars (correctly rounded, locale free) does the work; a leading '+' is also
//   accepted (strtof and Python's float() accept it).
// - Magnitudes below the float32 range become the nearest float32, 0 or a subnormal, keeping
//   the sign (from_chars gives the subnormals; where it reports the float32 out of range, the
//   text is read as a double, as float(s) does, and that double rounded to float32).
//   Magnitudes below even the double range ("1e-400", "2e-324") are a signed zero, which is
//   what float(s) gives for them.
// - Magnitudes that round beyond the float32 range (|x| > FLT_MAX: "3.5e38", "1e400") are
//   NumberParse::out_of_range: no peer writes them, and numpy's silent inf would hide a broken
//   file; "inf" and "-inf" spelled out are accepted.
inline NumberParse parse_number(const char* p, const char* end, float& out) noexcept {
  if (p != end && *p == '+') {
    ++p;
    if (p != end && (*p == '-' || *p == '+')) return NumberParse::invalid;
  }
  if (p == end) return NumberParse::invalid;
  auto [q, ec] = std::from_chars(p, end, out);
  if (q != end) return NumberParse::invalid;
  if (ec == std::errc()) return NumberParse::ok;
  if (ec != std::errc::result_out_of_range) return NumberParse::invalid;
  // Beyond float32: read it as a double, as Python's float(s) does.
  double d = 0;
  auto [q2, ec2] = std::from_chars(p, end, d);
  if (q2 != end) return NumberParse::invalid;
  if (ec2 == std::errc::result_out_of_range) {
    // Beyond double too: below its range float(s) is a signed zero, above it inf.
    if (!decimal_magnitude_below_one(p, end)) return NumberParse::out_of_range;
    out = *p == '-' ? -0.0f : 0.0f;
    return NumberParse::ok;
  }
  if (ec2 != std::errc()) return NumberParse::invalid;
  if (!(std::fabs(d) <= static_cast<double>(std::numeric_limits<float>::max()))) {
    return NumberParse::out_of_range;
  }
  out = static_cast<float>(d);
  return NumberParse::ok;
}

// parse_number, as a yes or no.
inline bool parse_float(const char* p, const char* end, float& out) noexcept {
  return parse_number(p, end, out) == NumberParse::ok;
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
// not of that form (then parse_number decides).
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
