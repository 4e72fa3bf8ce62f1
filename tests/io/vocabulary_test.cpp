// Vocabulary: ids, unknown tokens, the one-token-per-line and JSON forms, and their errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <embedkit/io/vocabulary.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::read_all;

namespace {

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("embedkit_vocab_" + name);
}

}  // namespace

TEST_CASE("Vocabulary maps tokens to dense ids and back") {
  ek::Vocabulary v({"<pad>", "the", "cat"});
  CHECK(v.size() == 3);
  CHECK(v.dense());
  CHECK(v.id_bound() == 3);
  CHECK(v.id("the") == 1);
  CHECK(v.token(2) == "cat");
  CHECK(v.contains("cat"));
  CHECK_FALSE(v.contains("dog"));
  CHECK(v.find("dog") == std::nullopt);
  CHECK(v.find("<pad>") == 0);
  CHECK(v.add("cat") == 2);  // present: its id
  CHECK(v.add("dog") == 3);
  CHECK(v.size() == 4);
  CHECK_THROWS_AS(v.token(4), ek::index_error);
  CHECK_THROWS_AS(v.token(-1), ek::index_error);
}

TEST_CASE("Vocabulary::id raises index_error naming the token, unless an unknown token is set") {
  ek::Vocabulary v({"<unk>", "a", "b"});
  try {
    (void)v.id("zebra");
    FAIL("expected index_error");
  } catch (const ek::index_error& e) {
    CHECK(std::string(e.what()).find("'zebra'") != std::string::npos);
  }
  v.set_unk_token("<unk>");
  CHECK(v.unk_id() == 0);
  CHECK(v.id("zebra") == 0);
  CHECK(v.id("b") == 2);
  CHECK(v.find("zebra") == std::nullopt);  // find ignores the fallback
  v.set_unk_id(2);
  CHECK(v.id("zebra") == 2);
  v.clear_unk();
  CHECK_THROWS_AS((void)v.id("zebra"), ek::index_error);
  CHECK_THROWS_AS(v.set_unk_token("missing"), ek::index_error);
  CHECK_THROWS_AS(v.set_unk_id(7), ek::index_error);
}

TEST_CASE("Vocabulary rejects repeated and empty tokens and reused ids") {
  CHECK_THROWS_AS(ek::Vocabulary({"a", "b", "a"}), ek::value_error);
  CHECK_THROWS_AS(ek::Vocabulary({"a", ""}), ek::value_error);
  ek::Vocabulary v;
  v.insert("x", 5);
  CHECK_THROWS_AS(v.insert("y", 5), ek::value_error);
  CHECK_THROWS_AS(v.insert("x", 6), ek::value_error);
  CHECK_THROWS_AS(v.insert("z", -1), ek::value_error);
}

TEST_CASE("Vocabulary with sparse ids") {
  ek::Vocabulary v;
  v.insert("b", 4);
  v.insert("a", 1);
  CHECK(v.size() == 2);
  CHECK_FALSE(v.dense());
  CHECK(v.id_bound() == 5);
  CHECK(v.token(4) == "b");
  CHECK(v.token(1) == "a");
  CHECK_THROWS_AS(v.token(0), ek::index_error);
  CHECK(v.add("c") == 5);  // one past the largest id
  std::vector<std::pair<std::string, std::int64_t>> seen;
  v.for_each([&](const std::string& t, std::int64_t id) { seen.emplace_back(t, id); });
  CHECK(seen == std::vector<std::pair<std::string, std::int64_t>>{{"a", 1}, {"b", 4}, {"c", 5}});
  CHECK_THROWS_AS((void)v.to_lines(), ek::value_error);  // lines cannot express gaps

  // Ids inserted out of order that end up 0..n-1 are dense.
  ek::Vocabulary w;
  w.insert("y", 1);
  w.insert("x", 0);
  CHECK(w.dense());
  CHECK(w.to_lines() == "x\ny\n");
}

