// Fuzzes ek::json::parse and ek::json::dump. Any input either parses or raises
// ek::format_error; what parses must round-trip:
//   parse(dump(v)) == v, dump(parse(dump(v))) == dump(v),
// in the compact, indented and ASCII-only forms, and under the reject-duplicates policy the
// result is the same value or a format_error naming a duplicate key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json::Value v;
  try {
    v = json::parse(text);
  } catch (const ek::format_error&) {
    return 0;
  }
  const std::string once = json::dump(v);
  const json::Value again = json::parse(once);
  if (!(again == v)) __builtin_trap();
  if (json::dump(again) != once) __builtin_trap();

  for (const json::DumpOptions opt : {json::DumpOptions{2, false}, json::DumpOptions{-1, true},
                                      json::DumpOptions{0, true}}) {
    if (!(json::parse(json::dump(v, opt)) == v)) __builtin_trap();
  }

  json::ParseOptions strict;
  strict.duplicate_keys = json::DuplicateKeys::reject;
  try {
    if (!(json::parse(text, strict) == v)) __builtin_trap();
  } catch (const ek::format_error& e) {
    if (std::string_view(e.what()).find("duplicate key") == std::string_view::npos) __builtin_trap();
  }
  return 0;
}
