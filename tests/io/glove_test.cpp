// GloVe text tables: no header (or gensim's glove2word2vec header), dim from the first line,
// words with spaces on request; checked against the word2vec reader on the npm fixture.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <embedkit/io/glove.hpp>
#include <embedkit/io/word2vec.hpp>

#include "support/fixture.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

ek::format_error glove_error(const std::string& text, ek::io::GloveOptions opt = {}) {
  try {
    (void)ek::io::glove_from_bytes(text, opt);
  } catch (const ek::format_error& e) {
    return e;
  }
  FAIL("expected a format_error for: " << text);
  return ek::format_error("", -1);
}

}  // namespace

TEST_CASE("GloVe: rows without a header, dim from the first line") {
  const auto kv = ek::io::glove_from_bytes("the 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899\nof 0.70853 0.57088 -0.4716\n");
  CHECK(kv.size() == 3);
  CHECK(kv.dim() == 3);
  CHECK(kv.vector(",")[1] == 0.23682f);
  CHECK(kv.vocabulary().token(2) == "of");
  // a one-row, one-number file
  CHECK(ek::io::glove_from_bytes("x 1").dim() == 1);
}

TEST_CASE("GloVe: the npm word2vec fixture read with and without its header") {
  const std::string path = embedkit_test::data_path("word2vec/vectors.txt");
  const auto w2v = ek::io::load_word2vec(path);
  // with the "2631 200" header (the glove2word2vec layout)
  const auto with_header = ek::io::load_glove(path);
  // and with the header line cut off (plain GloVe)
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const fs::path plain = fs::temp_directory_path() / "embedkit_glove_plain.txt";
  std::ofstream(plain, std::ios::binary) << text.substr(text.find('\n') + 1);
  const auto headerless = ek::io::load_glove(plain);
  fs::remove(plain);
  for (const auto* kv : {&with_header, &headerless}) {
    REQUIRE(kv->size() == w2v.size());
    REQUIRE(kv->dim() == 200);
    CHECK(std::memcmp(kv->vectors().data(), w2v.vectors().data(),
                      static_cast<std::size_t>(w2v.vectors().numel()) * sizeof(float)) == 0);
    CHECK(kv->vocabulary().token(2630) == w2v.vocabulary().token(2630));
  }
}

TEST_CASE("GloVe: a header's row count is checked like word2vec's") {
  CHECK(ek::io::glove_from_bytes("2 2\na 1 2\nb 3 4\n").size() == 2);
  const auto e = glove_error("3 2\na 1 2\nb 3 4\n");
  CHECK(std::string(e.what()).find("declares 3 rows") != std::string::npos);
  // Two integers followed by rows of another width are data: the word "3", dim 1.
  const auto kv = ek::io::glove_from_bytes("3 2\n4 5\n");
  CHECK(kv.size() == 2);
  CHECK(kv.dim() == 1);
  CHECK(kv.vector("3")[0] == 2.0f);
}

TEST_CASE("GloVe: words with spaces, on request") {
  const std::string text = "the 1 2\n. . . 3 4\nat name@domain.com 5 6\n";
  const auto e = glove_error(text);
  CHECK(e.line() == 2);
  CHECK(std::string(e.what()).find("invalid number '.'") != std::string::npos);
  ek::io::GloveOptions opt;
  opt.words_with_spaces = true;
  const auto kv = ek::io::glove_from_bytes(text, opt);
  CHECK(kv.size() == 3);
  CHECK(kv.vector(". . .")[1] == 4.0f);
  CHECK(kv.vector("at name@domain.com")[0] == 5.0f);
  const auto short_row = glove_error("the 1 2\nx 3\n", opt);
  CHECK(short_row.line() == 2);
  CHECK(std::string(short_row.what()).find("fewer than 3 tokens") != std::string::npos);
}

TEST_CASE("GloVe errors") {
  auto e = glove_error("");
  CHECK(std::string(e.what()).find("no rows") != std::string::npos);
  e = glove_error("\n \n");
  CHECK(std::string(e.what()).find("no rows") != std::string::npos);
  e = glove_error("lonely\n");
  CHECK(std::string(e.what()).find("at least one number") != std::string::npos);
  CHECK(e.line() == 1);
  e = glove_error("a 1 2\nb 1\n");
  CHECK(e.line() == 2);
  CHECK(e.column() == 4);
  CHECK(std::string(e.what()).find("ends after 1 of its 2 numbers") != std::string::npos);
  e = glove_error("a 1 2\nb 1 2 3\n");
  CHECK(e.line() == 2);
  CHECK(std::string(e.what()).find("more than 2 numbers") != std::string::npos);
  e = glove_error("a 1 2\nb 1 zz\n");
  CHECK(e.line() == 2);
  CHECK(e.column() == 5);
  CHECK(e.byte_offset() == 10);

  ek::io::GloveOptions strict;
  strict.duplicates = ek::io::Duplicates::error;
  e = glove_error("a 1\nb 2\na 3\n", strict);
  CHECK(e.line() == 3);
  CHECK(ek::io::glove_from_bytes("a 1\nb 2\na 3\n").vector("a")[0] == 1.0f);
  CHECK_THROWS_AS(ek::io::load_glove("/nonexistent/glove.txt"), ek::io_error);
}

TEST_CASE("GloVe: a first line declaring an extreme dim is no header and no overflow") {
  // "<rows> <dim>" with dim = INT64_MAX: checking for a header compared the second line's
  // token count with dim + 1, a signed overflow (UBSan found it).
  const auto kv = ek::io::glove_from_bytes("0 9223372036854775807\nx 1\n");
  CHECK(kv.size() == 2);
  CHECK(kv.dim() == 1);
  CHECK(kv.vector("0")[0] == 9223372036854775807.0f);
  CHECK_THROWS_AS(ek::io::glove_from_bytes("0 9223372036854775807\nx\n"), ek::format_error);
}
