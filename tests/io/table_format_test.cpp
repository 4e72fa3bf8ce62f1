// detect_table_format: which loader a pretrained table needs, from its first bytes, on the
// committed fixtures and on hand-made heads.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <embedkit/io/table_format.hpp>

#include "support/fixture.hpp"

namespace ek = embedkit;
using ek::io::TableFormat;

namespace {

TableFormat detect_file(const std::string& name, std::size_t head_bytes = 256) {
  std::ifstream in(embedkit_test::data_path(name), std::ios::binary);
  REQUIRE(in);
  std::string head(head_bytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return ek::io::detect_table_format(head);
}

}  // namespace

TEST_CASE("detect_table_format tells fastText .bin, word2vec and GloVe files apart") {
  CHECK(detect_file("fasttext/tiny.bin") == TableFormat::fasttext);
  CHECK(detect_file("fasttext/sup.ftz") == TableFormat::fasttext);  // the loader refuses it
  CHECK(detect_file("fasttext/tiny.vec") == TableFormat::word2vec);
  CHECK(detect_file("word2vec/vectors.txt") == TableFormat::word2vec);
  CHECK(detect_file("word2vec/small.gensim.bin") == TableFormat::word2vec);
  CHECK(detect_file("word2vec/small.w2vc.bin") == TableFormat::word2vec);

  CHECK(ek::io::detect_table_format("3 2\nthe 0.1 0.2\n") == TableFormat::word2vec);
  CHECK(ek::io::detect_table_format("  3\t2 \r\n") == TableFormat::word2vec);
  CHECK(ek::io::detect_table_format("the 0.1 0.2\nof 0.3 0.4\n") == TableFormat::glove);
  CHECK(ek::io::detect_table_format("3 2 1\n") == TableFormat::glove);
  CHECK(ek::io::detect_table_format("-3 2\n") == TableFormat::glove);
  CHECK(ek::io::detect_table_format("") == TableFormat::glove);
  CHECK(ek::io::detect_table_format(std::string("\xBA\x16\x4F\x2F\x0C\x00\x00\x00", 8)) ==
        TableFormat::fasttext);
}
