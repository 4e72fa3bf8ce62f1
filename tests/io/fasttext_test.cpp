// fastText .bin and .vec against fastText 0.9.2 itself: the models under tests/data/fasttext
// were trained by the fasttext CLI and the expected vectors printed by `fasttext
// print-word-vectors` (tests/golden/make_fasttext_fixtures.py). The same comparison runs on a
// freshly trained model in the fasttext_cli ctest test when the CLI is installed
// (tests/io/fasttext_cli.cmake).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <embedkit/io/fasttext.hpp>

#include "support/fixture.hpp"

namespace ek = embedkit;
using embedkit_test::data_path;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Printed {
  std::string word;
  std::vector<double> values;
};

// `fasttext print-word-vectors` output: "word v1 ... vD " per line, 5 significant digits.
std::vector<Printed> read_printed(const std::string& path) {
  std::vector<Printed> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    Printed p;
    ss >> p.word;
    for (double v; ss >> v;) p.values.push_back(v);
    out.push_back(p);
  }
  return out;
}

// Agreement to the printed precision: 5 significant digits (relative 1e-4 covers the last
// digit's rounding), with an absolute floor for values printed as tiny numbers.
bool close_to_printed(float got, double printed) {
  return std::abs(got - printed) <= 6e-5 * std::abs(printed) + 1e-9;
}

void check_against_printed(const ek::KeyedVectors& kv, const std::string& printed_path) {
  const auto printed = read_printed(printed_path);
  REQUIRE(printed.size() > 10);
  for (const auto& p : printed) {
    INFO("word '" << p.word << "'");
    REQUIRE(static_cast<std::int64_t>(p.values.size()) == kv.dim());
    const auto v = kv.word_vector(p.word);
    int bad = 0;
    for (std::int64_t j = 0; j < kv.dim(); ++j) {
      if (!close_to_printed(v[j], p.values[static_cast<std::size_t>(j)])) {
        if (bad++ == 0) MESSAGE("[" << j << "] ours " << v[j] << ", fastText " << p.values[static_cast<std::size_t>(j)]);
      }
    }
    CHECK(bad == 0);
  }
}

ek::format_error bin_error(const std::string& bytes) {
  try {
    (void)ek::io::fasttext_from_bytes(bytes);
  } catch (const ek::format_error& e) {
    return e;
  }
  FAIL("expected a format_error");
  return ek::format_error("", -1);
}

template <class T>
void poke(std::string& bytes, std::size_t at, T v) {
  std::memcpy(bytes.data() + at, &v, sizeof(T));
}

// Offsets in tiny.bin: magic 0, version 4, args 8..64 (dim at 8, bucket at 40, minn 44,
// maxn 48), dictionary counts from 64 (size, nwords, nlabels, ntokens, pruneidx_size).
constexpr std::size_t kDim = 8, kModel = 36, kBucket = 40, kSize = 64,
                      kNwords = 68, kNlabels = 72, kPruneidxSize = 84, kEntries = 92;

}  // namespace

TEST_CASE("fastText .bin: known and unseen words equal fastText's print-word-vectors") {
  const auto kv = ek::io::load_fasttext(data_path("fasttext/tiny.bin"));
  CHECK(kv.size() == 82);
  CHECK(kv.dim() == 10);
  CHECK(kv.has_subwords());
  CHECK(kv.vocabulary().token(0) == "the");  // by count, as fastText sorts
  CHECK(kv.vocabulary().token(1) == "</s>");
  CHECK(kv.contains("café"));
  CHECK_FALSE(kv.contains("cafés"));
  check_against_printed(kv, data_path("fasttext/tiny.words.txt"));
  // Known words: the stored row is the vector word_vector gives.
  const auto row = kv.vector("kitchen");
  const auto wv = kv.word_vector("kitchen");
  CHECK(std::memcmp(row.data(), wv.data(), row.size() * sizeof(float)) == 0);
  // Unseen words are usable in queries.
  CHECK(kv.most_similar("kitchens", 3).size() == 3);
  CHECK(std::isfinite(kv.similarity("cafés", "café")));
  CHECK_THROWS_AS(kv.vector("kitchens"), ek::index_error);  // vector(): stored rows only
}

