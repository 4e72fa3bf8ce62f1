#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <utility>
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

namespace {

// Everything a LineReader gives, next() called again after each error as the guide says:
// "R<line>:<json>" for a record, "E<line>@<byte>" for a format_error. Gives up after `cap`
// calls, so a reader that never moves on fails the test instead of hanging it.
std::vector<std::string> read_reporting(std::istream& in, json::LineReaderOptions opt,
                                        int cap = 10000) {
  json::LineReader reader(in, opt);
  std::vector<std::string> out;
  for (json::Value v; cap-- > 0;) {
    try {
      if (!reader.next(v)) return out;
      // (Appended piecewise: GCC 12's -Wrestrict misfires on "R" + std::to_string(...).)
      std::string r(1, 'R');
      r += std::to_string(reader.line());
      r += ':';
      r += json::dump(v);
      out.push_back(std::move(r));
    } catch (const ek::format_error& e) {
      std::string r(1, 'E');
      r += std::to_string(e.line());
      r += '@';
      r += std::to_string(e.byte_offset());
      out.push_back(std::move(r));
    }
  }
  out.emplace_back("gave up: the reader does not move on");
  return out;
}

std::vector<std::string> read_reporting(const std::string& text, std::size_t max_line_bytes) {
  std::istringstream in(text);
  json::LineReaderOptions opt;
  opt.max_line_bytes = max_line_bytes;
  return read_reporting(in, opt);
}

// A stream of `n` bytes of 'x' and then "\n[7]\n", made up as it is read (never held whole).
class LongLineBuf : public std::streambuf {
 public:
  explicit LongLineBuf(std::size_t n) : left_(n) {}

 protected:
  int_type underflow() override {
    if (left_ > 0) {
      const std::size_t k = std::min(left_, sizeof chunk_);
      std::fill(chunk_, chunk_ + k, 'x');
      left_ -= k;
      setg(chunk_, chunk_, chunk_ + k);
      return traits_type::to_int_type(chunk_[0]);
    }
    if (!tail_done_) {
      tail_done_ = true;
      static char tail[] = "\n[7]\n";
      setg(tail, tail, tail + 5);
      return traits_type::to_int_type(tail[0]);
    }
    return traits_type::eof();
  }

 private:
  std::size_t left_;
  bool tail_done_ = false;
  char chunk_[4096];
};

}  // namespace

// Regression (hostile testing, 04): a line longer than max_line_bytes was not consumed, so the
// documented "report it and go on with next()" loop raised the same error forever.
TEST_CASE("LineReader skips a line over max_line_bytes and goes on with the next one") {
  const std::string big = "{\"big\":\"" + std::string(200, 'x') + "\"}";
  // The repro: the long line is reported once, then line 3 is read.
  CHECK(read_reporting("{\"a\":1}\n" + big + "\n{\"c\":3}\n", 100) ==
        std::vector<std::string>{"R1:{\"a\":1}", "E2@8", "R3:{\"c\":3}"});
  // The long line first, last (with and without its line end), in a row, with CRLF, and
  // between blank lines.
  CHECK(read_reporting(big + "\n[1]\n", 100) == std::vector<std::string>{"E1@0", "R2:[1]"});
  CHECK(read_reporting("[1]\n" + big, 100) == std::vector<std::string>{"R1:[1]", "E2@4"});
  CHECK(read_reporting("[1]\n" + big + "\n", 100) == std::vector<std::string>{"R1:[1]", "E2@4"});
  CHECK(read_reporting(big + "\n" + big + "\r\n\n" + big + "\n[2]", 100) ==
        std::vector<std::string>{"E1@0", "E2@211", "E4@424", "R5:[2]"});
  // The limit counts the line without its line end, "\r\n" included.
  CHECK(read_reporting("[12345]\r\n[1234567]\r\n[1]", 7) ==
        std::vector<std::string>{"R1:[12345]", "E2@9", "R3:[1]"});
  CHECK(read_reporting("[12345]\r\n[1234567]\r\n[1]", 9) ==
        std::vector<std::string>{"R1:[12345]", "R2:[1234567]", "R3:[1]"});
  // A limit of 0 refuses every non-empty line, blank ones stay skipped.
  CHECK(read_reporting("1\n\n2\n", 0) == std::vector<std::string>{"E1@0", "E3@3"});
  // Lines longer than the read chunk (64 KiB), both under and over the limit, with byte
  // offsets kept exact across the skipped data.
  const std::string huge(300000, ' ');
  const std::string text = "[" + huge + "1]\n" + "[" + huge + "2]\n[3]\n";
  CHECK(read_reporting(text, 1000) ==
        std::vector<std::string>{"E1@0", "E2@300004", "R3:[3]"});
  CHECK(read_reporting(text, 400000) ==
        std::vector<std::string>{"R1:[1]", "R2:[2]", "R3:[3]"});
  // A parse error after a skipped line still carries the absolute offset.
  CHECK(read_reporting("[" + huge + "1]\n[1,]\n[4]", 1000) ==
        std::vector<std::string>{"E1@0", "E2@300007", "R3:[4]"});

  // Skipping holds at most a chunk at a time: a 64 MiB line passes through a 1 KiB limit.
  LongLineBuf buf(std::size_t{64} << 20);
  std::istream in(&buf);
  json::LineReaderOptions opt;
  opt.max_line_bytes = 1024;
  CHECK(read_reporting(in, opt) == std::vector<std::string>{"E1@0", "R2:[7]"});
}
