// Whole-file reads and writes for the small text files (vocabularies) and the writers, with
// failures reported as ek::io_error naming the path and the system's reason.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

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

// Writes through an ofstream; a failure at open, write or close raises ek::io_error.
template <class WriteBody>
void write_with(const std::filesystem::path& path, WriteBody&& body) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail_io("cannot create", path);
  body(out);
  out.flush();
  if (!out) fail_io("cannot write", path);
  out.close();
  if (!out) fail_io("cannot close", path);
}

inline void write_file(const std::filesystem::path& path, std::string_view data) {
  write_with(path, [&](std::ofstream& out) {
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  });
}

}  // namespace embedkit::io::detail
