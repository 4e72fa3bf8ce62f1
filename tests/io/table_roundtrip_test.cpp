// Property: every file embedkit's own writers produce reads back through format detection, bit
// for bit. save_word2vec text and binary with random tables (many seeds and dims, 300 among
// them, values drawn as raw bit patterns so that their bytes include 0x0A and 0x20), read by
// load_word2vec with detection, and the text form also as a fastText .vec, as GloVe (with and
// without its header) and through detect_table_format. Binary word2vec detection used to refuse
// about 0.7% of such files (a 0x0A byte in a float ended the "first line").
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <embedkit/io/fasttext.hpp>
#include <embedkit/io/glove.hpp>
#include <embedkit/io/table_format.hpp>
#include <embedkit/io/word2vec.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::read_all;

namespace {

// A random table: words w<i>_<random ASCII/UTF-8 tail>, values from random bit patterns (no
// NaN: text writes every NaN as "nan", which reads back as the default NaN), with 0x0A and 0x20
// bytes planted often and infinities, zeros and subnormals mixed in.
ek::KeyedVectors random_table(std::mt19937_64& rng, std::int64_t rows, std::int64_t dim) {
  auto t = ek::Tensor<float>::empty({rows, dim});
  for (std::int64_t i = 0; i < rows * dim; ++i) {
    std::uint32_t bits = static_cast<std::uint32_t>(rng());
    switch (rng() % 8) {
      case 0: bits = (bits & ~0xFFu) | 0x0Au; break;              // '\n' as the first byte
      case 1: bits = (bits & ~0xFF00u) | 0x2000u; break;          // ' ' inside
      case 2: bits = (bits & 0x807FFFFFu) | 0x3D000000u; break;   // a normal value near 0.03
      case 3: bits &= 0x807FFFFFu; break;                         // subnormal or zero
      default: break;
    }
    if ((bits & 0x7F800000u) == 0x7F800000u) bits &= 0xFF800000u;  // NaN -> inf
    t[i] = std::bit_cast<float>(bits);
  }
  std::vector<std::string> words;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::string w = "w";  // (by appends: GCC 12's -Wrestrict misfires on "w" + std::string)
    w.append(std::to_string(r)).append("_");
    for (std::uint64_t k = rng() % 4; k > 0; --k) w += static_cast<char>('a' + rng() % 26);
    if (rng() % 3 == 0) w += "\xC3\xA9";
    words.push_back(w);
  }
  return ek::KeyedVectors(ek::Vocabulary(words), std::move(t));
}

bool same_table(const ek::KeyedVectors& a, const ek::KeyedVectors& b) {
  if (a.size() != b.size() || a.dim() != b.dim()) return false;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    if (a.vocabulary().token(i) != b.vocabulary().token(i)) return false;
  }
  return std::memcmp(a.vectors().data(), b.vectors().data(),
                     static_cast<std::size_t>(a.size() * a.dim()) * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("every table save_word2vec writes reads back through detection, bit-identical") {
  const fs::path dir = fs::temp_directory_path() / "embedkit_table_roundtrip";
  fs::create_directories(dir);
  std::mt19937_64 rng(20240611);
  int files = 0, failures = 0;
  for (int seed = 0; seed < 160; ++seed) {
    const std::int64_t dims[] = {1, 2, 3, 4, 7, 16, 300};
    const std::int64_t dim = dims[seed % 7];
    const std::int64_t rows = 1 + static_cast<std::int64_t>(rng() % (dim == 300 ? 6 : 24));
    const auto kv = random_table(rng, rows, dim);
    for (bool binary : {true, false}) {
      const fs::path p = dir / (binary ? "t.bin" : "t.txt");
      ek::io::save_word2vec(p, kv, binary);
      ++files;
      INFO("seed " << seed << ", dim " << dim << ", rows " << rows << (binary ? " binary" : " text"));
      try {
        const std::string bytes = read_all(p);
        CHECK(ek::io::detect_table_format(bytes) == ek::io::TableFormat::word2vec);
        if (!same_table(ek::io::load_word2vec(p), kv)) ++failures;
        if (!binary) {
          if (!same_table(ek::io::load_fasttext(p), kv)) ++failures;  // a .vec file
          if (!same_table(ek::io::glove_from_bytes(bytes), kv)) ++failures;  // glove2word2vec
          const std::string body = bytes.substr(bytes.find('\n') + 1);     // plain GloVe
          if (!same_table(ek::io::glove_from_bytes(body), kv)) ++failures;
        }
      } catch (const ek::error& e) {
        ++failures;
        MESSAGE("refused: " << std::string(e.what()));
      }
    }
  }
  CHECK(files == 320);
  CHECK(failures == 0);
  fs::remove_all(dir);
}

TEST_CASE("random dim-300 binary word2vec bodies all read through detection") {
  // The shape of the hostile-testing measurement (03b): N(0, 0.1) values, 3 rows, dim 300,
  // word2vec.c's layout; 5000 files there, ~0.7% refused before.
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 0.1f);
  int refused = 0, wrong = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const bool newline = trial % 2 == 0;  // word2vec.c writes one after each vector, gensim not
    std::string file = "3 300\n";
    std::vector<float> all;
    for (const char* w : {"the", "of", "and"}) {
      file += w;
      file += ' ';
      for (int j = 0; j < 300; ++j) {
        const float v = nd(rng);
        all.push_back(v);
        file.append(reinterpret_cast<const char*>(&v), 4);
      }
      if (newline) file += '\n';
    }
    try {
      const auto kv = ek::io::word2vec_from_bytes(file);
      if (kv.size() != 3 ||
          std::memcmp(kv.vectors().data(), all.data(), all.size() * sizeof(float)) != 0) {
        ++wrong;
      }
    } catch (const ek::error&) {
      ++refused;
    }
  }
  CHECK(refused == 0);
  CHECK(wrong == 0);
}