TEST_CASE("fastText .vec: the table fastText wrote next to the .bin") {
  const auto vec = ek::io::load_fasttext(data_path("fasttext/tiny.vec"));
  const auto bin = ek::io::load_fasttext(data_path("fasttext/tiny.bin"));
  CHECK(vec.size() == 82);
  CHECK(vec.dim() == 10);
  CHECK_FALSE(vec.has_subwords());
  for (std::int64_t i = 0; i < bin.size(); ++i) {
    const std::string& w = bin.vocabulary().token(i);
    INFO(w);
    REQUIRE(vec.vocabulary().token(i) == w);
    const auto a = vec.row(i), b = bin.row(i);
    for (std::size_t j = 0; j < a.size(); ++j) CHECK(close_to_printed(b[j], a[j]));
  }
  CHECK_THROWS_AS(vec.word_vector("kitchens"), ek::index_error);
}

TEST_CASE("fastText supervised .bin: labels are not words; n-grams still apply") {
  const auto kv = ek::io::load_fasttext(data_path("fasttext/sup.bin"));
  CHECK(kv.dim() == 8);
  CHECK_FALSE(kv.contains("__label__food"));
  check_against_printed(kv, data_path("fasttext/sup.words.txt"));
}

TEST_CASE("fastText quantized .ftz models are refused clearly") {
  try {
    (void)ek::io::load_fasttext(data_path("fasttext/sup.ftz"));
    FAIL("expected format_error");
  } catch (const ek::format_error& e) {
    CHECK(std::string(e.what()).find("quantized") != std::string::npos);
    CHECK(e.byte_offset() > 0);
  }
}

TEST_CASE("fastText subword hashing and n-grams follow fastText's Dictionary") {
  using ek::io::detail::fasttext::hash;
  CHECK(hash("") == 2166136261u);
  CHECK(hash("a") == 0xe40c292cu);      // plain FNV-1a for ASCII
  CHECK(hash("\xC3\xA9") == 1023043777u);  // "é": bytes sign-extended (plain FNV-1a: 513665217)
  CHECK(hash("<ab>") == 674621742u);

  ek::io::detail::fasttext::SubwordParams p;
  p.nwords = 10;
  p.minn = 2;
  p.maxn = 4;
  p.bucket = 1000003;
  const ek::io::detail::fasttext::SubwordTable t(p, ek::Tensor<float>::zeros({10 + p.bucket, 1}));
  const auto rows_of = [&](std::string_view w) {
    std::vector<std::int64_t> r;
    t.ngram_rows(w, r);
    return r;
  };
  const auto row = [&](std::string_view ng) { return 10 + std::int64_t(hash(ng) % 1000003u); };
  // "<ab>": every n-gram of 2..4 code points, the whole "<ab>" included
  CHECK(rows_of("ab") ==
        std::vector<std::int64_t>{row("<a"), row("<ab"), row("<ab>"), row("ab"), row("ab>"), row("b>")});
  // code points, not bytes
  CHECK(rows_of("\xC3\xA9") ==
        std::vector<std::int64_t>{row("<\xC3\xA9"), row("<\xC3\xA9>"), row("\xC3\xA9>")});
  CHECK(rows_of("</s>").empty());

  // minn = 1 keeps inner 1-grams but never "<" or ">"
  p.minn = 1;
  p.maxn = 1;
  const ek::io::detail::fasttext::SubwordTable t1(p, ek::Tensor<float>::zeros({10 + p.bucket, 1}));
  std::vector<std::int64_t> r;
  t1.ngram_rows("xy", r);
  CHECK(r == std::vector<std::int64_t>{row("x"), row("y")});

  // pruned: buckets map through pruneidx, others are dropped
  p.minn = 2;
  p.maxn = 2;
  p.pruneidx_size = 1;
  p.pruneidx[static_cast<std::int32_t>(hash("<a") % 1000003u)] = 0;
  const ek::io::detail::fasttext::SubwordTable tp(p, ek::Tensor<float>::zeros({11, 1}));
  r.clear();
  tp.ngram_rows("ab", r);
  CHECK(r == std::vector<std::int64_t>{10});
}

