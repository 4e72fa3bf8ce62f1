// The header of a .npy file is the repr() of a Python dict,
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// which NumPy reads with ast.literal_eval. This is a strict parser of exactly the literals
// NumPy accepts there: string keys, a string descr, True/False, and a tuple of non-negative
// ints (with the trailing comma a 1-tuple needs, and the 'L' suffix of Python 2 files).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"

namespace embedkit::io::detail {

struct npy_dict {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

class NpyDictParser {
 public:
  // `text` is the header; `base` the file offset of its first byte and `prefix` what
  // messages start with ("npy: 'path': ").
  NpyDictParser(std::string_view text, std::int64_t base, std::string prefix)
      : text_(text), base_(base), prefix_(std::move(prefix)) {}

  npy_dict parse() {
    npy_dict d;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_ws();
    expect('{', "'{' opening the header dict");
    skip_ws();
    while (!at('}')) {
      const std::size_t key_at = pos_;
      const std::string key = parse_string("a quoted key or '}'");
      skip_ws();
      expect(':', "':' after key '" + key + "'");
      skip_ws();
      bool* seen = nullptr;
      if (key == "descr") {
        seen = &seen_descr;
        if (at('[')) fail(pos_, "structured dtypes (a list descr) are not supported");
        d.descr = parse_string("a quoted dtype string for 'descr'");
      } else if (key == "fortran_order") {
        seen = &seen_fortran;
        d.fortran_order = parse_bool();
      } else if (key == "shape") {
        seen = &seen_shape;
        d.shape = parse_shape();
      } else {
        fail(key_at, "unexpected key '" + key + "' (the header has exactly 'descr', "
                     "'fortran_order' and 'shape')");
      }
      if (*seen) fail(key_at, "duplicate key '" + key + "'");
      *seen = true;
      skip_ws();
      if (at(',')) {
        ++pos_;
        skip_ws();
      } else if (!at('}')) {
        fail(pos_, "expected ',' or '}' after the value of '" + key + "'");
      }
    }
    ++pos_;  // '}'
    skip_ws();
    if (pos_ != text_.size()) fail(pos_, "expected only spaces and a newline after the header dict");
    if (!seen_descr || !seen_fortran || !seen_shape) {
      fail(0, std::string("the header dict lacks the key '") +
                  (!seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape") + "'");
    }
    return d;
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    const std::int64_t byte = base_ + static_cast<std::int64_t>(at);
    embedkit::detail::raise<format_error>(prefix_ + what + " in the header at byte " +
                                              std::to_string(byte),
                                          byte);
  }

  bool at(char c) const noexcept { return pos_ < text_.size() && text_[pos_] == c; }
  void expect(char c, const std::string& what) {
    if (!at(c)) fail(pos_, "expected " + what);
    ++pos_;
  }
  void skip_ws() noexcept {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  std::string parse_string(const std::string& what) {
    if (!at('\'') && !at('"')) fail(pos_, "expected " + what);
    const char quote = text_[pos_];
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      // Escapes and non-ASCII never occur in the strings NumPy writes here.
      if (c == '\\' || c < 0x20 || c >= 0x7F) fail(pos_, "unsupported character in a string");
      ++pos_;
    }
    if (pos_ == text_.size()) fail(start - 1, "unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }

  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(pos_, "expected True or False for 'fortran_order'");
  }

  std::int64_t parse_dim() {
    const std::size_t start = pos_;
    if (at('-')) fail(pos_, "negative dimension in 'shape'");
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') {
      fail(pos_, "expected a dimension (a non-negative integer) in 'shape'");
    }
    if (text_[pos_] == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' &&
        text_[pos_ + 1] <= '9') {
      fail(pos_, "leading zeros in a dimension of 'shape'");
    }
    std::int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const int digit = text_[pos_] - '0';
      if (v > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
        fail(start, "dimension in 'shape' does not fit int64");
      }
      v = v * 10 + digit;
      ++pos_;
    }
    if (at('L')) ++pos_;  // Python 2 long literal
    return v;
  }

  std::vector<std::int64_t> parse_shape() {
    const std::size_t open = pos_;
    expect('(', "a tuple '(...)' for 'shape'");
    std::vector<std::int64_t> shape;
    bool trailing_comma = false;
    skip_ws();
    while (!at(')')) {
      if (shape.size() >= 64) fail(pos_, "more than 64 dimensions in 'shape'");
      shape.push_back(parse_dim());
      skip_ws();
      trailing_comma = false;
      if (at(',')) {
        ++pos_;
        trailing_comma = true;
        skip_ws();
      } else if (!at(')')) {
        fail(pos_, "expected ',' or ')' in 'shape'");
      }
    }
    ++pos_;
    if (shape.size() == 1 && !trailing_comma) {
      fail(open, "'shape' is not a tuple (a 1-element tuple needs a trailing comma: (n,))");
    }
    return shape;
  }

  std::string_view text_;
  std::int64_t base_;
  std::string prefix_;
  std::size_t pos_ = 0;
};

}  // namespace embedkit::io::detail
