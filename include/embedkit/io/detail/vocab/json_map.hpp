// The JSON vocabulary form: one object {"token": id, ...} (Object2Vec's vocabulary files). Keys
// are the tokens; values must be non-negative integers. A repeated key is an error here (a
// JSON parser would silently keep one of the two ids).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/json/detail/position.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit::io::detail::vocab {

// Best-effort byte offset of the member `key` in `text` (its quoted form as a writer that does
// not escape more than needed would produce; the document's start when not found).
inline std::size_t key_offset(std::string_view text, const std::string& key) {
  const std::size_t at = text.find(json::dump(json::Value(key)));
  return at == std::string_view::npos ? 0 : at;
}

// Calls on_entry(token, id) for each member in document order; a non-empty string it returns
// is raised as a format_error at that member.
template <class OnEntry>
void parse_json_map(std::string_view text, OnEntry&& on_entry) {
  json::ParseOptions options;
  options.duplicate_keys = json::DuplicateKeys::reject;
  const json::Value doc = json::parse(text, options);
  if (!doc.is_object()) {
    json::detail::raise_format_error_at(
        text, text.find_first_not_of(" \t\r\n"), {},
        std::string("vocabulary JSON: expected an object {\"token\": id, ...}, found ") +
            json::describe(doc.kind()),
        false);
  }
  for (const auto& [key, value] : doc.as_object()) {
    const bool ok = value.kind() == json::Kind::int64 && value.as_int64() >= 0;
    std::string error;
    if (!ok) {
      error = "the id of token " + json::dump(json::Value(key)) +
              " must be a non-negative integer that fits int64, found " +
              (value.is_integer() ? json::dump(value) : std::string(json::describe(value.kind())));
    } else {
      error = on_entry(std::string_view(key), value.as_int64());
    }
    if (!error.empty()) {
      json::detail::raise_format_error_at(text, key_offset(text, key), {},
                                        "vocabulary JSON: " + error, false);
    }
  }
}

inline void append_json_string(std::string& out, const std::string& s) {
  out += json::dump(json::Value(s));
}

}  // namespace embedkit::io::detail::vocab