TEST_CASE("fastText .bin: every truncation is a format_error") {
  const std::string bin = slurp(data_path("fasttext/tiny.bin"));
  REQUIRE(bin.size() > 40000);
  int checked = 0;
  for (std::size_t n = 0; n < bin.size(); n += (n < 2500 ? 1 : 211)) {
    const auto e = bin_error(bin.substr(0, n));
    if (n >= 4) CHECK(std::string(e.what()).find("fastText") != std::string::npos);
    ++checked;
  }
  CHECK(checked > 2500);
  CHECK(std::string(bin_error(bin + "x").what()).find("after the output matrix") != std::string::npos);
}

TEST_CASE("fastText .bin: inconsistent headers are refused before allocating") {
  const std::string bin = slurp(data_path("fasttext/tiny.bin"));
  const auto fails_with = [&](std::size_t at, auto value, const std::string& needle) {
    std::string b = bin;
    poke(b, at, value);
    const auto e = bin_error(b);
    INFO(e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
  };
  fails_with(4, std::int32_t{13}, "version 13 is not supported");
  fails_with(kDim, std::int32_t{0}, "dim 0 must be positive");
  fails_with(kDim, std::int32_t{11}, "input matrix has shape [1082, 10], expected [1082, 11]");
  fails_with(kBucket, std::int32_t{-1}, "bucket -1 is negative");
  fails_with(kBucket, std::int32_t{0}, "bucket is 0 but maxn 4");
  fails_with(kBucket, std::int32_t{999}, "expected [1081, 10]");
  fails_with(kSize, std::int32_t{2000000000}, "inconsistent dictionary counts");
  fails_with(kNwords, std::int32_t{2000000000}, "inconsistent dictionary counts");
  fails_with(kNlabels, std::int32_t{-1}, "inconsistent dictionary counts");
  fails_with(kPruneidxSize, std::int64_t{-5}, "pruneidx_size -5 is invalid");
  fails_with(kPruneidxSize, std::int64_t{1} << 40, "pruneidx pairs cannot fit");
  {
    std::string b = bin;  // more entries than the file can hold
    poke(b, kSize, std::int32_t{1000000});
    poke(b, kNwords, std::int32_t{1000000});
    CHECK(std::string(bin_error(b).what()).find("dictionary entries cannot fit") != std::string::npos);
  }
  {
    std::string b = bin;  // a label where a word must be: the first entry's type byte
    const std::size_t type_at = kEntries + std::strlen(b.data() + kEntries) + 1 + 8;
    poke(b, type_at, std::int8_t{1});
    CHECK(std::string(bin_error(b).what()).find("entry 0 has type 1, expected 0 (word)") !=
          std::string::npos);
  }
  // version 11 supervised models have no n-grams in fastText 0.9.2: the table reads, the words
  // are then their own rows
  std::string v11 = bin;
  poke(v11, 4, std::int32_t{11});
  poke(v11, kModel, std::int32_t{3});
  const auto kv = ek::io::fasttext_from_bytes(v11);
  CHECK(kv.size() == 82);
}

namespace {

// A .bin model laid out as FastText::saveModel writes it (version 12), with the args and the
// dictionary given: the input matrix has the rows the args and dictionary address (nwords +
// bucket, or nwords + pruneidx_size), filled with row index + column / 10, and the output
// matrix is [0, dim].
struct BinSpec {
  std::int32_t dim = 2, bucket = 0, minn = 3, maxn = 6, model = 2;
  std::int64_t pruneidx_size = -1;
  std::vector<std::string> words{"hello"};
  std::vector<std::pair<std::int32_t, std::int32_t>> pruneidx;
};

template <class T>
void put(std::string& b, T v) {
  char raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  b.append(raw, sizeof(T));
}

std::string make_bin(const BinSpec& s) {
  std::string b;
  put(b, std::int32_t{793712314});
  put(b, std::int32_t{12});
  for (std::int32_t v : {s.dim, 5, 5, 1, 5, 1, 1, s.model, s.bucket, s.minn, s.maxn, 100}) put(b, v);
  put(b, 1e-4);
  const auto nwords = static_cast<std::int32_t>(s.words.size());
  put(b, nwords);  // size
  put(b, nwords);
  put(b, std::int32_t{0});  // nlabels
  put(b, std::int64_t{10});
  put(b, s.pruneidx_size);
  for (const auto& w : s.words) {
    b += w;
    b += '\0';
    put(b, std::int64_t{1});
    put(b, std::int8_t{0});
  }
  for (const auto& [from, to] : s.pruneidx) {
    put(b, from);
    put(b, to);
  }
  const std::int64_t rows = nwords + (s.pruneidx_size >= 0 ? s.pruneidx_size : s.bucket);
  put(b, std::uint8_t{0});
  put(b, rows);
  put(b, std::int64_t{s.dim});
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int32_t j = 0; j < s.dim; ++j) put(b, static_cast<float>(r) + static_cast<float>(j) / 10);
  }
  put(b, std::uint8_t{0});
  put(b, std::int64_t{0});
  put(b, std::int64_t{s.dim});
  return b;
}

}  // namespace

