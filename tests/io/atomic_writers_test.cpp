// The writers of .npy, safetensors and vocabulary files write a file whole or not at all
// (io/detail/file_io.hpp's write_file_atomically): a write that fails part way leaves the old
// file as it was and no temporary file behind, and a reader that has the old file mapped keeps
// seeing the old bytes after the file is replaced.
#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <embedkit/core/tensor.hpp>
#include <embedkit/io/npy.hpp>
#include <embedkit/io/safetensors.hpp>
#include <embedkit/io/vocabulary.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::read_all;
using embedkit_test::TempDir;

namespace {

// While alive, files this process writes may not grow past `bytes` (RLIMIT_FSIZE): a larger
// write fails with EFBIG part way through, as a full disk would make it fail.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lim) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
  bool ok_ = false;
};

}  // namespace

TEST_CASE("writers: a write that fails part way leaves the old file whole and no temporary file") {
  TempDir dir("embedkit_atomic_writers");
  const auto big = ek::Tensor<float>::zeros({256, 256});  // 256 KiB
  const auto small = ek::Tensor<float>::zeros({2, 2});
  std::vector<std::string> words;
  for (int i = 0; i < 20000; ++i) words.push_back("token" + std::to_string(i));
  const ek::Vocabulary big_vocab(words);
  const ek::Vocabulary small_vocab({"a", "b"});

  const fs::path npy = dir.path / "t.npy";
  const fs::path st = dir.path / "t.safetensors";
  const fs::path lines = dir.path / "vocab.txt";
  const fs::path json = dir.path / "vocab.json";
  ek::io::save_npy(npy, small.cview());
  ek::io::save_safetensors(st, {{"w", small}});
  small_vocab.save_lines(lines);
  small_vocab.save_json(json);
  const std::string npy_before = read_all(npy), st_before = read_all(st),
                    lines_before = read_all(lines), json_before = read_all(json);

  {
    FileSizeLimit limit(64 * 1024);
    REQUIRE(limit.ok());
    CHECK_THROWS_WITH_AS(ek::io::save_npy(npy, big.cview()), doctest::Contains("t.npy"), ek::io_error);
    CHECK_THROWS_WITH_AS(ek::io::save_safetensors(st, {{"w", big}}), doctest::Contains("t.safetensors"),
                         ek::io_error);
    CHECK_THROWS_WITH_AS(big_vocab.save_lines(lines), doctest::Contains("vocab.txt"), ek::io_error);
    CHECK_THROWS_WITH_AS(big_vocab.save_json(json), doctest::Contains("vocab.json"), ek::io_error);
  }
  CHECK(read_all(npy) == npy_before);
  CHECK(read_all(st) == st_before);
  CHECK(read_all(lines) == lines_before);
  CHECK(read_all(json) == json_before);
  CHECK(dir.names().size() == 4);  // no ".t.npy.tmp-..." left behind

  // Errors found before writing do not touch the file either.
  const auto bf = ek::Tensor<ek::bfloat16>::zeros({2});
  CHECK_THROWS_AS(ek::io::save_npy(npy, bf.cview()), ek::value_error);
  ek::Vocabulary gaps;
  gaps.insert("x", 3);
  CHECK_THROWS_AS(gaps.save_lines(lines), ek::value_error);
  CHECK(read_all(npy) == npy_before);
  CHECK(read_all(lines) == lines_before);

  // Without the limit the same writes succeed and replace the files.
  ek::io::save_npy(npy, big.cview());
  ek::io::save_safetensors(st, {{"w", big}});
  big_vocab.save_lines(lines);
  big_vocab.save_json(json);
  CHECK(ek::io::load_npy<float>(npy).shape() == ek::Shape{256, 256});
  CHECK(ek::io::SafeTensors::open(st).info("w").shape == std::vector<std::int64_t>{256, 256});
  CHECK(ek::Vocabulary::load_lines(lines).size() == 20000);
  CHECK(ek::Vocabulary::load_json(json).size() == 20000);
  CHECK(dir.names().size() == 4);
}

TEST_CASE("writers: a mapping of the old file stays valid when the file is replaced") {
  TempDir dir("embedkit_atomic_mapping");
  const fs::path p = dir.path / "table.npy";
  auto t = ek::Tensor<float>::zeros({1024, 64});
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(i);
  ek::io::save_npy(p, t.cview());
  const auto f = ek::io::NpyFile::open(p);  // mapped
  const auto v = f.view<float>();
  const auto st_path = dir.path / "m.safetensors";
  ek::io::save_safetensors(st_path, {{"w", t}});
  const auto st = ek::io::SafeTensors::open(st_path);
  const auto w = st.view<float>("w");

  // Overwritten with a much smaller file: the old pages stay mapped (rename, not truncate).
  const auto one = ek::Tensor<float>::zeros({1});
  ek::io::save_npy(p, one.cview());
  ek::io::save_safetensors(st_path, {{"w", one}});
  CHECK(v[1024 * 64 - 1] == 65535.0F);
  CHECK(w[1024 * 64 - 1] == 65535.0F);
  CHECK(ek::io::NpyFile::open(p).shape() == ek::Shape{1});
}
