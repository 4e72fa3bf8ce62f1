// JSON numbers: text to int64 / uint64 / double with std::from_chars (exact, locale-free),
// and doubles back to text with std::to_chars (the shortest digits that read back to the
// same double) laid out as Python's repr() lays them out, so that embedkit and Python write
// the same bytes for the same value.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "embedkit/json/value.hpp"

namespace embedkit::json::detail {

// Converts a token that already matched the JSON number grammar. Integers (no fraction, no
// exponent) become int64 when they fit, uint64 when they are non-negative and fit, and double
// otherwise. Returns false only for a magnitude beyond the largest double; values too small
// for a double become zero of the right sign, as strtod and Python do.
inline bool convert_json_number(std::string_view token, bool integral, json::Value& out) {
  const char* b = token.data();
  const char* e = b + token.size();
  if (integral) {
    std::int64_t i = 0;
    if (auto r = std::from_chars(b, e, i); r.ec == std::errc() && r.ptr == e) {
      out = i;
      return true;
    }
    if (*b != '-') {
      std::uint64_t u = 0;
      if (auto r = std::from_chars(b, e, u); r.ec == std::errc() && r.ptr == e) {
        out = u;
        return true;
      }
    }
  }
  double d = 0;
  const auto r = std::from_chars(b, e, d);
  if (r.ec == std::errc() && r.ptr == e) {
    out = d;
    return true;
  }
  // Out of range: decide between underflow and overflow from the decimal exponent of the
  // first non-zero digit (saturating, since the exponent text may be arbitrarily long).
  const bool negative = *b == '-';
  const char* p = b + negative;
  std::int64_t point = 0;  // digits before the decimal point, minus leading zeros after it
  bool seen_nonzero = false, after_point = false;
  for (; p < e && *p != 'e' && *p != 'E'; ++p) {
    if (*p == '.') {
      after_point = true;
    } else if (!seen_nonzero) {
      if (*p != '0') {
        seen_nonzero = true;
        if (!after_point) ++point;
      } else if (after_point) {
        --point;
      }
    } else if (!after_point) {
      ++point;
    }
  }
  std::int64_t exponent = 0;
  if (p < e) {
    ++p;
    const bool exp_negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    for (; p < e; ++p) {
      if (exponent < 100000) exponent = exponent * 10 + (*p - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  if (!seen_nonzero || point + exponent <= 0) {
    out = negative ? -0.0 : 0.0;
    return true;
  }
  return false;
}

// Appends a finite double as Python's repr() writes it: the shortest round-trip digits,
// positional notation when the decimal exponent is in [-4, 16), scientific otherwise, and a
// ".0" on integral values so the text reads back as a double ("1.0", "1e+16", "1e-05").
inline void append_json_double(std::string& out, double d) {
  // Laid out in a stack buffer and appended once: no temporary strings (17 digits would not
  // fit a short string's inline buffer) and no search for the exponent.
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  const char* p = sci;  // "-d.ddde+XX": at most 17 significant digits, a 2- or 3-digit exponent
  char buf[48];
  char* o = buf;
  if (*p == '-') *o++ = *p++;
  char digits[24];
  int n = 0;
  digits[n++] = *p++;
  if (*p == '.') {
    for (++p; *p != 'e'; ++p) digits[n++] = *p;
  }
  ++p;  // 'e'
  const bool exp_negative = *p == '-';
  int exp10 = 0;
  for (++p; p < r.ptr; ++p) exp10 = exp10 * 10 + (*p - '0');
  if (exp_negative) exp10 = -exp10;
  const int decpt = exp10 + 1;  // position of the decimal point relative to the digits
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      *o++ = '0';
      *o++ = '.';
      for (int i = decpt; i < 0; ++i) *o++ = '0';
      for (int i = 0; i < n; ++i) *o++ = digits[i];
    } else if (decpt >= n) {
      for (int i = 0; i < n; ++i) *o++ = digits[i];
      for (int i = n; i < decpt; ++i) *o++ = '0';
      *o++ = '.';
      *o++ = '0';
    } else {
      for (int i = 0; i < decpt; ++i) *o++ = digits[i];
      *o++ = '.';
      for (int i = decpt; i < n; ++i) *o++ = digits[i];
    }
  } else {
    *o++ = digits[0];
    if (n > 1) {
      *o++ = '.';
      for (int i = 1; i < n; ++i) *o++ = digits[i];
    }
    *o++ = 'e';
    *o++ = exp10 < 0 ? '-' : '+';
    const int mag = exp10 < 0 ? -exp10 : exp10;  // at most 324
    if (mag >= 100) *o++ = static_cast<char>('0' + mag / 100);
    *o++ = static_cast<char>('0' + mag / 10 % 10);
    *o++ = static_cast<char>('0' + mag % 10);
  }
  out.append(buf, static_cast<std::size_t>(o - buf));
}

}  // namespace embedkit::json::detail
