// Vocabulary: ids, unknown tokens, the one-token-per-line and JSON forms, and their errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <embedkit/io/vocabulary.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("embedkit_vocab_" + name);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
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
