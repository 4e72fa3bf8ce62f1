// ek::json::LineReader: JSON Lines (one JSON text per line) read one record at a time. Memory
// is bounded by the longest line (and a hard cap on it), so files of any length stream
// through. Blank lines are skipped, "\r\n" line ends are accepted, and errors carry the
// position in the whole file: line number, column within the line and absolute byte offset.
// After any format_error the offending line has been consumed (a line over the length limit
// is skipped to its end without being held in memory), so next() goes on with the line after.
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
  // A line longer than this (without its line end) is an error rather than an allocation;
  // the reader then skips the rest of that line in bounded memory and goes on after it.
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

  // Parses the next non-blank line into `out`. Returns false at the end of the input. A
  // format_error (a malformed line, or one longer than max_line_bytes) leaves the reader at
  // the start of the following line, so a caller may report it and call next() again.
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

  // The 1-based line number of the record next() returned last, or of the line its last
  // format_error was about (0 before the first).
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
    if (skipping_ && !skip_long_line()) return false;
    if (begin_ == buf_.size() && eof_) return false;
    for (;;) {
      const std::size_t nl = buf_.find('\n', scan_);
      if (nl != std::string::npos) {
        take(nl, nl + 1, line);
        return true;
      }
      scan_ = buf_.size();
      // (+1: the last byte may be the '\r' of a "\r\n", which does not count; take() checks
      // the exact length once the line end is in.)
      const std::size_t pending = scan_ - begin_;
      if (pending > options_.max_line_bytes && pending - options_.max_line_bytes > 1) {
        too_long(std::string::npos);
      }
      if (eof_) {
        if (begin_ == buf_.size()) return false;
        take(buf_.size(), buf_.size(), line);  // a last line without "\n"
        return true;
      }
      fill();
    }
  }

  // Drops the rest of a line found too long (its first max_line_bytes were dropped already)
  // up to and including its "\n", a chunk at a time. False when the input ends first.
  bool skip_long_line() {
    for (;;) {
      const std::size_t nl = buf_.find('\n', scan_);
      if (nl != std::string::npos) {
        begin_ = next_begin_ = scan_ = nl + 1;
        skipping_ = false;
        return true;
      }
      consumed_ += static_cast<std::int64_t>(buf_.size());
      buf_.clear();
      begin_ = next_begin_ = scan_ = 0;
      if (eof_) {
        skipping_ = false;
        return false;
      }
      fill();
    }
  }

  void take(std::size_t end, std::size_t next, std::string_view& line) {
    std::size_t len = end - begin_;
    if (len > 0 && buf_[begin_ + len - 1] == '\r') --len;
    if (len > options_.max_line_bytes) too_long(next);
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

  // Raises the error for the line starting at begin_, having first consumed it: `next` is
  // where the following line starts, or npos when its end has not been read yet (then
  // everything buffered is dropped and the next read_line skips on to the line end).
  [[noreturn]] void too_long(std::size_t next) {
    const std::int64_t at = consumed_ + static_cast<std::int64_t>(begin_);
    ++line_no_;
    if (next == std::string::npos) {
      next_begin_ = scan_ = buf_.size();
      skipping_ = true;
    } else {
      next_begin_ = scan_ = next;
    }
    embedkit::detail::raise<format_error>(
        "line " + std::to_string(line_no_) + " is longer than the limit of " +
            std::to_string(options_.max_line_bytes) + " bytes (LineReaderOptions::max_line_bytes)",
        at, line_no_, 1);
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
  bool skipping_ = false;       // inside a line found too long: drop input up to its "\n"
};

}  // namespace embedkit::json
