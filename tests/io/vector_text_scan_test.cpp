// The number scanning of the word-vector text tables (io/detail/vector_text/scan.hpp): the fast
// path for short decimals must give exactly what std::from_chars gives, and parse_float must
// accept and refuse what the format notes say.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <embedkit/io/detail/vector_text/scan.hpp>

namespace vector_text = embedkit::io::detail::vector_text;

namespace {

bool same_as_from_chars(const std::string& s) {
  float fast = 0, ref = 0;
  const char* end = vector_text::parse_simple_float(s.data(), s.data() + s.size(), fast);
  // Not its case (no number, or more after it, as in "1e5"): the caller hands the token to
  // parse_float.
  if (end != s.data() + s.size()) return true;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ref);
  if (ec != std::errc() || p != end) return false;
  return std::memcmp(&fast, &ref, sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("parse_simple_float is bit-identical to from_chars") {
  std::mt19937_64 rng(99);
  std::int64_t bad = 0, taken = 0;
  char buf[40];
  for (int i = 0; i < 300000; ++i) {
    const int decimals = static_cast<int>(rng() % 11);
    const std::uint64_t mantissa = rng() % (i % 3 == 0 ? 16777217u : 2000000000u);
    const std::string digits = std::to_string(mantissa);
    // (built by appends: GCC 12's -Wrestrict misfires on "0." + std::string(...) at -O3)
    std::string s = (rng() & 1) ? "-" : "";
    const auto d = static_cast<std::size_t>(decimals);
    if (digits.size() <= d) {
      s.append("0.").append(d - digits.size(), '0').append(digits);
    } else {
      s.append(digits, 0, digits.size() - d);
      if (d) s.append(".").append(digits, digits.size() - d, d);
    }
    float f;
    if (vector_text::parse_simple_float(s.data(), s.data() + s.size(), f)) ++taken;
    if (!same_as_from_chars(s)) {
      if (bad++ < 5) MESSAGE("differs: " << s);
    }
  }
  CHECK(bad == 0);
  CHECK(taken > 50000);
  // %.6f, as word2vec.c writes
  for (int i = 0; i < 200000; ++i) {
    std::snprintf(buf, sizeof buf, "%.6f", std::ldexp(static_cast<double>(rng() % 100000000) - 5e7, -24));
    CHECK(same_as_from_chars(buf));
  }
  for (const char* s : {"16777216", "16777217", "0.0000000001", "1.", ".5", "-0.000000", "0",
                        "999999999", "1234567890", "-", ".", "1e5", "0x10", "00000000.1"}) {
    INFO(std::string(s));
    CHECK(same_as_from_chars(s));
  }
  float f = 1;
  const std::string neg_zero = "-0.0";
  CHECK(vector_text::parse_simple_float(neg_zero.data(), neg_zero.data() + 4, f) != nullptr);
  CHECK(std::signbit(f));
}

TEST_CASE("parse_float accepts what the peers write and refuses what no float is") {
  const auto parse = [](const std::string& s, float& out) {
    return vector_text::parse_float(s.data(), s.data() + s.size(), out);
  };
  float f = 0;
  CHECK(parse("+1.5", f));
  CHECK(f == 1.5f);
  CHECK(parse("1e-50", f));  // underflow: 0, as numpy.float32(float(s))
  CHECK(f == 0.0f);
  CHECK(parse("1e-40", f));  // subnormal
  CHECK(f == 1e-40f);
  CHECK(parse("-inf", f));
  CHECK(std::isinf(f));
  CHECK(parse("nan", f));
  CHECK(std::isnan(f));
  CHECK(parse("3.4028235e38", f));
  CHECK_FALSE(parse("3.5e38", f));  // beyond float32
  CHECK_FALSE(parse("1e999", f));
  CHECK_FALSE(parse("", f));
  CHECK_FALSE(parse("+", f));
  CHECK_FALSE(parse("+-1", f));
  CHECK_FALSE(parse("1.5x", f));
  CHECK_FALSE(parse("0x1p3", f));
  CHECK_FALSE(parse(" 1", f));
}

TEST_CASE("parse_number: below the double range a signed zero, beyond float32 out_of_range "
          "(numpy.float32(float(s)) where that is finite)") {
  using vector_text::NumberParse;
  const auto parse = [](const std::string& s, float& out) {
    return vector_text::parse_number(s.data(), s.data() + s.size(), out);
  };
  float f = 1;
  // float(s) is 0.0 or -0.0 for these (they underflow double too): these were refused.
  for (const char* s : {"1e-400", "2e-324", "2.4703282292062327e-324", "1e-99999999999999999999",
                        "0.00000000000000000000001e-310", "+1e-400", "100e-400", "1.e-330"}) {
    INFO(s);
    f = 1;
    CHECK(parse(s, f) == NumberParse::ok);
    CHECK(f == 0.0f);
    CHECK_FALSE(std::signbit(f));
  }
  for (const char* s : {"-1e-400", "-2e-324", "-0.000001e-999"}) {
    INFO(s);
    f = 1;
    CHECK(parse(s, f) == NumberParse::ok);
    CHECK(f == 0.0f);
    CHECK(std::signbit(f));
  }
  // Double subnormals and values below float32's smallest subnormal: float(s) then float32.
  CHECK(parse("3e-324", f) == NumberParse::ok);
  CHECK(f == 0.0f);
  CHECK(parse("7e-46", f) == NumberParse::ok);  // below half of 1.4e-45
  CHECK(f == 0.0f);
  CHECK(parse("8e-46", f) == NumberParse::ok);  // above half: the smallest subnormal
  CHECK(f == std::numeric_limits<float>::denorm_min());
  CHECK(parse("-1e-45", f) == NumberParse::ok);
  CHECK(f == -std::numeric_limits<float>::denorm_min());
  // Beyond float32: out_of_range (numpy would give inf); inf itself is written out.
  for (const char* s : {"3.5e38", "1e39", "-1e39", "1e400", "-1e400", "1e99999999999999999999",
                        "123456789e300", "0.1e310"}) {
    INFO(s);
    CHECK(parse(s, f) == NumberParse::out_of_range);
  }
  CHECK(parse("3.4028235e38", f) == NumberParse::ok);
  CHECK(f == std::numeric_limits<float>::max());
  CHECK(parse("-inf", f) == NumberParse::ok);
  CHECK(parse("1e-400x", f) == NumberParse::invalid);
  CHECK(parse("1e400x", f) == NumberParse::invalid);
  CHECK(parse("--1e-400", f) == NumberParse::invalid);
  CHECK(parse("+-1e-400", f) == NumberParse::invalid);
}
