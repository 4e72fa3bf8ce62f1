// The Unicode tables and transforms of text/unicode.hpp and text/utf8.hpp against Python's
// unicodedata (sampled code points, str.lower(), NFD), as written into
// tests/data/text/bert_tokenizer_cases.json by tests/golden/make_tokenizer_fixtures.py.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <embedkit/json/json.hpp>
#include <embedkit/text/unicode.hpp>
#include <embedkit/text/utf8.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

const ek::json::Value& doc() {
  static const ek::json::Value d = [] {
    const fs::path p = fs::path(EMBEDKIT_TEST_DATA_DIR) / "text" / "bert_tokenizer_cases.json";
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot open " << p);
    return ek::json::parse(
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }();
  return d;
}

std::u32string code_points(const ek::json::Value& v) {
  std::u32string out;
  for (const auto& x : v.as_array()) out += static_cast<char32_t>(x.as_int64());
  return out;
}

const char* category_name(ek::GeneralCategory g) {
  static const char* names[] = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl",
                                "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc",
                                "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"};
  return names[static_cast<int>(g)];
}

}  // namespace

TEST_CASE("The Unicode tables agree with Python's unicodedata on sampled code points") {
  CHECK(ek::unicode_version == "15.0.0");
  std::size_t n = 0;
  for (const ek::json::Value& s : doc().at("unicode").as_array()) {
    const auto cp = static_cast<char32_t>(s.at("cp").as_int64());
    CAPTURE(static_cast<std::uint32_t>(cp));
    CHECK(std::string(category_name(ek::general_category(cp))) == s.at("category").as_string());
    CHECK(ek::canonical_combining_class(cp) == s.at("ccc").as_int64());
    char32_t buf[4];
    int k = ek::lowercase_full(cp, buf);
    CHECK(std::u32string(buf, static_cast<std::size_t>(k)) == code_points(s.at("lower")));
    k = ek::canonical_decomposition(cp, buf);
    CHECK(std::u32string(buf, static_cast<std::size_t>(k)) == code_points(s.at("nfd")));
    ++n;
  }
  CHECK(n > 2500);
}

TEST_CASE("White_Space, punctuation and marks") {
  for (char32_t c : {U'\t', U'\n', U'\v', U'\f', U'\r', U' ', U'\u0085', U'\u00A0', U'\u1680',
                     U'\u2000', U'\u200A', U'\u2028', U'\u2029', U'\u202F', U'\u205F', U'\u3000'}) {
    CAPTURE(static_cast<std::uint32_t>(c));
    CHECK(ek::is_white_space(c));
  }
  // Python's str.isspace() accepts U+001C..U+001F; White_Space does not. Nor U+200B, U+180E.
  for (char32_t c : {U'\u001C', U'\u001F', U'\u200B', U'\u180E', U'a', U'\uFEFF'}) {
    CHECK_FALSE(ek::is_white_space(c));
  }
  CHECK(ek::is_punctuation(U'\u3001'));   // ideographic comma, Po
  CHECK(ek::is_punctuation(U'\u00AB'));   // «, Pi
  CHECK_FALSE(ek::is_punctuation(U'$'));  // Sc
  CHECK(ek::is_nonspacing_mark(U'\u0301'));
  CHECK_FALSE(ek::is_nonspacing_mark(U'\u0903'));  // Mc
  CHECK(ek::general_category(0x110000) == ek::GeneralCategory::Cn);
}

TEST_CASE("to_lower is Python's str.lower(), Final_Sigma included") {
  for (const ek::json::Value& c : doc().at("lower").as_array()) {
    CAPTURE(c.at("text").as_string());
    CHECK(ek::to_lower(c.at("text").as_string()) == c.at("lower").as_string());
  }
  CHECK(ek::to_lower("ABC def") == "abc def");
  CHECK_THROWS_AS((void)ek::to_lower("\xC3"), ek::value_error);
}

TEST_CASE("nfd is unicodedata.normalize('NFD')") {
  for (const ek::json::Value& c : doc().at("nfd").as_array()) {
    CAPTURE(c.at("text").as_string());
    CHECK(ek::nfd(c.at("text").as_string()) == c.at("nfd").as_string());
  }
}

TEST_CASE("UTF-8 decoding names the offending byte") {
  CHECK(ek::utf8_to_u32("a\u00E9\u4E2D\U0001F600") == U"a\u00E9\u4E2D\U0001F600");
  CHECK(ek::u32_to_utf8(U"a\u00E9\u4E2D\U0001F600") == "a\u00E9\u4E2D\U0001F600");
  CHECK(ek::is_valid_utf8("plain"));
  CHECK_FALSE(ek::is_valid_utf8("\xE0\x80\x80"));
  try {
    ek::check_utf8("abc\xE0\x80\x80", "query");
    FAIL("expected value_error");
  } catch (const ek::value_error& e) {
    CHECK(std::string(e.what()) ==
          "query: invalid UTF-8 at byte 4: overlong UTF-8 encoding (byte 0x80)");
  }
  CHECK_THROWS_AS(ek::u32_to_utf8(std::u32string(1, char32_t{0xD800})), ek::value_error);
  CHECK_THROWS_AS(ek::u32_to_utf8(std::u32string(1, char32_t{0x110000})), ek::value_error);
}
