// word2vec reader and writer against files written by others: word2vec.c's text output shipped
// in the npm package word2vec@1.1.5, gensim's save_word2vec_format (binary and text), a
// word2vec.c-layout binary, and gensim's most_similar answers (tests/golden/
// make_word2vec_fixtures.py). Then every malformed input we could think of.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <embedkit/io/word2vec.hpp>
#include <embedkit/io/fasttext.hpp>
#include <embedkit/io/glove.hpp>

#include "support/files.hpp"
#include "support/fixture.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::data_path;
using embedkit_test::read_all;

namespace {

// An independent reader for word2vec text: getline, split on spaces, strtof.
std::map<std::string, std::vector<float>> simple_text_reader(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::map<std::string, std::vector<float>> out;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string word, tok;
    ss >> word;
    std::vector<float> v;
    while (ss >> tok) v.push_back(std::strtof(tok.c_str(), nullptr));
    out.emplace(word, v);
  }
  return out;
}

const ek::KeyedVectors& hamlet() {
  static const ek::KeyedVectors kv = ek::io::load_word2vec(data_path("word2vec/vectors.txt"));
  return kv;
}

bool same_bits(std::span<const float> a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), b.size() * sizeof(float)) == 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream ss(s);
  while (std::getline(ss, cur, sep)) out.push_back(cur);
  return out;
}

using Ranking = std::vector<std::pair<std::string, double>>;

Ranking parse_ranking(const std::string& s) {
  Ranking r;
  std::istringstream ss(s);
  std::string w;
  double v;
  while (ss >> w >> v) r.emplace_back(w, v);
  return r;
}

// Our ranking against gensim's: scores agree within `tol` position by position; words agree
// except where gensim's scores tie within `tol` (the order of ties is arbitrary in both).
void check_ranking(const std::vector<std::pair<std::string, float>>& ours, const Ranking& theirs,
                   const std::string& what) {
  INFO(what);
  // float32 rounding differs between numpy's and our kernels; analogies that subtract close
  // unit vectors amplify it.
  constexpr double tol = 1e-5;
  REQUIRE(ours.size() == theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("position " << i << ": ours " << ours[i].first << " " << ours[i].second << ", gensim "
                     << theirs[i].first << " " << theirs[i].second);
    CHECK(std::abs(ours[i].second - theirs[i].second) <= tol);
    if (ours[i].first == theirs[i].first) continue;
    bool tie = false;
    for (std::size_t j = 0; j < theirs.size(); ++j) {
      tie = tie || (theirs[j].first == ours[i].first &&
                    std::abs(theirs[j].second - theirs[i].second) <= tol);
    }
    // A word past gensim's last position may only come from a tie with that last score.
    tie = tie || (i + 1 == ours.size() && std::abs(ours[i].second - theirs[i].second) <= tol);
    CHECK(tie);
  }
}

fs::path temp_file(const std::string& name, const std::string& content) {
  const fs::path p = fs::temp_directory_path() / ("embedkit_w2v_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

std::string floats(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.begin(), s.size());
  return s;
}

// The format_error raised by parsing `text`.
ek::format_error parse_error(const std::string& text, ek::io::Word2VecOptions opt = {}) {
  try {
    (void)ek::io::word2vec_from_bytes(text, opt);
  } catch (const ek::format_error& e) {
    return e;
  }
  FAIL("expected a format_error for: " << text);
  return ek::format_error("", -1);
}

void check_error(const std::string& text, const std::string& needle, std::int64_t line,
                 std::int64_t column, std::int64_t offset = -2) {
  const auto e = parse_error(text);
  INFO(text);
  INFO(e.what());
  CHECK(std::string(e.what()).find(needle) != std::string::npos);
  CHECK(e.line() == line);
  CHECK(e.column() == column);
  if (offset != -2) CHECK(e.byte_offset() == offset);
}

}  // namespace

