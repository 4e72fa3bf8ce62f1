// HTTP header values that carry media types (Content-Type, Accept): split into media ranges
// ("type/subtype; name=value; ...", comma separated in Accept) following RFC 9110's grammar,
// with the leniency real clients need: optional whitespace around ';', ',' and '=', and
// parameter values as tokens or quoted strings. Type, subtype and parameter names are
// case-insensitive (lowercased here); parameter values keep their case.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"

namespace embedkit::detail {

struct MediaRange {
  std::string type;     // lowercased, e.g. "application"
  std::string subtype;  // lowercased, e.g. "jsonlines"
  std::vector<std::pair<std::string, std::string>> parameters;  // (lowercased name, value)
};

// RFC 9110 token characters ("tchar").
constexpr bool is_header_token_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Reads the media ranges of one header value. `header_name` ("Content-Type", "Accept") only
// names the header in errors: ek::value_error quoting the value and the position of the
// problem.
class MediaRangeReader {
 public:
  // commas_in_values: a ',' inside an unquoted parameter value is part of it (a Content-Type,
  // which holds one media type, so that infer_max_seqlens=3,4 needs no quotes). Otherwise (an
  // Accept list) a ',' is part of a value only between digits, and ends the range elsewhere.
  MediaRangeReader(std::string_view text, std::string_view header_name,
                   bool commas_in_values = false)
      : text_(text), name_(header_name), commas_in_values_(commas_in_values) {}

  // Every comma-separated media range (empty elements, as in "a/b, , c/d", are skipped, as
  // RFC 9110's list rule allows).
  std::vector<MediaRange> read_list() {
    std::vector<MediaRange> out;
    for (;;) {
      skip_ows();
      if (at_end()) return out;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      out.push_back(read_range());
      skip_ows();
      if (at_end()) return out;
      if (peek() != ',') fail("expected ',' or ';' after a media range");
      ++pos_;
    }
  }

  // Exactly one media range (a Content-Type).
  MediaRange read_one() {
    skip_ows();
    MediaRange r = read_range();
    skip_ows();
    if (!at_end()) {
      fail(peek() == ',' ? "expected one media type, found a list"
                         : "expected ';' or the end after the media type");
    }
    return r;
  }

 private:
  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return text_[pos_]; }
  void skip_ows() noexcept {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::string found = at_end() ? std::string("the end") : "'" + std::string(1, peek()) + "'";
    raise<value_error>(std::string(name_) + " \"" + std::string(text_) + "\": " + what +
                       " (at character " + std::to_string(pos_ + 1) + ", found " + found + ")");
  }

  std::string read_token(const char* what) {
    const std::size_t start = pos_;
    while (!at_end() && is_header_token_char(peek())) ++pos_;
    if (pos_ == start) fail(std::string("expected ") + what);
    return std::string(text_.substr(start, pos_ - start));
  }

  // A quoted-string (pos_ at its opening quote): the text with its backslash escapes undone.
  std::string read_quoted() {
    ++pos_;
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated quoted string");
      const char c = peek();
      ++pos_;
      if (c == '"') return out;
      if (c == '\\') {
        if (at_end()) fail("unterminated quoted string");
        out += peek();
        ++pos_;
      } else {
        out += c;
      }
    }
  }

  MediaRange read_range() {
    MediaRange r;
    r.type = ascii_lower(read_token("a media type such as application/json"));
    if (at_end() || peek() != '/') fail("expected '/' in the media type");
    ++pos_;
    r.subtype = ascii_lower(read_token("a media subtype after '/'"));
    for (;;) {
      skip_ows();
      if (at_end() || peek() != ';') return r;
      ++pos_;
      skip_ows();
      // "a/b;" and "a/b; ;c=d": an empty parameter is tolerated.
      if (at_end() || peek() == ',' || peek() == ';') continue;
      std::string name = ascii_lower(read_token("a parameter name"));
      skip_ows();
      if (at_end() || peek() != '=') fail("expected '=' after parameter \"" + name + "\"");
      ++pos_;
      skip_ows();
      std::string value;
      if (!at_end() && peek() == '"') {
        value = read_quoted();
      } else {
        // Tokens, plus the ',' of a value such as infer_max_seqlens=3,4 (see commas_in_values).
        const std::size_t start = pos_;
        while (!at_end()) {
          const char c = peek();
          if (is_header_token_char(c)) {
            ++pos_;
            continue;
          }
          if (c == ',' || c == ' ' || c == '\t') {
            std::size_t k = pos_;
            while (k < text_.size() && (text_[k] == ' ' || text_[k] == '\t')) ++k;
            if (k < text_.size() && text_[k] == ',') {
              ++k;
              while (k < text_.size() && (text_[k] == ' ' || text_[k] == '\t')) ++k;
              const bool digit = k < text_.size() && text_[k] >= '0' && text_[k] <= '9';
              if (pos_ > start && (commas_in_values_ || digit)) {
                pos_ = k;
                continue;
              }
            }
          }
          break;
        }
        if (pos_ == start) fail("expected a value for parameter \"" + name + "\"");
        value = std::string(text_.substr(start, pos_ - start));
      }
      r.parameters.emplace_back(std::move(name), std::move(value));
    }
  }

  std::string_view text_;
  std::string_view name_;
  bool commas_in_values_ = false;
  std::size_t pos_ = 0;
};

}  // namespace embedkit::detail
