#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

namespace {

std::vector<std::string> read_all(const std::string& text, json::LineReaderOptions opt = {}) {
  std::istringstream in(text);
  json::LineReader reader(in, opt);
  std::vector<std::string> out;
  for (json::Value v; reader.next(v);) out.push_back(json::dump(v));
  return out;
}

}  // namespace

TEST_CASE("LineReader reads one value per line, skipping blank lines, accepting CRLF") {
  CHECK(read_all("{\"in0\": [1, 2]}\n{\"in0\": [3]}\n") ==
        std::vector<std::string>{R"({"in0":[1,2]})", R"({"in0":[3]})"});
  CHECK(read_all("1\r\n\r\n  \t\n2\r\n3") == std::vector<std::string>{"1", "2", "3"});
  CHECK(read_all("").empty());
  CHECK(read_all("\n\n \n").empty());
  CHECK(read_all("[1]") == std::vector<std::string>{"[1]"});
}

TEST_CASE("LineReader reports the line, column and absolute byte offset of errors") {
  std::istringstream in("{\"a\": 1}\n\n{\"a\": 2,}\n{\"a\": 3}\n");
  json::LineReader reader(in);
  json::Value v;
  REQUIRE(reader.next(v));
  CHECK(reader.line() == 1);
  try {
    reader.next(v);
    FAIL("expected a format_error");
  } catch (const ek::format_error& e) {
    CHECK(std::string(e.what()) ==
          "expected a string key after ',' at line 3, column 9 (byte 18): found '}'");
    CHECK(e.line() == 3);
    CHECK(e.column() == 9);
    CHECK(e.byte_offset() == 18);
  }
  // The bad line is consumed: reading goes on with the next one.
  REQUIRE(reader.next(v));
  CHECK(reader.line() == 4);
  CHECK(v.at("a").as_int64() == 3);
  CHECK(!reader.next(v));
}

TEST_CASE("LineReader streams lines longer than its read chunk and bounds line length") {
  std::string big = "[";
  for (int i = 0; i < 40000; ++i) big += (i ? ",\"abcdefgh\"" : "\"abcdefgh\"");
  big += "]";
  std::string text;
  for (int i = 0; i < 5; ++i) text += big + "\n";
  const auto lines = read_all(text);
  REQUIRE(lines.size() == 5);
  CHECK(json::parse(lines[4]).size() == 40000);

  // An error on the fifth line reports its absolute offset even after buffer compaction.
  std::istringstream in(text + "[1,\n");
  json::LineReader reader(in);
  json::Value v;
  for (int i = 0; i < 5; ++i) REQUIRE(reader.next(v));
  try {
    reader.next(v);
    FAIL("expected a format_error");
  } catch (const ek::format_error& e) {
    CHECK(e.line() == 6);
    CHECK(e.byte_offset() == static_cast<std::int64_t>(text.size() + 3));
  }

  json::LineReaderOptions small;
  small.max_line_bytes = 1000;
  CHECK_THROWS_WITH_AS(read_all(text, small),
                       doctest::Contains("line 1 is longer than the limit of 1000 bytes"),
                       ek::format_error);
  CHECK(read_all("[1,2]\n", small).size() == 1);
}

TEST_CASE("LineReader opens files and names the path when it cannot") {
  const auto path = std::filesystem::temp_directory_path() / "embedkit_json_lines_test.jsonl";
  std::ofstream(path, std::ios::binary) << "{\"embeddings\": [0.5, -1.0]}\n{\"embeddings\": []}\n";
  json::LineReader reader(path);
  int n = 0;
  for (json::Value v; reader.next(v);) {
    CHECK(v.contains("embeddings"));
    ++n;
  }
  CHECK(n == 2);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(json::LineReader{path}, doctest::Contains("embedkit_json_lines_test.jsonl"),
                       ek::io_error);
}
