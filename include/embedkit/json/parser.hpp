// A strict RFC 8259 parser: exactly the grammar of the RFC, UTF-8 validated, with a nesting
// limit, and errors that say what was expected where. It is a recursive descent parser; the
// depth limit bounds its recursion (and that of the Value it builds).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/json/detail/number.hpp"
#include "embedkit/json/detail/position.hpp"
#include "embedkit/json/detail/utf8.hpp"
#include "embedkit/json/value.hpp"

namespace embedkit::json {

// What to do when an object repeats a key. RFC 8259 leaves it to the implementation;
// Python, JavaScript and serde_json keep the last value (at the position of the first).
enum class DuplicateKeys : std::uint8_t { keep_last, reject };

struct ParseOptions {
  // Arrays and objects may nest this deep (the document's outermost value is depth 1).
  // At most kMaxDepthLimit: parsing, dumping, comparing and destroying a Value each recurse
  // once per level, and 1024 levels stay within a small thread stack even under
  // AddressSanitizer (about 2 KiB a level there).
  std::size_t max_depth = 512;
  DuplicateKeys duplicate_keys = DuplicateKeys::keep_last;

  static constexpr std::size_t kMaxDepthLimit = 1024;
};

// Where a member of an object lies in the text given to parse_members: the byte offsets of
// its key's opening quote and of its value's first byte.
struct MemberSite {
  std::size_t key = 0;
  std::size_t value = 0;
};

}  // namespace embedkit::json

namespace embedkit::json::detail {

class JsonParser {
 public:
  JsonParser(std::string_view text, const json::ParseOptions& options, text_origin origin)
      : text_(text), options_(options), origin_(origin) {
    if (options_.max_depth < 1 || options_.max_depth > json::ParseOptions::kMaxDepthLimit) {
      embedkit::detail::raise<value_error>(
          "json: max_depth " + std::to_string(options_.max_depth) + " is outside [1, " +
          std::to_string(json::ParseOptions::kMaxDepthLimit) + "]");
    }
  }

  // The whole text must be one JSON value, with optional whitespace around it.
  json::Value parse_document() {
    begin_document();
    json::Value out;
    parse_value(out, 0);
    end_document();
    return out;
  }

  // The same, but an object at the top is not built: on_member(std::string&& key,
  // json::Value&& value, json::MemberSite site) is called for each of its members in document
  // order, as soon as the member is parsed (so a caller may stop at a bad member by raising,
  // and the positions it reports are exact). Duplicate keys at the top are rejected as
  // parse_document rejects them under DuplicateKeys::reject; under keep_last every occurrence
  // is passed on, the last one last. Returns the kind of the document: Kind::object when the
  // members were visited, otherwise the kind of the (valid, whole) value found instead.
  template <class OnMember>
  json::Kind parse_members(OnMember&& on_member) {
    begin_document();
    if (peek() != '{') {
      json::Value other;
      parse_value(other, 0);
      end_document();
      return other.kind();
    }
    enter(1);
    ++pos_;  // '{'
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      end_document();
      return json::Kind::object;
    }
    if (at_end() || peek() != '"') fail(pos_, "expected a string key or '}'");
    std::unordered_set<std::string> seen;
    for (;;) {
      json::MemberSite site;
      site.key = pos_;
      std::string key;
      parse_string(key);
      skip_ws();
      if (at_end() || peek() != ':') fail(pos_, "expected ':' after object key");
      ++pos_;
      skip_ws();
      if (options_.duplicate_keys == json::DuplicateKeys::reject && !seen.insert(key).second) {
        fail(site.key, "duplicate key \"" + key + "\" in object", false);
      }
      site.value = pos_;
      json::Value value;
      parse_value(value, 1);
      on_member(std::move(key), std::move(value), site);
      skip_ws();
      if (at_end()) fail(pos_, "expected ',' or '}' after object member");
      if (peek() == '}') {
        ++pos_;
        end_document();
        return json::Kind::object;
      }
      if (peek() != ',') fail(pos_, "expected ',' or '}' after object member");
      ++pos_;
      skip_ws();
      if (at_end() || peek() != '"') fail(pos_, "expected a string key after ','");
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what, bool show_found = true) const {
    raise_format_error_at(text_, at, origin_, what, show_found);
  }

