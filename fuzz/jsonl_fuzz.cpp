// Fuzzes ek::json::LineReader against ek::json::parse applied line by line: for every line,
// the reader must return the same value, skip it when it is blank, or raise a format_error
// carrying that line's number, and keep going with the next line afterwards. Each input is
// read twice: with the default options, and with a small max_line_bytes (drawn from the
// input's size), under which every line longer than the limit must be reported once, at its
// first byte, and then skipped (a line that never ends must not make the reader loop).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

namespace {

void check(const std::string& text, const json::LineReaderOptions& opt) {
  // The lines as the reader should see them.
  struct line {
    std::int64_t number;
    std::int64_t start;
    std::string_view text;
  };
  std::vector<line> lines;
  std::int64_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string_view l(text.data() + start, nl - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    ++number;
    // Too long is reported whatever the line holds; blank lines within the limit are skipped.
    if (l.size() > opt.max_line_bytes || l.find_first_not_of(" \t\r") != std::string_view::npos) {
      lines.push_back({number, static_cast<std::int64_t>(start), l});
    }
    start = nl + 1;
  }

  std::istringstream in(text);
  json::LineReader reader(in, opt);
  for (const line& l : lines) {
    const bool too_long = l.text.size() > opt.max_line_bytes;
    json::Value expected;
    bool ok = !too_long;
    if (ok) {
      try {
        expected = json::parse(l.text, opt.parse);
      } catch (const ek::format_error&) {
        ok = false;
      }
    }
    json::Value got;
    try {
      if (!reader.next(got)) __builtin_trap();  // a line is missing
      if (!ok || !(got == expected) || reader.line() != l.number) __builtin_trap();
    } catch (const ek::format_error& e) {
      if (ok || e.line() != l.number || reader.line() != l.number) __builtin_trap();
      const auto end = l.start + static_cast<std::int64_t>(l.text.size());
      if (too_long && (e.byte_offset() != l.start || e.column() != 1)) __builtin_trap();
      if (e.byte_offset() < l.start || e.byte_offset() > end) __builtin_trap();
    }
  }
  json::Value rest;
  if (reader.next(rest)) __builtin_trap();  // a record too many
  if (reader.next(rest)) __builtin_trap();  // and the end stays the end
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check(text, {});
  json::LineReaderOptions small;
  small.max_line_bytes = size % 41;
  check(text, small);
  return 0;
}
