// The exception hierarchy. Everything embedkit throws derives from embedkit::error, and every
// message names the offending value, where it was, and what was allowed.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include "embedkit/core/config.hpp"

namespace embedkit {

// Base of every error the library raises.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An index (token id, row number, offset) outside its allowed range.
class index_error : public error {
 public:
  using error::error;
};

// A rank or extent that does not fit what the operation needs.
class shape_error : public error {
 public:
  using error::error;
};

// A value or combination of options that is not allowed.
class value_error : public error {
 public:
  using error::error;
};

// A file or stream that cannot be opened, read or written (the path and the system's reason
// are in the message).
class io_error : public error {
 public:
  using error::error;
};

// Malformed input data (files, JSON, ...). Carries where the problem is; a field the parser
// cannot know is -1.
class format_error : public error {
 public:
  format_error(const std::string& message, std::int64_t byte_offset, std::int64_t line = -1,
               std::int64_t column = -1)
      : error(message), byte_offset_(byte_offset), line_(line), column_(column) {}

  std::int64_t byte_offset() const noexcept { return byte_offset_; }
  std::int64_t line() const noexcept { return line_; }
  std::int64_t column() const noexcept { return column_; }

 private:
  std::int64_t byte_offset_;
  std::int64_t line_;
  std::int64_t column_;
};

namespace detail {

// Raises an error of type E through EMBEDKIT_THROW. Kept out of line of the hot paths that
// call it so the checks stay cheap.
template <class E, class... Args>
[[noreturn]] inline void raise(Args&&... args) {
  EMBEDKIT_THROW(E(std::forward<Args>(args)...));
  std::abort();  // reached only if a user-defined EMBEDKIT_THROW returns
}

}  // namespace detail
}  // namespace embedkit