TEST_CASE("Vocabulary one-token-per-line form") {
  auto v = ek::Vocabulary::from_lines("[PAD]\n[UNK]\nthe\r\nnew york\n\n\n");
  CHECK(v.size() == 4);
  CHECK(v.id("the") == 2);       // CRLF
  CHECK(v.id("new york") == 3);  // spaces are part of the token
  CHECK(ek::Vocabulary::from_lines("a\nb").size() == 2);  // no final newline
  CHECK(ek::Vocabulary::from_lines("").size() == 0);

  try {
    (void)ek::Vocabulary::from_lines("a\n\nb\n");
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(e.line() == 2);
    CHECK(e.byte_offset() == 2);
  }
  try {
    (void)ek::Vocabulary::from_lines("a\nb\na\n");
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(e.line() == 3);
    CHECK(std::string(e.what()).find("repeats line 1") != std::string::npos);
  }

  const fs::path p = temp_path("lines.txt");
  v.save_lines(p);
  CHECK(read_all(p) == "[PAD]\n[UNK]\nthe\nnew york\n");
  auto back = ek::Vocabulary::load_lines(p);
  CHECK(back.size() == 4);
  CHECK(back.token(3) == "new york");
  fs::remove(p);

  ek::Vocabulary bad({"a\nb"});
  CHECK_THROWS_AS((void)bad.to_lines(), ek::value_error);
  CHECK_THROWS_AS(ek::Vocabulary::load_lines(temp_path("missing/none.txt")), ek::io_error);
}

TEST_CASE("Vocabulary JSON form {token: id}") {
  auto v = ek::Vocabulary::from_json(R"({"<pad>": 0, "the": 2, "caf\u00e9": 5, "a\"b": 3})");
  CHECK(v.size() == 4);
  CHECK_FALSE(v.dense());
  CHECK(v.id("café") == 5);
  CHECK(v.id("a\"b") == 3);
  CHECK(v.token(2) == "the");

  const std::string json = v.to_json();
  CHECK(json == "{\n  \"<pad>\": 0,\n  \"the\": 2,\n  \"a\\\"b\": 3,\n  \"café\": 5\n}\n");
  auto back = ek::Vocabulary::from_json(json);
  CHECK(back.size() == 4);
  CHECK(back.id("café") == 5);

  const fs::path p = temp_path("vocab.json");
  v.save_json(p);
  CHECK(ek::Vocabulary::load_json(p).id("a\"b") == 3);
  fs::remove(p);
  CHECK(ek::Vocabulary().to_json() == "{}\n");
  CHECK(ek::Vocabulary::from_json("{}").size() == 0);
}

TEST_CASE("Vocabulary JSON errors are format_errors with a position") {
  const auto fails = [](const std::string& text, const std::string& needle, std::int64_t line) {
    INFO(text);
    try {
      (void)ek::Vocabulary::from_json(text);
      FAIL("expected format_error");
    } catch (const ek::format_error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      CHECK(e.line() == line);
      CHECK(e.byte_offset() >= 0);
    }
  };
  fails("[1, 2]", "expected an object", 1);
  fails("{\"a\": 0,\n \"b\": -1}", "non-negative integer", 2);
  fails("{\"a\": 0,\n \"b\": 1.5}", "non-negative integer", 2);
  fails("{\"a\": 0,\n \"b\": \"1\"}", "non-negative integer", 2);
  fails("{\"a\": 0,\n \"b\": 18446744073709551615}", "non-negative integer", 2);
  fails("{\"a\": 0,\n \"b\": 0}", "share id 0", 2);
  fails("{\"a\": 0,\n \"a\": 1}", "duplicate key", 2);
  fails("{\"a\": 0,", "", 1);  // the JSON parser's own error
  fails("{\"\": 0}", "", 1);   // an empty token
}

// Regression (hostile testing, 07): id INT64_MAX was accepted, and id_bound()/dense()/add()
// then computed max_id + 1 in int64 (signed overflow).
TEST_CASE("Vocabulary ids are limited to [0, max_id] so that id_bound() fits int64") {
  constexpr std::int64_t top = std::numeric_limits<std::int64_t>::max();
  static_assert(ek::Vocabulary::max_id == top - 1);

  // The largest allowed id works everywhere, id_bound() included.
  ek::Vocabulary v;
  v.insert("a", ek::Vocabulary::max_id);
  CHECK(v.id_bound() == top);
  CHECK_FALSE(v.dense());
  CHECK(v.token(ek::Vocabulary::max_id) == "a");
  CHECK(v.add("a") == ek::Vocabulary::max_id);  // present: no new id needed
  // A new token would need id max_id + 1: refused, and the vocabulary is unchanged.
  CHECK_THROWS_WITH_AS(v.add("b"),
                       doctest::Contains("id 9223372036854775807 is outside the allowed range "
                                         "[0, 9223372036854775806]"),
                       ek::value_error);
  CHECK(v.size() == 1);
  CHECK_FALSE(v.contains("b"));
  v.insert("b", 0);  // the token is still free for another id
  CHECK(v.id("b") == 0);

  ek::Vocabulary w;
  CHECK_THROWS_WITH_AS(w.insert("x", top),
                       doctest::Contains("id 9223372036854775807 is outside the allowed range "
                                         "[0, 9223372036854775806] for token 'x'"),
                       ek::value_error);
  CHECK_THROWS_WITH_AS(w.insert("x", -1), doctest::Contains("id -1 is outside the allowed range"),
                       ek::value_error);
  CHECK(w.empty());
  CHECK(w.id_bound() == 0);
  CHECK(w.dense());

  // From JSON: a format_error at the value, stating the range.
  try {
    (void)ek::Vocabulary::from_json("{\"a\": 0,\n \"b\": 9223372036854775807}");
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(std::string(e.what()).find("no larger than 9223372036854775806, found 9223372036854775807") !=
          std::string::npos);
    CHECK(e.line() == 2);
    CHECK(e.column() == 7);
  }
  const auto j = ek::Vocabulary::from_json(R"({"a": 9223372036854775806})");
  CHECK(j.id_bound() == top);
  CHECK_FALSE(j.dense());
  CHECK(ek::Vocabulary::from_json(j.to_json()).id("a") == ek::Vocabulary::max_id);
}

