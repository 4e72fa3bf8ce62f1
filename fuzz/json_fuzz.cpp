// Fuzzes ek::json::parse and ek::json::dump. Any input either parses or raises
// ek::format_error; what parses must round-trip:
//   parse(dump(v)) == v, dump(parse(dump(v))) == dump(v),
// in the compact, indented and ASCII-only forms, and under the reject-duplicates policy the
// result is the same value or a format_error naming a duplicate key. json::parse_members
// agrees with json::parse under both policies: the same members (each at the offsets its key
// and value start at), the same kind for a document that is not an object, the same error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

namespace {

// What parse(text, opt) gives, as a dump or "error: <message>".
std::string outcome_of_parse(std::string_view text, const json::ParseOptions& opt) {
  try {
    return json::dump(json::parse(text, opt));
  } catch (const ek::format_error& e) {
    return std::string("error: ") + e.what();
  }
}

// The same through parse_members, rebuilding the object as parse would (keep_last: the last
// value at the first position). Checks each member's site against the text.
std::string outcome_of_members(std::string_view text, const json::ParseOptions& opt) {
  try {
    json::Object o;
    const json::Kind k = json::parse_members(
        text,
        [&](std::string&& key, json::Value&& value, json::MemberSite site) {
          if (site.key >= site.value || site.value >= text.size() || text[site.key] != '"') {
            __builtin_trap();
          }
          // The value starts at its first byte: never whitespace or the ':'; a string at '"',
          // an array at '[', an object at '{'.
          const char c = text[site.value];
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') __builtin_trap();
          if (value.is_string() != (c == '"') || value.is_array() != (c == '[') ||
              value.is_object() != (c == '{')) {
            __builtin_trap();
          }
          o.insert_or_assign(std::move(key), std::move(value));
        },
        opt);
    if (k != json::Kind::object) return std::string("kind ") + json::describe(k);
    return json::dump(json::Value(std::move(o)));
  } catch (const ek::format_error& e) {
    return std::string("error: ") + e.what();
  }
}

void check_members(std::string_view text, const json::ParseOptions& opt) {
  const std::string expected = outcome_of_parse(text, opt);
  const std::string got = outcome_of_members(text, opt);
  if (got.rfind("kind ", 0) == 0) {
    // Not an object: parse must have given a value of that kind.
    if (expected.rfind("error: ", 0) == 0) __builtin_trap();
    if (got != std::string("kind ") + json::describe(json::parse(text, opt).kind())) __builtin_trap();
    return;
  }
  if (got != expected) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    json::ParseOptions keep, reject;
    reject.duplicate_keys = json::DuplicateKeys::reject;
    check_members(text, keep);
    check_members(text, reject);
  }
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
