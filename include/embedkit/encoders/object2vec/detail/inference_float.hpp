// Floats as JSON numbers for inference responses: the shortest digits that read back to the
// same float (std::to_chars(float)), laid out as the JSON core lays out doubles (Python's
// repr(): positional for decimal exponents in [-4, 16), scientific otherwise, ".0" on integral
// values). Models compute in float, so the float's own shortest digits carry every bit of the
// result in about half the bytes of the double's ("0.05736870", not "0.057368699461221695").
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>

#include "embedkit/core/error.hpp"

namespace embedkit::detail {

inline void append_json_float(std::string& out, float f) {
  if (!std::isfinite(f)) {
    raise<value_error>(std::string("cannot write ") + (std::isnan(f) ? "NaN" : "an infinity") +
                       " in a response: JSON numbers are finite");
  }
  char buf[48];
  const auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));  // "-d.ddde+XX"
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  char digits[16];
  int n = 0;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits[n++] = c;
  int exp10 = 0;
  const char* e = sci.data() + epos + 1;
  if (*e == '+') ++e;
  std::from_chars(e, sci.data() + sci.size(), exp10);
  const int decpt = exp10 + 1;  // where the decimal point goes, relative to the digits
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out.append(digits, static_cast<std::size_t>(n));
    } else if (decpt >= n) {
      out.append(digits, static_cast<std::size_t>(n));
      out.append(static_cast<std::size_t>(decpt - n), '0');
      out += ".0";
    } else {
      out.append(digits, static_cast<std::size_t>(decpt));
      out += '.';
      out.append(digits + decpt, static_cast<std::size_t>(n - decpt));
    }
  } else {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out.append(digits + 1, static_cast<std::size_t>(n - 1));
    }
    out += 'e';
    out += exp10 < 0 ? '-' : '+';
    const int mag = exp10 < 0 ? -exp10 : exp10;
    if (mag < 10) out += '0';
    out += std::to_string(mag);
  }
}

}  // namespace embedkit::detail