  // No byte order mark, and a value ahead (pos_ on its first byte).
  void begin_document() {
    if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") {
      fail(0, "unexpected UTF-8 byte order mark (JSON text must not start with one)", false);
    }
    skip_ws();
    if (pos_ == text_.size()) fail(pos_, "expected a JSON value");
  }
  // Only whitespace after the value.
  void end_document() {
    skip_ws();
    if (pos_ != text_.size()) fail(pos_, "expected end of input after the JSON value");
  }

  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return text_[pos_]; }  // only when !at_end()

  void skip_ws() noexcept {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  void parse_value(json::Value& out, std::size_t depth) {
    if (at_end()) fail(pos_, "expected a value");
    switch (peek()) {
      case '{': parse_object(out, depth + 1); return;
      case '[': parse_array(out, depth + 1); return;
      case '"': {
        std::string s;
        parse_string(s);
        out = std::move(s);
        return;
      }
      case 't': parse_literal("true"); out = true; return;
      case 'f': parse_literal("false"); out = false; return;
      case 'n': parse_literal("null"); out = nullptr; return;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
          parse_number(out);
          return;
        }
        fail(pos_, "expected a value");
    }
  }

  void enter(std::size_t depth) const {
    if (depth > options_.max_depth) {
      fail(pos_, "nesting depth exceeds the limit of " + std::to_string(options_.max_depth),
           false);
    }
  }

  void parse_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      // Point at the first byte that differs.
      std::size_t i = 0;
      while (pos_ + i < text_.size() && i < word.size() && text_[pos_ + i] == word[i]) ++i;
      fail(pos_ + i, "invalid literal: expected '" + std::string(word) + "'");
    }
    pos_ += word.size();
  }

  // The elements are gathered on stack_ (shared by every array being parsed, nested ones
  // above their parents') and moved into an Array of the exact size at the ']': one allocation
  // per array, where growing the Array element by element would take one per doubling. An
  // array of short integers (a list of ids) is gathered as plain integers in ints_ instead,
  // until an element of another kind turns up and moves them onto stack_; only the innermost
  // array can be in that state, so one buffer serves every level.
  void parse_array(json::Value& out, std::size_t depth) {
    enter(depth);
    ++pos_;  // '['
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      out = json::Array{};
      return;
    }
    if (at_end()) fail(pos_, "expected a value or ']'");
    const std::size_t base = stack_.size();
    bool only_ints = true;  // every element so far a short integer, held in ints_
    ints_.clear();
    auto move_ints_to_stack = [&] {
      for (const std::int64_t i : ints_) stack_.emplace_back(i);
      ints_.clear();
      only_ints = false;
    };
    for (;;) {
      const char c = peek();
      if (c == '-' || (c >= '0' && c <= '9')) {
        // Numbers never touch stack_, so they may be parsed in place.
        std::int64_t small = 0;
        const number_token token = scan_number(small);
        if (only_ints && token.small) {
          ints_.push_back(small);
        } else {
          if (only_ints) move_ints_to_stack();
          if (token.small) {
            stack_.emplace_back(small);
          } else {
            stack_.emplace_back();
            convert_number(token, stack_.back());
          }
        }
      } else {
        if (only_ints) move_ints_to_stack();
        json::Value v;
        parse_value(v, depth);
        stack_.push_back(std::move(v));
      }
      skip_ws();
      if (at_end()) fail(pos_, "expected ',' or ']' after array element");
      if (peek() == ']') {
        ++pos_;
        json::Array arr;
        if (only_ints) {
          arr.reserve(ints_.size());
          for (const std::int64_t i : ints_) arr.emplace_back(i);
          ints_.clear();
        } else {
          arr.reserve(stack_.size() - base);
          for (std::size_t i = base; i < stack_.size(); ++i) arr.push_back(std::move(stack_[i]));
          stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(base), stack_.end());
        }
        out = std::move(arr);
        return;
      }
      if (peek() != ',') fail(pos_, "expected ',' or ']' after array element");
      ++pos_;
      skip_ws();
      if (at_end() || peek() == ']') fail(pos_, "expected a value after ','");
    }
  }

  void parse_object(json::Value& out, std::size_t depth) {
    enter(depth);
    ++pos_;  // '{'
    out = json::Object{};
    json::Object& obj = out.as_object();
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return;
    }
    if (at_end() || peek() != '"') fail(pos_, "expected a string key or '}'");
    std::string key;
    for (;;) {
      const std::size_t key_at = pos_;
      key.clear();
      parse_string(key);
      skip_ws();
      if (at_end() || peek() != ':') fail(pos_, "expected ':' after object key");
      ++pos_;
      skip_ws();
      if (json::Value* existing = obj.find(key)) {
        if (options_.duplicate_keys == json::DuplicateKeys::reject) {
          fail(key_at, "duplicate key \"" + key + "\" in object", false);
        }
        json::Value v;
        parse_value(v, depth);
        *existing = std::move(v);
      } else {
        // The pointer stays valid: parsing the member's value never touches `obj`.
        json::Value* slot = obj.insert(key, json::Value()).first;
        parse_value(*slot, depth);
      }
      skip_ws();
      if (at_end()) fail(pos_, "expected ',' or '}' after object member");
      if (peek() == '}') {
        ++pos_;
        return;
      }
      if (peek() != ',') fail(pos_, "expected ',' or '}' after object member");
      ++pos_;
      skip_ws();
      if (at_end() || peek() != '"') fail(pos_, "expected a string key after ','");
    }
  }

  static int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u" at pos_ (which points at the 'u').
  char32_t parse_hex4() {
    char32_t v = 0;
    for (std::size_t i = 1; i <= 4; ++i) {
      const std::size_t at = pos_ + i;
      const int h = at < text_.size() ? hex_value(text_[at]) : -1;
      if (h < 0) fail(at, "invalid \\u escape: expected 4 hex digits");
      v = (v << 4) | static_cast<char32_t>(h);
    }
    pos_ += 5;
    return v;
  }

  void parse_string(std::string& out) {
    const std::size_t open = pos_;
    ++pos_;  // opening quote
    for (;;) {
      // Copy the run of bytes that need no attention in one go.
      const std::size_t run = pos_;
      while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out.append(text_, run, pos_ - run);
      if (at_end()) fail(open, "unterminated string (no closing '\"')", false);
      const auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%04X", c);
        fail(pos_, std::string("control character U+") + buf + " must be escaped in a string",
             false);
      }
      if (c >= 0x80) {
        const utf8_decoded d = decode_utf8(text_.data() + pos_, text_.data() + text_.size());
        if (d.status != utf8_status::ok) {
          fail(pos_ + static_cast<std::size_t>(d.length),
               std::string("invalid UTF-8 in string: ") + utf8_message(d.status));
        }
        out.append(text_, pos_, static_cast<std::size_t>(d.length));
        pos_ += static_cast<std::size_t>(d.length);
        continue;
      }
      // A backslash escape.
      const std::size_t esc = pos_;
      ++pos_;
      if (at_end()) fail(pos_, "unterminated escape sequence");
      switch (peek()) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          char32_t cp = parse_hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(esc, "lone low surrogate in \\u escape (not preceded by a high surrogate)",
                 false);
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") {
              fail(esc, "lone high surrogate in \\u escape (expected a \\uDC00..\\uDFFF to follow)",
                   false);
            }
            const std::size_t low_at = pos_;
            ++pos_;
            const char32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) {
              fail(low_at, "high surrogate in \\u escape not followed by a low surrogate", false);
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          continue;  // parse_hex4 advanced pos_
        }
        default: fail(pos_, "invalid escape sequence: expected one of \" \\ / b f n r t u");
      }
      ++pos_;
    }
  }

  // A number token that has matched the grammar: where it starts, whether it is an integer,
  // and whether it is a short integer (at most 18 digits: exact in int64) already converted.
  struct number_token {
    std::size_t start = 0;
    bool integral = true;
    bool small = false;
  };

  void parse_number(json::Value& out) {
    std::int64_t small = 0;
    const number_token token = scan_number(small);
    if (token.small) {
      out = small;
    } else {
      convert_number(token, out);
    }
  }

  // Steps over a number at pos_, checking the grammar. Short integers (most numbers in
  // requests are ids) are converted on the way, into `small`, without a second pass.
  number_token scan_number(std::int64_t& small) {
    number_token token;
    token.start = pos_;
    auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
    const bool negative = peek() == '-';
    if (negative) ++pos_;
    if (!digit()) fail(pos_, "expected a digit after '-'");
    // The integer part's value, exact while it has at most 18 digits (below 10^18 < 2^63);
    // longer ones wrap around here and are converted from the text instead.
    std::uint64_t magnitude = 0;
    const std::size_t int_start = pos_;
    if (peek() == '0') {
      ++pos_;
      if (digit()) fail(pos_, "invalid number: leading zeros are not allowed", false);
    } else {
      while (digit()) {
        magnitude = magnitude * 10 + static_cast<std::uint64_t>(peek() - '0');
        ++pos_;
      }
    }
    if (pos_ - int_start <= 18 &&
        (at_end() || (peek() != '.' && peek() != 'e' && peek() != 'E'))) {
      const auto i = static_cast<std::int64_t>(magnitude);
      small = negative ? -i : i;
      token.small = true;
      return token;
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (!digit()) fail(pos_, "expected a digit after the decimal point");
      while (digit()) ++pos_;
      token.integral = false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digit()) fail(pos_, "expected a digit in the exponent");
      while (digit()) ++pos_;
      token.integral = false;
    }
    return token;
  }

  // The value of a number scan_number did not convert.
  void convert_number(const number_token& token, json::Value& out) {
    const std::string_view text = text_.substr(token.start, pos_ - token.start);
    if (!convert_json_number(text, token.integral, out)) {
      const std::string shown = text.size() > 40 ? std::string(text.substr(0, 40)) + "..."
                                                 : std::string(text);
      fail(token.start, "number " + shown + " is too large for a double", false);
    }
  }

  std::string_view text_;
  json::ParseOptions options_;
  text_origin origin_;
  std::size_t pos_ = 0;
  std::vector<json::Value> stack_;  // elements of the arrays being parsed (see parse_array)
  std::vector<std::int64_t> ints_;  // the innermost array's elements while all are short integers
};

}  // namespace embedkit::json::detail

