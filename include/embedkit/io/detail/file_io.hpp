// Whole-file reads and writes for the small text files (vocabularies) and the writers, with
// failures reported as ek::io_error naming the path and the system's reason.
//
// Every writer goes through write_file_atomically (or AtomicFile), so that a file is either
// written whole or not touched at all:
//
//   detail::write_file_atomically(path, [&](std::ostream& out) { out << ...; });
//   detail::write_file_atomically(path, [&](std::FILE* f) { std::fwrite(..., f); });
//
// The bytes go to a new temporary file beside the target (same folder, so the final rename
// stays on one file system), named ".<name>.tmp-<random>" and created exclusively (an existing
// file of that name is never opened). Only after the callback has returned and the data is
// flushed, synced to disk and the file closed without error is it renamed over the target,
// which readers then see replaced in one step (POSIX rename; std::filesystem::rename replaces
// an existing file on Windows too). If the callback throws, or any step fails, the temporary
// file is removed and the target keeps its old contents (or stays absent); the callback's
// exception propagates, a failed step raises ek::io_error. A symbolic link as the target is
// followed: the file it points to is replaced and the link kept. The new file has the default
// permissions of a newly created file (not those of the file it replaces). Only a process
// killed mid-write leaves something behind: the temporary file, never a truncated target.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#endif

#include "embedkit/core/error.hpp"

namespace embedkit::io::detail {

[[noreturn]] inline void fail_io(const char* what, const std::filesystem::path& path) {
  const int err = errno;
  embedkit::detail::raise<io_error>(std::string(what) + " '" + path.string() +
                                    "': " + (err ? std::strerror(err) : "stream error"));
}

inline std::string read_file(const std::filesystem::path& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_io("cannot open", path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail_io("cannot read", path);
  return data;
}

// A temporary file beside `target` that becomes `target` on commit() and is removed otherwise.
// Write to it through path() (any stream or FILE*, opened and closed by the caller before
// commit) or let write_file_atomically do all of it.
class AtomicFile {
 public:
  explicit AtomicFile(const std::filesystem::path& target) : target_(resolve(target)) {
    // A fresh name, created exclusively ("x"): never an existing file, never someone else's.
    static std::atomic<std::uint64_t> counter{0};
    const std::filesystem::path dir = target_.parent_path();
    const std::string name = target_.filename().string();
    for (int attempt = 0;; ++attempt) {
      const std::uint64_t salt =
          mix(static_cast<std::uint64_t>(
                  std::chrono::steady_clock::now().time_since_epoch().count()) ^
              (counter.fetch_add(1, std::memory_order_relaxed) << 32) ^
              reinterpret_cast<std::uintptr_t>(this));
      char suffix[24];
      std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(salt));
      temp_ = dir / ("." + name + ".tmp-" + suffix);
      errno = 0;
      std::FILE* f = std::fopen(temp_.string().c_str(), "wbx");
      if (f != nullptr) {
        std::fclose(f);
        return;
      }
      if (errno != EEXIST || attempt == 16) {
        const int err = errno;
        temp_.clear();
        errno = err;
        fail_io("cannot create", target_);
      }
    }
  }

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Not committed: the temporary file is removed; the target is untouched.
  ~AtomicFile() { discard(); }

  // The file that is replaced on commit, and the temporary file the bytes go to.
  const std::filesystem::path& target() const noexcept { return target_; }
  const std::filesystem::path& path() const noexcept { return temp_; }

  // Syncs the (closed) temporary file to disk and renames it over the target. Raises
  // ek::io_error, after removing the temporary file, if either fails.
  void commit() {
    if (temp_.empty()) return;
#if defined(__unix__) || defined(__APPLE__)
    errno = 0;
    const int fd = ::open(temp_.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      discard();
      errno = err;
      fail_io("cannot sync", target_);
    }
    ::close(fd);
#endif
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) {
      discard();
      embedkit::detail::raise<io_error>("cannot replace '" + target_.string() +
                                        "': " + ec.message());
    }
    temp_.clear();
  }

  // Removes the temporary file (done by the destructor when commit() was not reached).
  void discard() noexcept {
    if (temp_.empty()) return;
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
    temp_.clear();
  }

 private:
  static std::filesystem::path resolve(const std::filesystem::path& target) {
    std::error_code ec;
    if (std::filesystem::is_symlink(target, ec)) {
      const auto real = std::filesystem::weakly_canonical(target, ec);
      if (!ec) return real;
    }
    return target;
  }

  static std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }

  std::filesystem::path target_;
  std::filesystem::path temp_;
};

// Writes `path` whole or not at all (see the top of this file). `write` is called once with
// either a std::ofstream (any callable taking std::ostream& or std::ofstream&) or, when it
// takes one, a std::FILE* opened for binary writing; it must not close it. A stream or FILE*
// left in a failed state after `write` is an ek::io_error naming `path`.
template <class Write>
void write_file_atomically(const std::filesystem::path& path, Write&& write) {
  AtomicFile file(path);
  if constexpr (std::is_invocable_v<Write&, std::ofstream&>) {
    errno = 0;
    std::ofstream out(file.path(), std::ios::binary | std::ios::trunc);
    if (!out) fail_io("cannot create", path);
    write(out);
    out.flush();
    if (!out) fail_io("cannot write", path);
    out.close();
    if (!out) fail_io("cannot close", path);
  } else {
    static_assert(std::is_invocable_v<Write&, std::FILE*>,
                  "write_file_atomically: the callback must take std::ostream& or std::FILE*");
    errno = 0;
    std::FILE* f = std::fopen(file.path().string().c_str(), "wb");
    if (f == nullptr) fail_io("cannot create", path);
    struct Closer {
      std::FILE*& f;
      ~Closer() {
        if (f != nullptr) std::fclose(f);
      }
    } closer{f};
    write(f);
    errno = 0;
    const bool failed = std::fflush(f) != 0 || std::ferror(f) != 0;
    const int closed = std::fclose(f);
    f = nullptr;
    if (failed || closed != 0) fail_io("cannot write", path);
  }
  file.commit();
}

// Writes `data` as the whole file, atomically (write_file_atomically).
inline void write_file(const std::filesystem::path& path, std::string_view data) {
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  });
}

}  // namespace embedkit::io::detail
