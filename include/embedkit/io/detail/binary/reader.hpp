// ByteReader: a bounds-checked cursor over a little-endian binary file in memory. Every read
// first checks that the bytes are there and raises ek::format_error naming the field, its byte
// offset and what is left otherwise, so a truncated or lying file can never be read past.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "embedkit/core/error.hpp"

namespace embedkit::io::detail {

template <class T>
T byteswap_if_big_endian(T v) noexcept {
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
    std::memcpy(&v, b, sizeof(T));
  }
  return v;
}

class ByteReader {
 public:
  ByteReader(std::string_view data, const char* format) : data_(data), format_(format) {}

  std::size_t offset() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == data_.size(); }
  std::string_view data() const noexcept { return data_; }
  const char* format() const noexcept { return format_; }

  // A little-endian scalar (integer, float, double, bool-as-byte).
  template <class T>
  T read(const char* field) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return byteswap_if_big_endian(v);
  }

  // The next `n` bytes.
  std::string_view take(std::uint64_t n, const char* field) {
    need(n, field);
    std::string_view s = data_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }

  // Bytes up to a NUL terminator (consumed, not returned).
  std::string_view read_cstring(const char* field) {
    const std::size_t nul = data_.find('\0', pos_);
    if (nul == std::string_view::npos) {
      fail("truncated: " + std::string(field) + " at byte " + std::to_string(pos_) +
           " has no terminating NUL before the end of the file");
    }
    std::string_view s = data_.substr(pos_, nul - pos_);
    pos_ = nul + 1;
    return s;
  }

  // Checks that `n` more bytes exist without consuming them.
  void need(std::uint64_t n, const char* field) const {
    if (n > remaining()) {
      fail("truncated: " + std::string(field) + " needs " + std::to_string(n) +
           " bytes at byte " + std::to_string(pos_) + ", but only " +
           std::to_string(remaining()) + " remain");
    }
  }

  // A format_error at the current offset.
  [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }
  [[noreturn]] void fail_at(std::size_t offset, const std::string& what) const {
    embedkit::detail::raise<format_error>(std::string(format_) + ": " + what,
                                          static_cast<std::int64_t>(offset));
  }

 private:
  std::string_view data_;
  const char* format_;
  std::size_t pos_ = 0;
};

}  // namespace embedkit::io::detail