TEST_CASE("word2vec text from word2vec.c (npm word2vec@1.1.5 vectors.txt): shape and exact values") {
  const auto& kv = hamlet();
  CHECK(kv.size() == 2631);
  CHECK(kv.dim() == 200);
  CHECK(kv.vocabulary().token(0) == "</s>");
  CHECK(kv.vocabulary().token(1) == "the");
  const auto want = simple_text_reader(data_path("word2vec/vectors.txt"));
  REQUIRE(want.size() == 2631);
  for (const char* w : {"</s>", "the", "Ham.", "king", "Polonius", "1_Clown.", "heaven"}) {
    INFO(w);
    CHECK(same_bits(kv.vector(w), want.at(w)));
  }
  // and every row, in the file's order
  std::int64_t bad = 0;
  for (const auto& [w, v] : want) bad += same_bits(kv.vector(w), v) ? 0 : 1;
  CHECK(bad == 0);
  CHECK_THROWS_AS(kv.vector("Rosencrantz-and-Guildenstern"), ek::index_error);
}

TEST_CASE("most_similar, analogies and similarity match gensim on vectors.txt") {
  const auto& kv = hamlet();
  int checked = 0;
  for (const auto& line : embedkit_test::read_lines(data_path("word2vec/vectors.gensim.txt"))) {
    const auto f = split(line, '\t');
    if (f[0] == "most_similar") {
      REQUIRE(f.size() == 4);
      check_ranking(kv.most_similar(f[1], std::stoll(f[2])), parse_ranking(f[3]), line);
    } else if (f[0] == "analogy") {
      REQUIRE(f.size() == 5);
      std::vector<std::string> pos = split(f[1], ' '), neg = split(f[2], ' ');
      check_ranking(kv.most_similar(pos, neg, std::stoll(f[3])), parse_ranking(f[4]), line);
    } else if (f[0] == "similarity") {
      REQUIRE(f.size() == 4);
      CHECK(std::abs(kv.similarity(f[1], f[2]) - std::stod(f[3])) <= 1e-6);
    } else {
      FAIL("unknown record " << f[0]);
    }
    ++checked;
  }
  CHECK(checked == 22);
}

TEST_CASE("word2vec binary and text written by gensim, and word2vec.c's binary layout") {
  const auto want = simple_text_reader(data_path("word2vec/small.gensim.txt"));
  REQUIRE(want.size() == 40);
  for (const char* file : {"small.gensim.bin", "small.gensim.txt", "small.w2vc.bin"}) {
    INFO(file);
    const auto kv = ek::io::load_word2vec(data_path(std::string("word2vec/") + file));
    CHECK(kv.size() == 40);
    CHECK(kv.dim() == 7);
    CHECK(kv.vocabulary().token(30) == "café");
    CHECK(kv.vocabulary().token(35) == "emoji\xF0\x9F\x98\x80");
    std::int64_t bad = 0;
    for (const auto& [w, v] : want) bad += same_bits(kv.vector(w), v) ? 0 : 1;
    CHECK(bad == 0);
    CHECK(kv.vector("w5")[3] == 0.0f);
    CHECK(kv.vector("w6")[0] == 1e-40f);  // subnormal
    CHECK(kv.vector("w7")[1] == 3.0e38f);
  }
  // Forcing the wrong format fails cleanly.
  ek::io::Word2VecOptions text;
  text.format = ek::io::Word2VecFormat::text;
  CHECK_THROWS_AS(ek::io::load_word2vec(data_path("word2vec/small.gensim.bin"), text),
                  ek::format_error);
  ek::io::Word2VecOptions binary;
  binary.format = ek::io::Word2VecFormat::binary;
  CHECK_THROWS_AS(ek::io::load_word2vec(data_path("word2vec/small.gensim.txt"), binary),
                  ek::format_error);
}

