// ek::io::MappedFile: a whole file mapped read-only into memory (POSIX mmap), or, on request,
// read into memory it owns. Every reader of embedkit/io/ (.npy, safetensors, word2vec, GloVe,
// fastText) parses straight out of it, so a table of gigabytes costs no copy and pages are
// read only when touched.
//
//   const auto f = ek::io::MappedFile::open("table.bin");   // ek::io_error naming the path
//   std::string_view text = f.text();  std::span<const std::byte> bytes = f.bytes();
//   const auto g = ek::io::MappedFile::open("table.bin", {.copy = true});  // owned copy
//
// A mapping shows the file as it is now, not as it was when opened: if another process
// truncates the file while it is mapped, touching a page past the new end raises SIGBUS and
// kills the program (as it does with numpy.memmap; no check made at open can prevent it).
// Keep mapped files unchanged while they are open (write new versions beside them and rename
// them into place, as embedkit's writers do), or open with {.copy = true}: the file is then
// read once into memory owned by the MappedFile, costing its size in memory and a full read,
// and later changes to the file cannot affect it.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <new>
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

// How MappedFile::open (and the readers that take it: NpyFile::open, SafeTensors::open)
// get at a file's bytes.
struct MapOptions {
  // false: map the file (no copy; the file must stay unchanged while open, see above).
  // true: read the whole file into owned memory (aligned to 64 bytes), immune to later
  // changes to the file. Errors are the same either way.
  bool copy = false;
};

class MappedFile {
 public:
  // Maps `path` read-only, or reads it into owned memory with {.copy = true}. A file that
  // cannot be opened, inspected, mapped or read raises ek::io_error naming the path and the
  // system's reason. An empty file gives an empty MappedFile (mmap refuses a length of 0,
  // so nothing is mapped).
  static MappedFile open(const std::filesystem::path& path, MapOptions options = {}) {
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
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0) return f;

    if (options.copy) {
      f.read_all(fd, size);
      return f;
    }
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) fail(path, "cannot map");
    f.data_ = static_cast<const char*>(p);
    f.size_ = size;
    // Readers mostly stream through a file once; the hint only tunes read-ahead.
    (void)::madvise(p, size, MADV_SEQUENTIAL);
    return f;
  }

  MappedFile() noexcept = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        owned_(std::exchange(other.owned_, false)),
        path_(std::move(other.path_)) {}
  MappedFile& operator=(MappedFile&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      owned_ = std::exchange(other.owned_, false);
      path_ = std::move(other.path_);
    }
    return *this;
  }
  ~MappedFile() { release(); }

  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const std::byte> bytes() const noexcept {
    return {reinterpret_cast<const std::byte*>(data_), size_};
  }
  std::string_view text() const noexcept { return {data_, size_}; }
  const std::filesystem::path& path() const noexcept { return path_; }
  // Whether the bytes are an owned copy ({.copy = true}) rather than a mapping of the file.
  bool copied() const noexcept { return owned_; }

 private:
  static constexpr std::align_val_t kCopyAlign{64};

  [[noreturn]] static void fail(const std::filesystem::path& path, const char* what) {
    const int err = errno;  // read before anything else can change it
    embedkit::detail::raise<io_error>(std::string(what) + " '" + path.string() +
                            "': " + std::strerror(err));
  }

  // Reads `size` bytes of `fd` into owned memory; the file shrinking meanwhile is an io_error.
  void read_all(int fd, std::size_t size) {
    auto* buf = static_cast<char*>(::operator new(size, kCopyAlign));
    data_ = buf;
    size_ = size;
    owned_ = true;  // released by the destructor if a read below fails
    std::size_t got = 0;
    while (got < size) {
      const std::size_t want = std::min<std::size_t>(size - got, std::size_t{1} << 30);
      const ::ssize_t r = ::read(fd, buf + got, want);
      if (r < 0) {
        if (errno == EINTR) continue;
        fail(path_, "cannot read");
      }
      if (r == 0) {
        embedkit::detail::raise<io_error>(
            "cannot read '" + path_.string() + "': the file shrank to " + std::to_string(got) +
            " bytes while being read (it had " + std::to_string(size) + ")");
      }
      got += static_cast<std::size_t>(r);
    }
  }

  void release() noexcept {
    if (data_ != nullptr) {
      if (owned_) {
        ::operator delete(const_cast<char*>(data_), kCopyAlign);
      } else {
        ::munmap(const_cast<char*>(data_), size_);
      }
    }
    data_ = nullptr;
    size_ = 0;
    owned_ = false;
  }

  const char* data_ = nullptr;
  std::size_t size_ = 0;
  bool owned_ = false;  // data_ is from operator new (a copy), not mmap
  std::filesystem::path path_;
};

}  // namespace embedkit::io