TEST_CASE("fastText .bin: bucket 0 with character n-grams is refused at the bucket field, "
          "never divided by") {
  // The hostile-testing repro (pruneidx_size 0, bucket 0, minn 3, maxn 6) used to divide by
  // zero in the n-gram hash; fastText 0.9.2 itself divides by zero on it (hash % bucket comes
  // before its pruneidx lookup), and never writes bucket 0 unless maxn is 0.
  for (std::int64_t pruneidx_size : {std::int64_t{0}, std::int64_t{-1}}) {
    for (const auto& mm : {std::pair{3, 6}, std::pair{1, 1}, std::pair{0, 1}, std::pair{-5, 2},
                           std::pair{6, 6}, std::pair{2, 2147483647}}) {
      const int minn = mm.first, maxn = mm.second;
      BinSpec s;
      s.pruneidx_size = pruneidx_size;
      s.minn = minn;
      s.maxn = maxn;
      INFO("pruneidx_size " << pruneidx_size << ", minn " << minn << ", maxn " << maxn);
      const auto e = bin_error(make_bin(s));
      INFO(e.what());
      CHECK(std::string(e.what()).find("bucket is 0 but maxn " + std::to_string(maxn) +
                                       " and minn " + std::to_string(minn)) != std::string::npos);
      CHECK(e.byte_offset() == static_cast<std::int64_t>(kBucket));
    }
  }
  // The repro's file has this layout (its floats aside); it is in the fuzz corpus as
  // fuzz/corpus/fasttext/regression-bucket0-pruned.bin.
  BinSpec repro;
  repro.pruneidx_size = 0;
  const std::string bytes = make_bin(repro);
  CHECK(bytes.size() == 149);
  CHECK_THROWS_AS(ek::io::fasttext_from_bytes(bytes), ek::format_error);
}

TEST_CASE("fastText .bin: bucket 0 without n-grams reads; words are their own rows, unseen "
          "words zeros") {
  // maxn 0 (what fastText writes with bucket 0) or minn > maxn: no n-gram is ever hashed.
  for (const auto& mm : {std::pair{0, 0}, std::pair{3, 0}, std::pair{7, 6}, std::pair{1, -1}}) {
    const int minn = mm.first, maxn = mm.second;
    for (std::int64_t pruneidx_size : {std::int64_t{-1}, std::int64_t{0}}) {
      BinSpec s;
      s.minn = minn;
      s.maxn = maxn;
      s.pruneidx_size = pruneidx_size;
      s.words = {"hello", "world"};
      const auto kv = ek::io::fasttext_from_bytes(make_bin(s));
      REQUIRE(kv.size() == 2);
      CHECK(kv.vector("world")[0] == 1.0f);
      CHECK(kv.vector("world")[1] == 1.1f);
      const auto unseen = kv.word_vector("unseen");
      CHECK(unseen[0] == 0.0f);
      CHECK(unseen[1] == 0.0f);
      CHECK(kv.similarity("unseen", "hello") == 0.0f);
    }
  }
}

