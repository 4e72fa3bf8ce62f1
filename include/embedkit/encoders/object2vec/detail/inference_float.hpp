// Floats as JSON numbers for inference responses: the shortest digits that read back to the
// same float (std::to_chars(float)), laid out as the JSON core lays out doubles (Python's
// repr(): positional for decimal exponents in [-4, 16), scientific otherwise, ".0" on integral
// values). Models compute in float, so the float's own shortest digits carry every bit of the
// result in about half the bytes of the double's ("0.05736870", not "0.057368699461221695").
#pragma once

#include <charconv>
#include <cmath>
#include <string>

#include "embedkit/core/error.hpp"

namespace embedkit::detail {

inline void append_json_float(std::string& out, float f) {
  if (!std::isfinite(f)) {
    raise<value_error>(std::string("cannot write ") + (std::isnan(f) ? "NaN" : "an infinity") +
                       " in a response: JSON numbers are finite");
  }
  // A response holds hundreds of thousands of floats: the text is laid out in a stack buffer
  // and appended once, with no temporary strings and no search for the exponent.
  char sci[32];
  const auto r = std::to_chars(sci, sci + sizeof sci, f, std::chars_format::scientific);
  const char* p = sci;  // "-d.ddde+XX": at most 9 significant digits, a 2-digit exponent
  char buf[48];
  char* o = buf;
  if (*p == '-') *o++ = *p++;
  char digits[16];
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
  const int decpt = exp10 + 1;  // where the decimal point goes, relative to the digits
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
    const int mag = exp10 < 0 ? -exp10 : exp10;  // a float's is below 100 (at most 45)
    *o++ = static_cast<char>('0' + mag / 10);
    *o++ = static_cast<char>('0' + mag % 10);
  }
  out.append(buf, static_cast<std::size_t>(o - buf));
}

}  // namespace embedkit::detail