// Regression (hostile testing, 11): the member of an error was found by searching the text for
// the key as json::dump would write it, so an escaped key ("caf\u00e9") was reported at line 1,
// column 1, byte 0.
TEST_CASE("Vocabulary JSON errors point at the offending member, however its key is written") {
  const auto where = [](const std::string& text) {
    try {
      (void)ek::Vocabulary::from_json(text);
    } catch (const ek::format_error& e) {
      return std::vector<std::int64_t>{e.line(), e.column(), e.byte_offset()};
    }
    return std::vector<std::int64_t>{};
  };
  // A bad id: the position of the value.
  const std::string escaped = "{\n  \"a\": 0,\n  \"b\": 1,\n  \"caf\\u00e9\": -1\n}\n";
  CHECK(where(escaped) == std::vector<std::int64_t>{4, 16, 37});
  CHECK_THROWS_WITH_AS(ek::Vocabulary::from_json(escaped),
                       "vocabulary JSON: the id of token \"café\" must be a non-negative integer no "
                       "larger than 9223372036854775806, found -1 at line 4, column 16 (byte 37)",
                       ek::format_error);
  // A shared id: the position of the key, escaped or not.
  CHECK(where("{\"x\\\"b\": 0,\n\"\\u0062\": 0}") == std::vector<std::int64_t>{2, 1, 12});
  CHECK(where("{\"ab\": 1, \"b\": 1}") == std::vector<std::int64_t>{1, 11, 10});
  CHECK(where("{\"b\": 1, \"\\/\": 2, \"\\u00e9\\t\": 1}") == std::vector<std::int64_t>{1, 19, 18});
  // Columns count code points: "é" before the member is one column.
  CHECK(where("{\"é\": 0, \"x\": 0}") == std::vector<std::int64_t>{1, 10, 10});
  // An empty token written as an escape-free "" and a key of one escape.
  CHECK(where("{\"a\": 0,\n   \"\": 1}") == std::vector<std::int64_t>{2, 4, 12});
  // Not an object: the first byte of the document.
  CHECK(where("\n\n  [1]") == std::vector<std::int64_t>{3, 3, 4});
}

// Found by fuzz_vocab_json (the lines round trip): "\r\r" read as the token "\r", which to_lines
// then refused to write, so a vocabulary that loaded could not be saved in its own form.
TEST_CASE("Vocabulary lines: a token left ending in '\\r' is refused where it is read") {
  for (const std::string text : {"\r\r\nx", "a\nb\r\r\nc\n", "a\nb\r\r"}) {
    INFO(text.size());
    CHECK_THROWS_WITH_AS(ek::Vocabulary::from_lines(text), doctest::Contains("ends in two '\\r'"),
                         ek::format_error);
  }
  try {
    (void)ek::Vocabulary::from_lines("a\nb\r\r\nc\n");
  } catch (const ek::format_error& e) {
    CHECK(e.line() == 2);
    CHECK(e.byte_offset() == 2);
  }
  // Whatever loads can be written back and reads back the same.
  for (const std::string text : {"a\r\nb\rc\r\n", "x\n\r\r\n\r\n", "\xc3\xa9\r\n \n"}) {
    const auto v = ek::Vocabulary::from_lines(text);
    const auto back = ek::Vocabulary::from_lines(v.to_lines());
    REQUIRE(back.size() == v.size());
    for (std::int64_t id = 0; id < v.size(); ++id) CHECK(back.token(id) == v.token(id));
  }
  CHECK(ek::Vocabulary::from_lines("x\n\r\r\n\r\n").size() == 1);  // trailing CR/LF only: blank
  CHECK(ek::Vocabulary::from_lines("\r\r").size() == 0);
}
