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
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));  // "-d.ddde+XX"
  if (!sci.empty() && sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits += c;
  int exp10 = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+'), sci.data() + sci.size(),
                  exp10);
  const int n = static_cast<int>(digits.size());
  const int decpt = exp10 + 1;  // position of the decimal point relative to the digits
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= n) {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(decpt));
      out += '.';
      out.append(digits, static_cast<std::size_t>(decpt));
    }
  } else {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += exp10 < 0 ? '-' : '+';
    const int mag = exp10 < 0 ? -exp10 : exp10;
    if (mag < 10) out += '0';
    out += std::to_string(mag);
  }
}

}  // namespace embedkit::json::detail
