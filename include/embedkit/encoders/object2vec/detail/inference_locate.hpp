// Where a value lies in JSON text that has already been parsed successfully: the byte offset of
// an object's member or an array's element, found by stepping over the values before it. The
// request reader builds a json::Value first and checks its shape afterwards; when a check fails
// (a negative id, a missing key) this finds the offending value's offset, so that the error can
// name its line and column like a syntax error does. Only ever run on valid JSON, so it needs
// no checks of its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "embedkit/json/parser.hpp"

namespace embedkit::detail {

class JsonLocator {
 public:
  static constexpr std::size_t npos = std::string_view::npos;

  explicit JsonLocator(std::string_view text) : text_(text) {}

  // The offset of the first non-whitespace byte at or after `pos`.
  std::size_t value_at(std::size_t pos) const noexcept {
    while (pos < text_.size() && is_ws(text_[pos])) ++pos;
    return pos;
  }

  // The offset of member `key`'s value in the object starting at `pos` (its '{'), or npos.
  std::size_t member(std::size_t pos, std::string_view key) const {
    if (pos >= text_.size() || text_[pos] != '{') return npos;
    pos = value_at(pos + 1);
    std::size_t found = npos;
    while (pos < text_.size() && text_[pos] == '"') {
      const std::size_t key_end = skip(pos);
      // Keys may be escaped ("in\u0030"): compare them decoded, through the JSON core.
      const bool match =
          json::parse(text_.substr(pos, key_end - pos)).as_string() == key;
      pos = value_at(value_at(key_end) + 1);  // past ':'
      if (match) found = pos;
      pos = value_at(skip(pos));
      if (pos < text_.size() && text_[pos] == ',') pos = value_at(pos + 1);
    }
    return found;
  }

  // The offset of member `key` itself (its opening quote) in the object at `pos`, or npos.
  std::size_t member_key(std::size_t pos, std::string_view key) const {
    if (pos >= text_.size() || text_[pos] != '{') return npos;
    pos = value_at(pos + 1);
    std::size_t found = npos;
    while (pos < text_.size() && text_[pos] == '"') {
      const std::size_t key_end = skip(pos);
      if (json::parse(text_.substr(pos, key_end - pos)).as_string() == key) found = pos;
      pos = value_at(skip(value_at(value_at(key_end) + 1)));
      if (pos < text_.size() && text_[pos] == ',') pos = value_at(pos + 1);
    }
    return found;
  }

  // The offset of element i of the array starting at `pos` (its '['), or npos. A caller
  // walking an array in order (element(a, 0), element(a, 1), ...) pays for one pass over it in
  // all, not one per element: the walk resumes from the element found last.
  std::size_t element(std::size_t pos, std::size_t i) const noexcept {
    if (pos >= text_.size() || text_[pos] != '[') return npos;
    std::size_t k = 0;
    std::size_t at = value_at(pos + 1);
    if (last_.array == pos && last_.index <= i) {
      k = last_.index;
      at = last_.offset;
    }
    for (; at < text_.size() && text_[at] != ']'; ++k) {
      if (k == i) {
        last_ = {pos, k, at};
        return at;
      }
      at = value_at(skip(at));
      if (at < text_.size() && text_[at] == ',') at = value_at(at + 1);
    }
    return npos;
  }

 private:
  static constexpr bool is_ws(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  // Just past the value starting at `pos`.
  std::size_t skip(std::size_t pos) const noexcept {
    if (pos >= text_.size()) return pos;
    const char c = text_[pos];
    if (c == '"') return skip_string(pos);
    if (c == '[' || c == '{') {
      std::size_t depth = 0;
      while (pos < text_.size()) {
        const char d = text_[pos];
        if (d == '"') {
          pos = skip_string(pos);
          continue;
        }
        if (d == '[' || d == '{') ++depth;
        if ((d == ']' || d == '}') && --depth == 0) return pos + 1;
        ++pos;
      }
      return pos;
    }
    // A number or a literal.
    while (pos < text_.size() && !is_ws(text_[pos]) && text_[pos] != ',' && text_[pos] != ']' &&
           text_[pos] != '}')
      ++pos;
    return pos;
  }

  // Just past the string whose opening quote is at `pos`.
  std::size_t skip_string(std::size_t pos) const noexcept {
    ++pos;
    while (pos < text_.size() && text_[pos] != '"') pos += text_[pos] == '\\' ? 2 : 1;
    return pos + 1;
  }

  std::string_view text_;
  // The element element() found last: the array's offset, the element's index and offset.
  struct Found {
    std::size_t array = npos;
    std::size_t index = 0;
    std::size_t offset = 0;
  };
  mutable Found last_;
};

}  // namespace embedkit::detail
