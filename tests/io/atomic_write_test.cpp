// Writers never leave a truncated file: io/detail/file_io.hpp's write_file_atomically (and
// AtomicFile) write beside the target and rename into place on success only, and save_word2vec
// goes through it. A writer that fails half-way used to leave the target truncated.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <embedkit/io/detail/file_io.hpp>
#include <embedkit/io/word2vec.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using ek::io::detail::write_file_atomically;
using embedkit_test::read_all;
using embedkit_test::write_all;
using embedkit_test::TempDir;

TEST_CASE("write_file_atomically: written whole through an ostream or a FILE*") {
  TempDir dir;
  const fs::path p = dir.path / "out.txt";
  write_file_atomically(p, [](std::ostream& out) { out << "hello\n"; });
  CHECK(read_all(p) == "hello\n");
  write_file_atomically(p, [](std::FILE* f) { std::fputs("replaced", f); });  // over a file
  CHECK(read_all(p) == "replaced");
  CHECK(dir.names() == std::vector<std::string>{"out.txt"});  // no temporary file left
}

TEST_CASE("write_file_atomically: a writer that throws leaves the target as it was") {
  TempDir dir;
  const fs::path p = dir.path / "out.txt";
  write_all(p, "old contents");
  const auto half_then_throw = [](std::ostream& out) {
    out << std::string(1 << 20, 'x');  // past any stream buffer: bytes reach the disk
    throw std::runtime_error("writer failed");
  };
  CHECK_THROWS_WITH_AS(write_file_atomically(p, half_then_throw), "writer failed",
                       std::runtime_error);
  CHECK(read_all(p) == "old contents");
  CHECK(dir.names() == std::vector<std::string>{"out.txt"});
  // ... and does not create a missing target.
  const fs::path q = dir.path / "new.txt";
  CHECK_THROWS_AS(write_file_atomically(q, [](std::FILE*) { throw ek::value_error("no"); }),
                  ek::value_error);
  CHECK_FALSE(fs::exists(q));
  CHECK(dir.names() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomically: unwritable places are io_error naming the path") {
  TempDir dir;
  const fs::path p = dir.path / "missing-folder" / "out.txt";
  CHECK_THROWS_WITH_AS(write_file_atomically(p, [](std::ostream& out) { out << "x"; }),
                       doctest::Contains("missing-folder/out.txt"), ek::io_error);
  // A folder in the way: the rename fails, the temporary file goes.
  fs::create_directories(dir.path / "a-folder" / "inside");
  CHECK_THROWS_AS(write_file_atomically(dir.path / "a-folder", [](std::ostream& out) { out << "x"; }),
                  ek::io_error);
  CHECK(fs::is_directory(dir.path / "a-folder" / "inside"));
  CHECK(dir.names() == std::vector<std::string>{"a-folder"});
}

TEST_CASE("write_file_atomically: a symbolic link is followed, and kept") {
  TempDir dir;
  const fs::path real = dir.path / "real.txt";
  const fs::path link = dir.path / "link.txt";
  write_all(real, "old");
  std::error_code ec;
  fs::create_symlink(real, link, ec);
  if (ec) return;  // no symlinks here
  write_file_atomically(link, [](std::ostream& out) { out << "new"; });
  CHECK(fs::is_symlink(link));
  CHECK(read_all(real) == "new");
}

TEST_CASE("save_word2vec that fails half-way leaves the previous file intact") {
  TempDir dir;
  const fs::path p = dir.path / "vectors.txt";
  write_all(p, "1 1\nprevious 1\n");
  // The third word cannot be written (whitespace): the error comes after two rows.
  const ek::KeyedVectors kv(ek::Vocabulary(std::vector<std::string>{"a", "b", "c d"}),
                            ek::Tensor<float>::zeros({3, 4}));
  for (bool binary : {false, true}) {
    CHECK_THROWS_AS(ek::io::save_word2vec(p, kv, binary), ek::value_error);
    CHECK(read_all(p) == "1 1\nprevious 1\n");
    CHECK(dir.names() == std::vector<std::string>{"vectors.txt"});
  }
  // A new target is not created at all.
  CHECK_THROWS_AS(ek::io::save_word2vec(dir.path / "new.bin", kv, true), ek::value_error);
  CHECK_FALSE(fs::exists(dir.path / "new.bin"));
}