TEST_CASE("save_word2vec round-trips exactly in both forms") {
  const auto src = ek::io::load_word2vec(data_path("word2vec/small.gensim.bin"));
  for (bool binary : {false, true}) {
    const fs::path p = fs::temp_directory_path() / (binary ? "embedkit_w2v_rt.bin" : "embedkit_w2v_rt.txt");
    ek::io::save_word2vec(p, src, binary);
    const auto back = ek::io::load_word2vec(p);
    REQUIRE(back.size() == src.size());
    REQUIRE(back.dim() == src.dim());
    for (std::int64_t i = 0; i < src.size(); ++i) {
      CHECK(back.vocabulary().token(i) == src.vocabulary().token(i));
      CHECK(std::memcmp(back.row(i).data(), src.row(i).data(), 7 * sizeof(float)) == 0);
    }
    fs::remove(p);
  }
  // The exact bytes of a tiny table.
  ek::Tensor<float> t = ek::Tensor<float>::empty({2, 2});
  t[0] = 0.5f, t[1] = -1.0f, t[2] = 0.1f, t[3] = 1e-40f;
  const ek::KeyedVectors kv(ek::Vocabulary({"a", "b"}), t);
  const fs::path p = fs::temp_directory_path() / "embedkit_w2v_tiny.txt";
  ek::io::save_word2vec(p, kv, false);
  std::ifstream in(p, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "2 2\na 0.5 -1\nb 0.1 1e-40\n");
  ek::io::save_word2vec(p, kv, true);
  std::ifstream in2(p, std::ios::binary);
  const std::string bin((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  CHECK(bin == "2 2\na " + floats({0.5f, -1.0f}) + "\nb " + floats({0.1f, 1e-40f}) + "\n");
  fs::remove(p);

  const ek::KeyedVectors spaced(ek::Vocabulary({"new york"}), ek::Tensor<float>::zeros({1, 2}));
  CHECK_THROWS_AS(ek::io::save_word2vec(p, spaced), ek::value_error);
  CHECK_THROWS_AS(ek::io::save_word2vec("/nonexistent-dir/x.txt", kv), ek::io_error);
}

TEST_CASE("word2vec text: accepted variations") {
  // CRLF, tabs, runs of blanks, trailing blanks (word2vec.c and fastText end rows with a space),
  // no final newline, '+' signs, exponents, inf/nan, values that underflow float32.
  const auto kv = ek::io::word2vec_from_bytes(
      "3 3\r\nx 1 -2.5 +3e2 \r\ny\t0.1\t \tinf -nan\nz 1e-50 -0 7");
  CHECK(kv.size() == 3);
  CHECK(kv.vector("x")[2] == 300.0f);
  CHECK(std::isinf(kv.vector("y")[1]));
  CHECK(std::isnan(kv.vector("y")[2]));
  CHECK(kv.vector("z")[0] == 0.0f);
  CHECK(std::signbit(kv.vector("z")[1]));
  CHECK(kv.vector("z")[2] == 7.0f);

  const auto empty = ek::io::word2vec_from_bytes("0 5\n");
  CHECK(empty.size() == 0);
  CHECK(empty.dim() == 5);
  CHECK(ek::io::word2vec_from_bytes("0 5").dim() == 5);
  CHECK(ek::io::word2vec_from_bytes("1 2\na 1 2\n\n\n").size() == 1);  // trailing blank lines
}

TEST_CASE("word2vec duplicates: the first row wins, as in gensim, or an error") {
  const std::string text = "3 1\na 1\nb 2\na 3\n";
  const auto kv = ek::io::word2vec_from_bytes(text);
  CHECK(kv.size() == 2);
  CHECK(kv.vector("a")[0] == 1.0f);
  CHECK(kv.vector("b")[0] == 2.0f);

  ek::io::Word2VecOptions strict;
  strict.duplicates = ek::io::Duplicates::error;
  const auto e = parse_error(text, strict);
  CHECK(e.line() == 4);
  CHECK(std::string(e.what()).find("word 'a' appears again (first at line 2)") !=
        std::string::npos);

  const std::string bin = "3 1\na " + floats({1}) + "b " + floats({2}) + "a " + floats({3});
  CHECK(ek::io::word2vec_from_bytes(bin).size() == 2);
  const auto eb = parse_error(bin, strict);
  CHECK(eb.byte_offset() == 16);
  CHECK(std::string(eb.what()).find("row 3 (byte 16)") != std::string::npos);
}

TEST_CASE("word2vec header errors") {
  check_error("", "expected the header '<rows> <dim>'", 1, 1, 0);
  check_error("hello world\n", "expected the header", 1, 1);
  check_error("3\n", "expected the header", 1, 1);
  check_error("3 4 5\n", "expected the header", 1, 1);
  check_error("-3 4\n", "expected the header", 1, 1);
  check_error("3 x\n", "expected the header", 1, 1);
  check_error("3 0\n", "dim 0", 1, 1);
  check_error("2 99999999999999999999\n", "expected the header", 1, 1);  // overflows int64
  check_error("1000 5\na 1 2 3 4 5\n", "more than a file of", 1, 1);
  check_error("1 1000000\na 1\n", "more than a file of", 1, 1);
}

TEST_CASE("word2vec text body errors carry line and column") {
  check_error("1 3\nfoo 1 2 x\n", "invalid number 'x'", 2, 9, 12);
  check_error("1 3\nfoo 1 2 0.5x\n", "invalid number '0.5x'", 2, 9);
  check_error("1 3\nfoo 1 2 1e39\n", "number '1e39' (number 3) is beyond the float32 range", 2, 9);
  check_error("1 3\nfoo 1 2 -1e400\n", "number '-1e400' (number 3) is beyond the float32 range", 2, 9);
  check_error("1 3\nfoo 1 2 --1\n", "invalid number", 2, 9);
  check_error("1 3\nfoo 1 2 +-1\n", "invalid number", 2, 9);
  check_error("1 3\nfoo 1 2\n", "row 'foo' ends after 2 of its 3 numbers", 2, 8);
  check_error("1 3\nfoo\n", "ends after 0 of its 3", 2, 4);
  check_error("1 3\nfoo 1 2 3 4\n", "more than 3 numbers (extra token '4')", 2, 11);
  check_error("2 3\nfoo 1 2 3\n\nbar 1 2 3\n", "empty line", 3, 1);
  check_error("3 3\nfoo 1 2 3\n\nbar 1 2 3\n", "empty line", 3, 1);
  check_error("1 3\nfoo 1 2 3\nbar 1 2 3\n", "the file has more lines", 3, 1, 14);
  check_error("2 3\nfoo 1 2 3\n", "the file ends after 1", 2, 10);
  check_error("1 3\n", "the file ends after 0", 2, 1);
  check_error("3 2\na 1 2\nb 1 2\n", "the file ends after 2", 3, 6);
  check_error("2 5\na 1\nb 2\n", "row 'a' ends after 1 of its 5", 2, 4);
  check_error("1 2\n 1 2\n", "row '1' ends after 1 of its 2", 2, 5);  // the word is "1"
}

TEST_CASE("word2vec binary body errors carry the byte offset") {
  // truncated vector
  auto e = parse_error("2 2\na " + floats({1, 2}) + "b " + floats({3}));
  CHECK(std::string(e.what()).find("the vector of 'b' needs 8 bytes, only 4 remain") !=
        std::string::npos);
  CHECK(e.byte_offset() == 16);
  // truncated before a word's space
  e = parse_error("2 2\na " + floats({1, 2}) + "b");
  CHECK(std::string(e.what()).find("expected a word and a space") != std::string::npos);
  // header promises more rows than the size allows: refused before allocating, at the first
  // missing row
  e = parse_error("9 2\na " + floats({1, 2}) + "b " + floats({3, 4}));
  CHECK(std::string(e.what()).find("row 3 (byte 24): truncated") != std::string::npos);
  CHECK(e.byte_offset() == 24);
  // data after the declared rows
  e = parse_error("1 2\na " + floats({1, 2}) + "b " + floats({3, 4}));
  CHECK(std::string(e.what()).find("data after the 1 rows") != std::string::npos);
  CHECK(e.byte_offset() == 14);
  // an empty word
  ek::io::Word2VecOptions binary;
  binary.format = ek::io::Word2VecFormat::binary;
  e = parse_error("1 2\n " + floats({1, 2}) + "\n  ", binary);
  CHECK(std::string(e.what()).find("empty word") != std::string::npos);
}

TEST_CASE("word2vec text in many chunks: parallel parse, exact rows, the first error wins") {
  // ~1.5 MB: several chunks of the parallel parser.
  const int rows = 6000, dim = 32;
  std::string text = std::to_string(rows) + " " + std::to_string(dim) + "\n";
  for (int r = 0; r < rows; ++r) {
    text.append("w").append(std::to_string(r));
    for (int j = 0; j < dim; ++j) text.append(" ").append(std::to_string(r)).append(".").append(std::to_string(j));
    text += "\n";
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  ek::io::Word2VecOptions opt;
  opt.progress = [&](std::uint64_t done, std::uint64_t total) { calls.emplace_back(done, total); };
  const auto kv = ek::io::word2vec_from_bytes(text, opt);
  CHECK(kv.size() == rows);
  CHECK(kv.vector("w4321")[7] == 4321.7f);
  CHECK(kv.vector("w5999")[31] == 5999.31f);
  REQUIRE(calls.size() >= 2);
  CHECK(calls.back().first == text.size());
  for (std::size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first >= calls[i - 1].first);

  // Errors on lines 5000 and 1000: line 1000's is reported.
  std::string bad = text;
  const auto line_start = [&](int line) {
    std::size_t p = 0;
    for (int l = 1; l < line; ++l) p = bad.find('\n', p) + 1;
    return p;
  };
  bad.replace(line_start(5000) + 6, 1, "?");
  bad.replace(line_start(1000) + 6, 1, "?");
  const auto e = parse_error(bad);
  CHECK(e.line() == 1000);

  // A progress callback that throws cancels the load.
  opt.progress = [](std::uint64_t, std::uint64_t) { throw std::runtime_error("stop"); };
  CHECK_THROWS_WITH_AS(ek::io::word2vec_from_bytes(text, opt), "stop", std::runtime_error);
}

TEST_CASE("load_word2vec reports unreadable paths as io_error") {
  CHECK_THROWS_AS(ek::io::load_word2vec("/nonexistent-dir/vectors.txt"), ek::io_error);
  const fs::path p = temp_file("ok.txt", "1 2\nhello 0.25 -4\n");
  const auto kv = ek::io::load_word2vec(p);
  CHECK(kv.vector("hello")[1] == -4.0f);
  fs::remove(p);
}

TEST_CASE("word2vec text: numbers below the double range are signed zeros, as "
          "numpy.float32(float(s))") {
  // The hostile-testing repro: these were refused as invalid numbers.
  const std::string text = "2 3\nthe 1e-400 0.5 0.25\nof 2e-324 1 2\n";
  const auto kv = ek::io::word2vec_from_bytes(text);
  CHECK(kv.vector("the")[0] == 0.0f);
  CHECK_FALSE(std::signbit(kv.vector("the")[0]));
  CHECK(kv.vector("of")[0] == 0.0f);
  CHECK(kv.vector("the")[1] == 0.5f);
  const auto neg = ek::io::word2vec_from_bytes("1 4\nx -1e-400 -2e-324 3e-324 -1e-99999999999999999999\n");
  for (int j = 0; j < 4; ++j) {
    CHECK(neg.vector("x")[static_cast<std::size_t>(j)] == 0.0f);
    CHECK(std::signbit(neg.vector("x")[static_cast<std::size_t>(j)]) == (j != 2));
  }
  // The same number parser serves fastText .vec and GloVe.
  CHECK(ek::io::fasttext_from_bytes(text).vector("of")[0] == 0.0f);
  CHECK(ek::io::glove_from_bytes("the 1e-400 0.5 0.25\nof 2e-324 1 2\n").vector("the")[0] == 0.0f);
}

namespace {

}  // namespace

TEST_CASE("word2vec detection: binary floats holding '\\n' and ' ' bytes read as binary") {
  // The hostile-testing repro: save_word2vec(binary) of a table whose first value's lowest
  // byte is 0x0A was refused by load_word2vec (the byte ended the "first line").
  auto t = ek::Tensor<float>::empty({2, 4});
  for (int i = 0; i < 8; ++i) t[i] = 0.25f * static_cast<float>(i + 1);
  t[0] = std::bit_cast<float>(0x3f80000au);  // bytes 0a 00 80 3f
  const ek::KeyedVectors kv(ek::Vocabulary(std::vector<std::string>{"king", "queen"}), t);
  const fs::path p = fs::temp_directory_path() / "embedkit_w2v_newline_byte.bin";
  ek::io::save_word2vec(p, kv, /*binary=*/true);
  const auto back = ek::io::load_word2vec(p);
  REQUIRE(back.size() == 2);
  CHECK(std::memcmp(back.vectors().data(), t.data(), 8 * sizeof(float)) == 0);
  fs::remove(p);

  // 0x0A and 0x20 at every byte of the first float, and whole floats of them; with
  // word2vec.c's newline after each vector and without (gensim).
  for (std::uint32_t pattern : {0x0au, 0x20u, 0x0a0au, 0x0a20u, 0x0a0a0a0au, 0x20202020u,
                                0x200a0020u}) {
    for (int shift = 0; shift < 32; shift += 8) {
      for (bool newline : {true, false}) {
        const std::uint32_t bits = std::rotl(pattern, shift);
        const float v = std::bit_cast<float>(bits);
        if (std::isnan(v)) continue;
        const std::string sep = newline ? "\n" : "";
        const std::string file = "2 3\nab " + floats({v, 1.5f, v}) + sep + "c " +
                                 floats({-2.0f, v, v}) + sep;
        INFO("bits " << bits << (newline ? " with" : " without") << " newlines");
        const auto kv2 = ek::io::word2vec_from_bytes(file);
        REQUIRE(kv2.size() == 2);
        CHECK(std::bit_cast<std::uint32_t>(kv2.vector("ab")[0]) == bits);
        CHECK(std::bit_cast<std::uint32_t>(kv2.vector("c")[2]) == bits);
        CHECK(kv2.vector("c")[0] == -2.0f);
      }
    }
  }

  // A first vector whose bytes spell a number ("1234" is 1.6688934e-07 as float32): text
  // reading fails on the next row, the body is laid out as binary, so binary it is.
  const std::string spelled = "2 1\na 1234\nb " + floats({0.5f}) + "\n";
  const auto sp = ek::io::word2vec_from_bytes(spelled);
  CHECK(sp.vector("a")[0] == std::bit_cast<float>(0x34333231u));
  CHECK(sp.vector("b")[0] == 0.5f);

  // A body valid as both (every vector spells a number) reads as text.
  const auto both = ek::io::word2vec_from_bytes("2 1\na 0.5\nb 1.5\n");
  CHECK(both.vector("a")[0] == 0.5f);
  CHECK(both.vector("b")[0] == 1.5f);

  // Broken files are reported as what they look like after the first word: a truncated binary
  // file whose first float starts with 0x0A is a binary error, a bad text row a text error.
  const auto eb = parse_error("2 2\na \n" + std::string("\0\x80?", 3) + floats({2}) + "b " +
                              floats({3}));
  CHECK(std::string(eb.what()).find("word2vec binary: row 2") != std::string::npos);
  const auto et = parse_error("2 2\na 1 x\nb 1 2\n");
  CHECK(std::string(et.what()).find("word2vec text: line 2") != std::string::npos);

  // The repro file as committed to the fuzz corpus.
  const auto file = read_all(fs::path(EMBEDKIT_TEST_DATA_DIR) / ".." / ".." / "fuzz" / "corpus" /
                             "word2vec" / "regression-binary-newline-byte");
  REQUIRE(file.size() == 49);
  CHECK(ek::io::word2vec_from_bytes(file).size() == 2);
}
