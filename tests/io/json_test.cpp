// The JSON codec against RFC 8259: documents every parser must accept (y_) and reject (n_),
// in the manner of JSONTestSuite, plus error positions, limits and the Value API.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

namespace {

// Message of the format_error that parsing `text` raises ("" when it parses).
std::string parse_error(std::string_view text, const json::ParseOptions& options = {}) {
  try {
    (void)json::parse(text, options);
  } catch (const ek::format_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("json: RFC 8259 texts and JSONTestSuite-style y_ cases are accepted") {
  const std::vector<std::pair<const char*, std::string>> accept = {
      {"y_array_empty", "[]"},
      {"y_array_nested_empty", "[[], [[]], {}]"},
      {"y_object_empty", "{}"},
      {"y_object_empty_key", R"({"":0})"},
      {"y_scalar_false", "false"},
      {"y_scalar_null", "null"},
      {"y_scalar_string", R"("asd")"},
      {"y_scalar_number", "-0.5e-7"},
      {"y_whitespace_all_kinds", " \t\n\r[ \t\n\r1 \t\n\r] \t\n\r"},
      {"y_number_zero", "0"},
      {"y_number_minus_zero", "-0"},
      {"y_number_exp_capital", "1E22"},
      {"y_number_exp_plus", "1e+2"},
      {"y_number_exp_minus", "1e-2"},
      {"y_number_real_fraction_exp", "123.456e78"},
      {"y_number_huge_exp_underflows", "1e-99999"},
      {"y_number_very_long_mantissa", "0.1000000000000000055511151231257827021181583404541015625"},
      {"y_number_int64_min", "-9223372036854775808"},
      {"y_number_uint64_max", "18446744073709551615"},
      {"y_number_beyond_uint64", "18446744073709551616"},
      {"y_string_escapes", R"("\"\\\/\b\f\n\r\t")"},
      {"y_string_u_escape_nul", R"("\u0000")"},
      {"y_string_u_escape_upper_hex", R"("\u00E9\uABCD")"},
      {"y_string_surrogate_pair", R"("\uD83D\uDE00")"},
      {"y_string_last_surrogates", R"("\uDBFF\uDFFF")"},
      {"y_string_raw_utf8_2byte", "\"\xC2\xA9\""},
      {"y_string_raw_utf8_3byte", "\"\xE2\x82\xAC\""},
      {"y_string_raw_utf8_4byte", "\"\xF0\x9F\x98\x80\""},
      {"y_string_max_code_point", "\"\xF4\x8F\xBF\xBF\""},
      {"y_string_noncharacter", "\"\xEF\xBF\xBF\""},
      {"y_string_del_raw", "\"\x7F\""},
      {"y_string_embedded_nul_escaped", R"(["a\u0000b"])"},
      {"y_object_duplicate_keys", R"({"a":1,"a":2})"},
      {"y_structure_deep_512", std::string(512, '[') + std::string(512, ']')},
  };
  for (const auto& c : accept) {
    CAPTURE(c.first);
    CHECK(parse_error(c.second) == "");
  }
}

TEST_CASE("json: n_ cases are rejected with a format_error") {
  const std::vector<std::pair<const char*, std::string>> reject = {
      {"n_empty", ""},
      {"n_only_whitespace", " \n "},
      {"n_array_trailing_comma", "[1,]"},
      {"n_array_leading_comma", "[,1]"},
      {"n_array_double_comma", "[1,,2]"},
      {"n_array_unclosed", "[1"},
      {"n_array_unclosed_after_comma", "[1,"},
      {"n_array_colon", "[1:2]"},
      {"n_object_trailing_comma", R"({"a":1,})"},
      {"n_object_unquoted_key", "{a:1}"},
      {"n_object_single_quotes", "{'a':1}"},
      {"n_object_missing_colon", R"({"a" 1})"},
      {"n_object_missing_value", R"({"a":})"},
      {"n_object_number_key", "{1:1}"},
      {"n_object_unclosed", R"({"a":1)"},
      {"n_number_leading_zero", "01"},
      {"n_number_leading_zeros_negative", "-01"},
      {"n_number_plus", "+1"},
      {"n_number_dot_start", ".5"},
      {"n_number_dot_end", "1."},
      {"n_number_exp_empty", "1e"},
      {"n_number_exp_sign_only", "1e+"},
      {"n_number_minus_only", "-"},
      {"n_number_nan", "NaN"},
      {"n_number_infinity", "Infinity"},
      {"n_number_minus_infinity", "-Infinity"},
      {"n_number_hex", "0x10"},
      {"n_number_overflow", "1e400"},
      {"n_number_overflow_negative", "-1.8e308"},
      {"n_literal_capital", "True"},
      {"n_literal_truncated", "tru"},
      {"n_literal_trailing_garbage", "nullx"},
      {"n_string_unterminated", R"("abc)"},
      {"n_string_single_quoted", "'abc'"},
      {"n_string_raw_newline", "\"a\nb\""},
      {"n_string_raw_tab", "\"a\tb\""},
      {"n_string_raw_nul", std::string("\"a\0b\"", 5)},
      {"n_string_bad_escape", R"("\x41")"},
      {"n_string_escaped_apostrophe", R"("\'")"},
      {"n_string_short_u_escape", R"("\u12")"},
      {"n_string_bad_hex", R"("\u12G4")"},
      {"n_string_lone_high_surrogate", R"("\uD800")"},
      {"n_string_lone_high_then_text", R"("\uD800abc")"},
      {"n_string_lone_low_surrogate", R"("\uDC00")"},
      {"n_string_high_then_high", R"("\uD800\uD800")"},
      {"n_string_high_then_escape", R"("\uD800\n")"},
      {"n_utf8_lone_continuation", "\"\x80\""},
      {"n_utf8_invalid_lead_ff", "\"\xFF\""},
      {"n_utf8_invalid_lead_f5", "\"\xF5\x80\x80\x80\""},
      {"n_utf8_overlong_slash_c0", "\"\xC0\xAF\""},
      {"n_utf8_overlong_3byte", "\"\xE0\x80\xAF\""},
      {"n_utf8_overlong_4byte", "\"\xF0\x80\x80\xAF\""},
      {"n_utf8_surrogate_encoded", "\"\xED\xA0\x80\""},
      {"n_utf8_above_max", "\"\xF4\x90\x80\x80\""},
      {"n_utf8_truncated_2byte", "\"\xC3\""},
      {"n_utf8_truncated_at_end", "\"\xE2\x82"},
      {"n_utf8_bad_continuation", "\"\xE2\x28\xA1\""},
      {"n_utf8_outside_string", "[\xC3\xA9]"},
      {"n_bom", "\xEF\xBB\xBF[]"},
      {"n_two_values", "[] []"},
      {"n_trailing_comma_top", "1,"},
      {"n_comment", "[1] // c"},
      {"n_block_comment", "/* c */ [1]"},
      {"n_vertical_tab_whitespace", "[\v1]"},
      {"n_nbsp_whitespace", "[\xC2\xA0" "1]"},
      {"n_structure_deep_513", std::string(513, '[') + std::string(513, ']')},
      {"n_object_deep_513", [] {
         std::string s;
         for (int i = 0; i < 513; ++i) s += "{\"a\":";
         s += "1";
         s += std::string(513, '}');
         return s;
       }()},
  };
  for (const auto& c : reject) {
    CAPTURE(c.first);
    CHECK(parse_error(c.second) != "");
  }
}

TEST_CASE("json: errors give line, column, byte offset and what was expected") {
  const std::string text = "{\n  \"a\": 1,\n  \"b\": [1, 2] ]\n}";
  try {
    (void)json::parse(text);
    FAIL("expected a format_error");
  } catch (const ek::format_error& e) {
    CHECK(std::string(e.what()) ==
          "expected ',' or '}' after object member at line 3, column 15 (byte 26): found ']'");
    CHECK(e.line() == 3);
    CHECK(e.column() == 15);
    CHECK(e.byte_offset() == 26);
  }

  // Columns count code points, not bytes: "é" is two bytes but one column.
  try {
    (void)json::parse("[\"\xC3\xA9\", x]");
    FAIL("expected a format_error");
  } catch (const ek::format_error& e) {
    CHECK(e.column() == 7);
    CHECK(e.byte_offset() == 7);
  }

  CHECK(contains(parse_error(""), "expected a JSON value at line 1, column 1 (byte 0): found end of input"));
  CHECK(contains(parse_error("[1,]"), "expected a value after ','"));
  CHECK(contains(parse_error("{\"a\":1,}"), "expected a string key after ','"));
  CHECK(contains(parse_error("01"), "leading zeros are not allowed"));
  CHECK(contains(parse_error("NaN"), "expected a value at line 1, column 1 (byte 0): found 'N'"));
  CHECK(contains(parse_error("\"a\nb\""), "control character U+000A must be escaped"));
  CHECK(contains(parse_error("\"\xC0\xAF\""), "overlong UTF-8 encoding"));
  CHECK(contains(parse_error("\"\xED\xA0\x80\""), "UTF-8 encoded surrogate"));
  CHECK(contains(parse_error("\"\xF4\x90\x80\x80\""), "above U+10FFFF"));
  CHECK(contains(parse_error("\"\xE2\x82"), "truncated UTF-8 sequence"));
  CHECK(contains(parse_error(R"("\uDC00")"), "lone low surrogate"));
  CHECK(contains(parse_error(R"("\uD800")"), "lone high surrogate"));
  CHECK(contains(parse_error("1e400"), "number 1e400 is too large for a double"));
  CHECK(contains(parse_error("[1] x"), "expected end of input after the JSON value"));
  CHECK(contains(parse_error("\xEF\xBB\xBF{}"), "byte order mark"));
  CHECK(contains(parse_error("\"abc"), "unterminated string"));
  CHECK(contains(parse_error("[\xFF]"), "found byte 0xFF"));
}

TEST_CASE("json: nesting depth limit is configurable") {
  const std::string deep = std::string(10, '[') + std::string(10, ']');
  json::ParseOptions opt;
  opt.max_depth = 10;
  CHECK(parse_error(deep, opt) == "");
  opt.max_depth = 9;
  CHECK(contains(parse_error(deep, opt), "nesting depth exceeds the limit of 9"));
  opt.max_depth = 0;
  CHECK_THROWS_AS(json::parse("1", opt), ek::value_error);
  opt.max_depth = json::ParseOptions::kMaxDepthLimit + 1;
  CHECK_THROWS_AS(json::parse("1", opt), ek::value_error);

  // The largest allowed limit parses (and frees) a document that deep.
  opt.max_depth = json::ParseOptions::kMaxDepthLimit;
  const std::string deepest = std::string(opt.max_depth, '[') + std::string(opt.max_depth, ']');
  CHECK(parse_error(deepest, opt) == "");
}

TEST_CASE("json: duplicate keys keep the last value, or are rejected on request") {
  const json::Value v = json::parse(R"({"a": 1, "b": 2, "a": 3})");
  CHECK(v.size() == 2);
  CHECK(v.at("a").as_int64() == 3);
  CHECK(json::dump(v) == R"({"a":3,"b":2})");  // position of the first, value of the last

  json::ParseOptions strict;
  strict.duplicate_keys = json::DuplicateKeys::reject;
  CHECK(contains(parse_error(R"({"a": 1, "b": 2, "a": 3})", strict),
                 "duplicate key \"a\" in object at line 1, column 18 (byte 17)"));
  // Keys are compared after unescaping.
  CHECK(contains(parse_error(R"({"a": 1, "\u0061": 3})", strict), "duplicate key"));
}

TEST_CASE("json: numbers keep int64, uint64 and double apart") {
  const json::Value v = json::parse(
      "[0, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808,"
      " 18446744073709551615, 18446744073709551616, -9223372036854775809, 1.0, -0.0, 1e-400]");
  const json::Array& a = v.as_array();
  CHECK(a[0].kind() == json::Kind::int64);
  CHECK(a[1].kind() == json::Kind::int64);
  CHECK(a[1].as_int64() == 0);
  CHECK(a[2].as_int64() == std::numeric_limits<std::int64_t>::max());
  CHECK(a[3].as_int64() == std::numeric_limits<std::int64_t>::min());
  CHECK(a[4].kind() == json::Kind::uint64);
  CHECK(a[4].as_uint64() == 9223372036854775808ull);
  CHECK(a[5].as_uint64() == std::numeric_limits<std::uint64_t>::max());
  CHECK(a[6].kind() == json::Kind::float64);
  CHECK(a[6].as_double() == 18446744073709551616.0);
  CHECK(a[7].kind() == json::Kind::float64);
  CHECK(a[8].kind() == json::Kind::float64);
  CHECK(a[9].kind() == json::Kind::float64);
  CHECK(std::signbit(a[9].as_double()));
  CHECK(a[10].as_double() == 0.0);

  CHECK_THROWS_AS(a[4].as_int64(), ek::value_error);
  CHECK_THROWS_AS(json::Value(-1).as_uint64(), ek::value_error);
  CHECK_THROWS_AS(a[8].as_int64(), ek::value_error);  // a double is not an integer
  CHECK(a[2].as_double() == 9223372036854775807.0);
  CHECK(json::Value(300).as_integer<std::int16_t>() == 300);
  CHECK_THROWS_AS(json::Value(300).as_integer<std::int8_t>(), ek::value_error);
  CHECK_THROWS_AS(json::Value(-1).as_integer<std::uint32_t>(), ek::value_error);

  // Values built in code normalise like parsed ones.
  CHECK(json::Value(std::uint64_t{5}) == json::parse("5"));
  CHECK(json::Value(std::uint64_t{1} << 63) == json::parse("9223372036854775808"));
  CHECK(!(json::Value(1) == json::Value(1.0)));
  CHECK(!(json::Value(0.0) == json::Value(-0.0)));
}

TEST_CASE("json: strings are unescaped to UTF-8") {
  const json::Value v = json::parse(R"(["\u00e9\u20AC", "\ud83d\ude00", "a\u0000b", "\/"])");
  CHECK(v.at(0).as_string() == "\xC3\xA9\xE2\x82\xAC");
  CHECK(v.at(1).as_string() == "\xF0\x9F\x98\x80");
  CHECK(v.at(2).as_string() == std::string("a\0b", 3));
  CHECK(v.at(3).as_string() == "/");
}

TEST_CASE("json: dump writes compact, indented and ASCII-only forms") {
  const json::Value v = json::parse(
      R"({"name": "caf\u00e9 \ud83d\ude00", "ids": [1, -2, 3.5], "empty": [], "o": {}, "n": null,)"
      R"( "ctl": "\u0001\n\u007f"})");
  CHECK(json::dump(v) ==
        "{\"name\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\",\"ids\":[1,-2,3.5],\"empty\":[],\"o\":{},"
        "\"n\":null,\"ctl\":\"\\u0001\\n\x7F\"}");
  CHECK(json::dump(v, {.indent = -1, .ensure_ascii = true}) ==
        "{\"name\":\"caf\\u00e9 \\ud83d\\ude00\",\"ids\":[1,-2,3.5],\"empty\":[],\"o\":{},"
        "\"n\":null,\"ctl\":\"\\u0001\\n\\u007f\"}");
  CHECK(json::dump(json::parse(R"({"a": [1, {"b": 2}], "c": []})"), {.indent = 2}) ==
        "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"c\": []\n}");
  CHECK(json::dump(json::parse("[1,[2]]"), {.indent = 0}) == "[\n1,\n[\n2\n]\n]");

  // Doubles as Python's repr() writes them.
  const std::vector<std::pair<double, const char*>> doubles = {
      {0.0, "0.0"},       {-0.0, "-0.0"},        {1.0, "1.0"},         {0.1, "0.1"},
      {1e16, "1e+16"},    {1e15, "1000000000000000.0"}, {1e-5, "1e-05"}, {1e-4, "0.0001"},
      {1.5e300, "1.5e+300"}, {5e-324, "5e-324"}, {123.456, "123.456"}, {-2.5e-7, "-2.5e-07"},
      {1.7976931348623157e308, "1.7976931348623157e+308"}, {0.30000000000000004, "0.30000000000000004"},
      {1e22, "1e+22"},    {123456789012345680.0, "1.2345678901234568e+17"},
  };
  for (const auto& c : doubles) {
    CAPTURE(c.second);
    CHECK(json::dump(json::Value(c.first)) == c.second);
  }

  CHECK_THROWS_AS(json::dump(json::Value(std::numeric_limits<double>::quiet_NaN())),
                  ek::value_error);
  CHECK_THROWS_AS(json::dump(json::Value(std::numeric_limits<double>::infinity())),
                  ek::value_error);
  CHECK_THROWS_AS(json::dump(json::Value(std::string("\xFF"))), ek::value_error);
  CHECK_THROWS_AS(json::dump(json::Value(std::string("\xED\xA0\x80"))), ek::value_error);
}

TEST_CASE("json: Value and Object API") {
  json::Object o{{"x", 1}, {"y", "two"}};
  o["z"] = json::Array{true, nullptr, 2.5};
  CHECK(o.size() == 3);
  CHECK(o.insert("x", 5).second == false);
  CHECK(o.at("x").as_int64() == 1);
  o.insert_or_assign("x", 7);
  CHECK(o.at("x").as_int64() == 7);
  CHECK(o.member(0).first == "x");  // assignment keeps the position
  CHECK(o.contains("y"));
  CHECK(!o.contains("w"));
  CHECK(o.find("w") == nullptr);
  CHECK_THROWS_AS(o.at("w"), ek::index_error);

  json::Value v(std::move(o));
  CHECK(v.is_object());
  CHECK(v.at("z").at(2).as_double() == 2.5);
  CHECK_THROWS_AS(v.at("z").at(3), ek::index_error);
  CHECK_THROWS_AS(v.at("y").as_int64(), ek::value_error);
  CHECK_THROWS_AS(v.as_array(), ek::value_error);
  CHECK_THROWS_AS(json::Value(3).size(), ek::value_error);
  try {
    (void)v.at("y").as_array();
  } catch (const ek::value_error& e) {
    CHECK(std::string(e.what()) == "json: expected an array, found a string");
  }

  // Object equality ignores member order, as JSON objects are unordered.
  CHECK(json::parse(R"({"a":1,"b":[2]})") == json::parse(R"({"b":[2],"a":1})"));
  CHECK(!(json::parse(R"({"a":1})") == json::parse(R"({"a":1,"b":2})")));

  // Large objects switch to a hash index; lookups and order are unaffected.
  // (Keys are appended piecewise: GCC 12's -Wrestrict misfires on "k" + std::to_string(i).)
  auto key = [](int i) {
    std::string k = "k";
    k += std::to_string(i);
    return k;
  };
  json::Object big;
  for (int i = 0; i < 1000; ++i) big.insert(key(i), i);
  CHECK(big.size() == 1000);
  for (int i = 0; i < 1000; i += 37) CHECK(big.at(key(i)).as_int64() == i);
  CHECK(big.member(999).first == "k999");
  CHECK(!big.contains("k1000"));
  json::Object copy = big;
  CHECK(copy == big);
  CHECK(copy.at("k500").as_int64() == 500);
}

TEST_CASE("json: Cursor names the path of a value in errors") {
  const json::Value v = json::parse(
      R"({"instances": [{"in0": [1, 2]}, {"in0": "oops", "odd key": 300}]})");
  const json::Cursor root(v);
  CHECK(root.at("instances").at(0).at("in0").at(1).as_int64() == 2);
  CHECK(root.at("instances").size() == 2);
  CHECK(!root.find("missing").has_value());
  CHECK(root.at("instances").at(1).find("in0").has_value());

  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const ek::error& e) {
      return e.what();
    }
    return "";
  };
  CHECK(message([&] { (void)root.at("instances").at(1).at("in0").as_array(); }) ==
        "json: $.instances[1].in0: expected an array, found a string");
  CHECK(message([&] { (void)root.at("instances").at(5); }) ==
        "json: $.instances: index 5 is out of range [0, 2)");
  CHECK(message([&] { (void)root.at("instances").at(0).at("in1"); }) ==
        "json: $.instances[0]: no member \"in1\" in the object");
  CHECK(message([&] { (void)root.at("instances").at(1).at("odd key").as_integer<std::int8_t>(); }) ==
        "json: $.instances[1][\"odd key\"]: integer 300 is out of range [-128, 127]");
  CHECK_THROWS_AS(root.at("instances").at(0).at("in1"), ek::index_error);
  CHECK_THROWS_AS(root.at("instances").at("x"), ek::value_error);
}

TEST_CASE("parse_members visits the top-level members with where their key and value start") {
  const std::string text = "{\"a\": 1,\n \"caf\\u00e9\" :[2, 3], \"n\": {\"x\": null}}";
  std::vector<std::string> seen;
  const json::Kind k = json::parse_members(text, [&](std::string&& key, json::Value&& value,
                                                     json::MemberSite at) {
    seen.push_back(key + "=" + json::dump(value) + "@" + std::to_string(at.key) + "," +
                   std::to_string(at.value));
  });
  CHECK(k == json::Kind::object);
  CHECK(seen == std::vector<std::string>{"a=1@1,6", "café=[2,3]@10,23", "n={\"x\":null}@31,36"});

  // Not an object: parsed whole, its kind returned, no member visited; syntax errors as parse.
  int calls = 0;
  auto count = [&](std::string&&, json::Value&&, json::MemberSite) { ++calls; };
  CHECK(json::parse_members(" [1, {\"a\": 2}] ", count) == json::Kind::array);
  CHECK(json::parse_members("\"s\"", count) == json::Kind::string);
  CHECK(json::parse_members("{}", count) == json::Kind::object);
  CHECK(calls == 0);
  for (const std::string bad : {"{\"a\": 1,}", "{\"a\" 1}", "{\"a\": 1} x", "", "[1,]", "{\"a\": [}"}) {
    std::string expected, got;
    try {
      (void)json::parse(bad);
    } catch (const ek::format_error& e) {
      expected = e.what();
    }
    try {
      (void)json::parse_members(bad, count);
    } catch (const ek::format_error& e) {
      got = e.what();
    }
    CHECK(!expected.empty());
    CHECK(got == expected);
  }

  // Duplicate keys: rejected at the repeated key, or (keep_last) each occurrence visited.
  json::ParseOptions reject;
  reject.duplicate_keys = json::DuplicateKeys::reject;
  CHECK_THROWS_WITH_AS(json::parse_members("{\"a\": 1, \"\\u0061\": 2}", count, reject),
                       "duplicate key \"a\" in object at line 1, column 10 (byte 9)",
                       ek::format_error);
  std::vector<std::string> all;
  json::parse_members("{\"a\": 1, \"a\": 2}", [&](std::string&& key, json::Value&& v, json::MemberSite) {
    all.push_back(key + json::dump(v));
  });
  CHECK(all == std::vector<std::string>{"a1", "a2"});

  // A callback that raises stops the parse there, and format_error_at points anywhere.
  CHECK_THROWS_WITH_AS(
      json::parse_members("{\"ok\": 1,\n  \"bad\": \"x\", \"later\": }",
                          [&](std::string&& key, json::Value&&, json::MemberSite at) {
                            if (key == "bad") json::format_error_at("{\"ok\": 1,\n  \"bad\": \"x\", \"later\": }", at.value, "no strings");
                          }),
      "no strings at line 2, column 10 (byte 19)", ek::format_error);
  // Depth counts the top-level object as 1, as parse does.
  json::ParseOptions shallow;
  shallow.max_depth = 2;
  CHECK_NOTHROW(json::parse_members("{\"a\": [1]}", count, shallow));
  CHECK_THROWS_AS(json::parse_members("{\"a\": [[1]]}", count, shallow), ek::format_error);
}
