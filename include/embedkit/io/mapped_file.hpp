// ek::io::MappedFile: a whole file mapped read-only into memory (POSIX mmap). Every reader of
// embedkit/io/ (.npy, safetensors, word2vec, GloVe, fastText) parses straight out of the
// mapping, so a table of gigabytes costs no copy and pages are read only when touched.
//
//   const auto f = ek::io::MappedFile::open("table.bin");   // ek::io_error naming the path
//   std::string_view text = f.text();  std::span<const std::byte> bytes = f.bytes();
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embedkit/core/error.hpp"

namespace embedkit::io {

class MappedFile {
 public:
  // Maps `path` read-only. A file that cannot be opened, inspected or mapped raises
  // ek::io_error naming the path and the system's reason. An empty file gives an empty
  // mapping (mmap refuses a length of 0, so nothing is mapped).
  static MappedFile open(const std::filesystem::path& path) {
    MappedFile f;
    f.path_ = path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, "cannot open");
    // The descriptor is closed on every path out; the mapping stays valid without it.
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};

    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(path, "cannot inspect");
    if (!S_ISREG(st.st_mode)) {
      embedkit::detail::raise<io_error>("cannot map '" + path.string() + "': not a regular file");
    }
    f.size_ = static_cast<std::size_t>(st.st_size);
    if (f.size_ == 0) return f;

    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) fail(path, "cannot map");
    f.data_ = static_cast<const char*>(p);
    // Readers mostly stream through a file once; the hint only tunes read-ahead.
    (void)::madvise(p, f.size_, MADV_SEQUENTIAL);
    return f;
  }

  MappedFile() noexcept = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        path_(std::move(other.path_)) {}
  MappedFile& operator=(MappedFile&& other) noexcept {
    if (this != &other) {
      unmap();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      path_ = std::move(other.path_);
    }
    return *this;
  }
  ~MappedFile() { unmap(); }

  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const std::byte> bytes() const noexcept {
    return {reinterpret_cast<const std::byte*>(data_), size_};
  }
  std::string_view text() const noexcept { return {data_, size_}; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  [[noreturn]] static void fail(const std::filesystem::path& path, const char* what) {
    const int err = errno;  // read before anything else can change it
    embedkit::detail::raise<io_error>(std::string(what) + " '" + path.string() +
                            "': " + std::strerror(err));
  }

  void unmap() noexcept {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
  }

  const char* data_ = nullptr;
  std::size_t size_ = 0;
  std::filesystem::path path_;
};

}  // namespace embedkit::io
