// ek::json::LineReader: JSON Lines (one JSON text per line) read one record at a time. Memory
// is bounded by the longest line (and a hard cap on it), so files of any length stream
// through. Blank lines are skipped, "\r\n" line ends are accepted, and errors carry the
// position in the whole file: line number, column within the line and absolute byte offset.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"

namespace embedkit::json {

struct LineReaderOptions {
  ParseOptions parse{};
  // A line longer than this (without its line end) is an error rather than an allocation.
  std::size_t max_line_bytes = std::size_t{256} << 20;
};

class LineReader {
 public:
  // Reads from a stream the caller keeps alive.
  explicit LineReader(std::istream& in, LineReaderOptions options = {})
      : in_(&in), options_(options) {}
  // Opens a file; ek::io_error naming the path when it cannot be opened.
  explicit LineReader(const std::filesystem::path& path, LineReaderOptions options = {})
      : owned_(std::make_unique<std::ifstream>(path, std::ios::binary)),
        in_(owned_.get()),
        options_(options),
        name_(path.string()) {
    if (!*owned_) {
      const int err = errno;
      embedkit::detail::raise<io_error>("cannot open '" + name_ + "': " + std::strerror(err));
    }
  }

  // Parses the next non-blank line into `out`. Returns false at the end of the input.
  bool next(Value& out) {
    std::string_view line;
    while (read_line(line)) {
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      out = detail::JsonParser(line, options_.parse, {line_start_, line_no_, 1})
                .parse_document();
      return true;
    }
    return false;
  }

  // The 1-based line number of the record next() returned last (0 before the first).
  std::int64_t line() const noexcept { return line_no_; }

 private:
  static constexpr std::size_t kChunk = 64 * 1024;

  // The next line without its "\n" or "\r\n"; false when the input is exhausted.
  bool read_line(std::string_view& line) {
    // Drop the line returned last; compact once the consumed prefix dominates the buffer.
    begin_ = next_begin_;
    if (begin_ > kChunk && begin_ * 2 > buf_.size()) {
      buf_.erase(0, begin_);
      consumed_ += static_cast<std::int64_t>(begin_);
      scan_ -= begin_;
      begin_ = next_begin_ = 0;
    }
    if (begin_ == buf_.size() && eof_) return false;
    for (;;) {
      const std::size_t nl = buf_.find('\n', scan_);
      if (nl != std::string::npos) {
        take(nl, nl + 1, line);
        return true;
      }
      scan_ = buf_.size();
      if (scan_ - begin_ > options_.max_line_bytes) too_long();
      if (eof_) {
        if (begin_ == buf_.size()) return false;
        take(buf_.size(), buf_.size(), line);  // a last line without "\n"
        return true;
      }
      fill();
    }
  }

  void take(std::size_t end, std::size_t next, std::string_view& line) {
    std::size_t len = end - begin_;
    if (len > options_.max_line_bytes) too_long();
    if (len > 0 && buf_[begin_ + len - 1] == '\r') --len;
    line = std::string_view(buf_).substr(begin_, len);
    line_start_ = consumed_ + static_cast<std::int64_t>(begin_);
    ++line_no_;
    // `line` points into buf_: it is dropped at the next call, not before.
    next_begin_ = next;
    scan_ = next;
  }

  void fill() {
    const std::size_t old = buf_.size();
    buf_.resize(old + kChunk);
    in_->read(buf_.data() + old, static_cast<std::streamsize>(kChunk));
    const auto got = static_cast<std::size_t>(in_->gcount());
    buf_.resize(old + got);
    if (in_->bad()) {
      embedkit::detail::raise<io_error>("cannot read " +
                                        (name_.empty() ? std::string("JSON Lines stream")
                                                       : "'" + name_ + "'"));
    }
    if (got < kChunk) eof_ = true;
  }

  [[noreturn]] void too_long() const {
    embedkit::detail::raise<format_error>(
        "line " + std::to_string(line_no_ + 1) + " is longer than the limit of " +
            std::to_string(options_.max_line_bytes) + " bytes (LineReaderOptions::max_line_bytes)",
        consumed_ + static_cast<std::int64_t>(begin_), line_no_ + 1, 1);
  }

  std::unique_ptr<std::ifstream> owned_;
  std::istream* in_;
  LineReaderOptions options_;
  std::string name_;

  std::string buf_;             // unconsumed input starts at begin_
  std::size_t begin_ = 0;       // start of the current line in buf_
  std::size_t next_begin_ = 0;  // start of the line after it
  std::size_t scan_ = 0;        // where the search for '\n' resumes
  std::int64_t consumed_ = 0;   // absolute offset of buf_[0]
  std::int64_t line_start_ = 0;
  std::int64_t line_no_ = 0;
  bool eof_ = false;
};

}  // namespace embedkit::json
