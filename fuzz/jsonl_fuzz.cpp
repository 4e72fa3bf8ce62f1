// Fuzzes ek::json::LineReader against ek::json::parse applied line by line: for every
// non-blank line, the reader must return the same value or raise a format_error carrying
// that line's number, and keep going with the next line afterwards.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  // The lines as the reader should see them.
  struct line {
    std::int64_t number;
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
    if (l.find_first_not_of(" \t\r") != std::string_view::npos) lines.push_back({number, l});
    start = nl + 1;
  }

  std::istringstream in(text);
  json::LineReader reader(in);
  for (const line& l : lines) {
    json::Value expected;
    bool ok = true;
    try {
      expected = json::parse(l.text);
    } catch (const ek::format_error&) {
      ok = false;
    }
    json::Value got;
    try {
      if (!reader.next(got)) __builtin_trap();  // a line is missing
      if (!ok || !(got == expected) || reader.line() != l.number) __builtin_trap();
    } catch (const ek::format_error& e) {
      if (ok || e.line() != l.number) __builtin_trap();
    }
  }
  json::Value rest;
  if (reader.next(rest)) __builtin_trap();  // a record too many
  return 0;
}
