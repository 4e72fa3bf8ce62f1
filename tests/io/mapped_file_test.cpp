#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

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