namespace embedkit::json {

// Parses one JSON text (RFC 8259). Errors: ek::format_error with the byte offset, 1-based
// line and column, and what was expected there.
inline Value parse(std::string_view text, const ParseOptions& options = {}) {
  return detail::JsonParser(text, options, {}).parse_document();
}

// Parses one JSON text whose top level is expected to be an object, without building that
// object: on_member(std::string&& key, Value&& value, MemberSite site) is called for each
// member in document order, with the byte offsets of its key and value in `text` (so errors
// about a member can point at it; see json::format_error_at). Syntax errors are raised as by
// parse(). Returns Kind::object, or the kind of the document when it is not an object (then
// no member was visited). Duplicate top-level keys follow options.duplicate_keys: rejected,
// or (keep_last) each occurrence visited.
template <class OnMember>
Kind parse_members(std::string_view text, OnMember&& on_member, const ParseOptions& options = {}) {
  return detail::JsonParser(text, options, {}).parse_members(std::forward<OnMember>(on_member));
}

// Raises ek::format_error "<what> at line L, column C (byte B)" for byte `offset` of `text`
// (a MemberSite's key or value, say), with the same position fields as a parse error.
[[noreturn]] inline void format_error_at(std::string_view text, std::size_t offset,
                                         const std::string& what) {
  detail::raise_format_error_at(text, offset, {}, what, false);
}

}  // namespace embedkit::json
