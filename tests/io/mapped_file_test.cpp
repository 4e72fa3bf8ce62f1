#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include <unistd.h>

#include <embedkit/io/mapped_file.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name, const std::string& content) {
  const fs::path p = fs::temp_directory_path() / ("embedkit_mapped_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace

TEST_CASE("MappedFile maps a file read-only and exposes its bytes") {
  const fs::path p = temp_file("abc", std::string("ab\0c", 4));
  auto f = ek::io::MappedFile::open(p);
  CHECK(f.size() == 4);
  CHECK(f.text() == std::string_view("ab\0c", 4));
  CHECK(f.bytes().size() == 4);
  CHECK(f.bytes()[3] == std::byte{'c'});
  CHECK(f.path() == p);

  ek::io::MappedFile moved = std::move(f);
  CHECK(moved.size() == 4);
  CHECK(f.data() == nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  CHECK(f.size() == 0);
  moved = ek::io::MappedFile::open(p);  // move-assignment releases the old mapping
  CHECK(moved.text().substr(0, 2) == "ab");
  fs::remove(p);
}

TEST_CASE("MappedFile maps an empty file without calling mmap") {
  const fs::path p = temp_file("empty", "");
  auto f = ek::io::MappedFile::open(p);
  CHECK(f.size() == 0);
  CHECK(f.empty());
  CHECK(f.text().empty());
  CHECK(f.bytes().empty());
  fs::remove(p);
}

TEST_CASE("MappedFile names the path and the reason when it cannot map") {
  const fs::path missing = fs::temp_directory_path() / "embedkit_mapped_does_not_exist";
  fs::remove(missing);
  try {
    (void)ek::io::MappedFile::open(missing);
    FAIL("expected io_error");
  } catch (const ek::io_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("embedkit_mapped_does_not_exist") != std::string::npos);
    CHECK(msg.find("No such file") != std::string::npos);
  }
  CHECK_THROWS_AS((void)ek::io::MappedFile::open(fs::temp_directory_path()), ek::io_error);
}

// Defect M (hostile testing, 90): a mapping of a file that is then truncated raises SIGBUS on
// the lost pages. {.copy = true} reads the file into owned memory that later changes to the
// file cannot touch.
TEST_CASE("MappedFile::open with {.copy = true} reads the file into owned memory") {
  std::string content(100000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  const fs::path p = temp_file("copy_" + std::to_string(::getpid()), content);
  auto f = ek::io::MappedFile::open(p, {.copy = true});
  CHECK(f.copied());
  CHECK_FALSE(ek::io::MappedFile::open(p).copied());
  CHECK(f.size() == content.size());
  CHECK(f.text() == content);
  CHECK(f.path() == p);
  CHECK(reinterpret_cast<std::uintptr_t>(f.data()) % 64 == 0);

  // Truncating or rewriting the file changes nothing in the copy.
  fs::resize_file(p, 10);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << "zz";
  CHECK(f.text() == content);
  CHECK(f.bytes()[99999] == static_cast<std::byte>(content[99999]));

  // Moves carry the ownership; the moved-from object is empty.
  ek::io::MappedFile g = std::move(f);
  CHECK(g.copied());
  CHECK(g.text() == content);
  CHECK(f.data() == nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  CHECK_FALSE(f.copied());     // NOLINT(bugprone-use-after-move)
  g = ek::io::MappedFile::open(p);  // releases the copy, takes a mapping
  CHECK_FALSE(g.copied());
  CHECK(g.text() == "zz");
  g = ek::io::MappedFile::open(p, {.copy = true});  // releases the mapping
  CHECK(g.text() == "zz");

  // An empty file, and the same errors as a mapping.
  std::ofstream(p, std::ios::binary | std::ios::trunc).flush();
  CHECK(ek::io::MappedFile::open(p, {.copy = true}).empty());
  fs::remove(p);
  CHECK_THROWS_WITH_AS((void)ek::io::MappedFile::open(p, {.copy = true}),
                       doctest::Contains((p.filename().string() + "': No such file").c_str()), ek::io_error);
  CHECK_THROWS_WITH_AS((void)ek::io::MappedFile::open(fs::temp_directory_path(), {.copy = true}),
                       doctest::Contains("not a regular file"), ek::io_error);
}
