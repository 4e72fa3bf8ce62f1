// The JSON codec against Python's json module: tests/data/json/python_canonical.jsonl holds
// documents and json.dumps' output for them (tests/golden/make_json_fixtures.py). embedkit
// must read every document to the same value and write it back byte for byte as Python does.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <string>

#include <embedkit/json/json.hpp>

#include "support/fixture.hpp"

namespace ek = embedkit;
namespace json = embedkit::json;

TEST_CASE("json: documents re-serialise exactly as Python's json.dumps does") {
  json::LineReader lines(embedkit_test::data_path("json/python_canonical.jsonl"));
  int records = 0;
  for (json::Value rec; lines.next(rec);) {
    const json::Cursor r(rec);
    CAPTURE(r.at("name").as_string());
    const json::Value v = json::parse(r.at("doc").as_string());
    CHECK(json::dump(v) == r.at("compact").as_string());
    CHECK(json::dump(v, {.indent = -1, .ensure_ascii = true}) == r.at("ascii").as_string());
    CHECK(json::dump(v, {.indent = 2}) == r.at("indent2").as_string());
    CHECK(json::parse(r.at("compact").as_string()) == v);
    CHECK(json::parse(r.at("ascii").as_string()) == v);
    ++records;
  }
  CHECK(records > 200);
}

TEST_CASE("json: doubles of random bit patterns round-trip exactly") {
  std::mt19937_64 rng(12345);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const double d = std::bit_cast<double>(rng());
    if (!std::isfinite(d)) continue;
    const std::string text = json::dump(json::Value(d));
    const json::Value back = json::parse(text);
    REQUIRE(back.kind() == json::Kind::float64);
    if (std::bit_cast<std::uint64_t>(back.as_double()) != std::bit_cast<std::uint64_t>(d)) {
      FAIL_CHECK("double does not round-trip: " << text);
    }
    ++checked;
  }
  // Subnormals, powers of two and integers near 2^53 as well.
  for (double d : {5e-324, 2.2250738585072009e-308, 9007199254740993.0, 9007199254740992.0,
                   0.1, 1.0 / 3.0, 1e23, 8.41e21, 5e-310}) {
    const json::Value back = json::parse(json::dump(json::Value(d)));
    CHECK(std::bit_cast<std::uint64_t>(back.as_double()) == std::bit_cast<std::uint64_t>(d));
    ++checked;
  }
  CHECK(checked > 190000);
}

TEST_CASE("json: integers of random bit patterns round-trip exactly") {
  std::mt19937_64 rng(777);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t u = rng();
    const auto s = static_cast<std::int64_t>(rng());
    CHECK(json::parse(json::dump(json::Value(u))).as_uint64() == u);
    CHECK(json::parse(json::dump(json::Value(s))).as_int64() == s);
  }
}