TEST_CASE("fastText SubwordTable refuses parameters that would divide by zero or address "
          "missing rows") {
  using ek::io::detail::fasttext::SubwordParams;
  using ek::io::detail::fasttext::SubwordTable;
  SubwordParams p;
  p.nwords = 2;
  p.minn = 3;
  p.maxn = 6;
  p.bucket = 0;
  CHECK_THROWS_WITH_AS(SubwordTable(p, ek::Tensor<float>::zeros({2, 1})),
                       doctest::Contains("bucket is 0 but maxn 6"), ek::value_error);
  p.pruneidx_size = 0;
  CHECK_THROWS_AS(SubwordTable(p, ek::Tensor<float>::zeros({2, 1})), ek::value_error);
  p.maxn = 0;
  const SubwordTable none(p, ek::Tensor<float>::zeros({2, 1}));
  std::vector<std::int64_t> rows;
  none.ngram_rows("anything", rows);
  CHECK(rows.empty());
  // rows the parameters address must exist
  p.pruneidx_size = -1;
  p.bucket = 5;
  p.maxn = 6;
  CHECK_THROWS_WITH_AS(SubwordTable(p, ek::Tensor<float>::zeros({6, 1})),
                       doctest::Contains("expected [7, dim]"), ek::value_error);
  p.pruneidx_size = 1;
  p.pruneidx[3] = 1;  // compacted bucket 1 of 1
  CHECK_THROWS_WITH_AS(SubwordTable(p, ek::Tensor<float>::zeros({3, 1})),
                       doctest::Contains("pruneidx pair (3, 1) is out of range [0, 1)"),
                       ek::value_error);
  p.pruneidx[3] = 0;
  p.nwords = std::numeric_limits<std::int64_t>::max();
  CHECK_THROWS_WITH_AS(SubwordTable(p, ek::Tensor<float>::zeros({3, 1})),
                       doctest::Contains("overflows int64"), ek::value_error);
}

TEST_CASE("fastText .bin: hostile args (bucket, minn, maxn, dim, pruneidx) load or raise "
          "format_error") {
  int loaded = 0;
  for (std::int32_t bucket : {0, 1, 3}) {
    for (std::int32_t minn : {-2147483647 - 1, -1, 0, 1, 3, 2147483647}) {
      for (std::int32_t maxn : {-2147483647 - 1, -1, 0, 1, 6, 2147483647}) {
        for (std::int64_t pruneidx_size : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}}) {
          BinSpec s;
          s.bucket = bucket;
          s.minn = minn;
          s.maxn = maxn;
          s.pruneidx_size = pruneidx_size;
          s.words = {"a", "caf\xC3\xA9", "</s>", "\xF0\x9F\x98\x80x"};
          if (pruneidx_size == 1) s.pruneidx = {{0, 0}};
          INFO("bucket " << bucket << ", minn " << minn << ", maxn " << maxn << ", pruneidx_size "
                         << pruneidx_size);
          try {
            const auto kv = ek::io::fasttext_from_bytes(make_bin(s));
            (void)kv.word_vector("unseen\xC3\xA9word");
            (void)kv.most_similar("zz", 2);
            ++loaded;
          } catch (const ek::format_error& e) {
            CHECK(std::string(e.what()).find("bucket is 0") != std::string::npos);
            CHECK(bucket == 0);
          }
        }
      }
    }
  }
  CHECK(loaded > 200);
  // dim and a pruneidx pair out of range
  BinSpec s;
  s.dim = -3;
  CHECK_THROWS_AS(ek::io::fasttext_from_bytes(make_bin(s)), ek::format_error);
  s.dim = 2;
  s.bucket = 4;
  s.pruneidx_size = 1;
  s.pruneidx = {{7, 1}};
  CHECK_THROWS_WITH_AS(ek::io::fasttext_from_bytes(make_bin(s)),
                       doctest::Contains("pruneidx pair (7, 1) is out of range"), ek::format_error);
}
