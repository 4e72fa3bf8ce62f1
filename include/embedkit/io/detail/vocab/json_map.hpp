// The JSON vocabulary form: one object {"token": id, ...} (Object2Vec's vocabulary files). Keys
// are the tokens; values must be integers in [0, max_id]. A repeated key is an error here (a
// JSON parser would silently keep one of the two ids). The object is read member by member
// (json::parse_members), never built as a json::Value, and every error about a member points
// at it: a bad id at the value, anything the caller refuses at the key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "embedkit/core/error.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit::io::detail::vocab {

// Calls on_entry(token, id) for each member in document order, for ids in [0, max_id]; a
// non-empty string it returns is raised as a format_error at that member's key.
template <class OnEntry>
void parse_json_map(std::string_view text, std::int64_t max_id, OnEntry&& on_entry) {
  json::ParseOptions options;
  options.duplicate_keys = json::DuplicateKeys::reject;
  const json::Kind kind = json::parse_members(
      text,
      [&](std::string&& key, json::Value&& value, json::MemberSite site) {
        const bool ok = value.kind() == json::Kind::int64 && value.as_int64() >= 0 &&
                        value.as_int64() <= max_id;
        if (!ok) {
          json::format_error_at(
              text, site.value,
              "vocabulary JSON: the id of token " + json::dump(json::Value(key)) +
                  " must be a non-negative integer no larger than " + std::to_string(max_id) +
                  ", found " +
                  (value.is_integer() ? json::dump(value) : std::string(json::describe(value.kind()))));
        }
        const std::string error = on_entry(std::string_view(key), value.as_int64());
        if (!error.empty()) json::format_error_at(text, site.key, "vocabulary JSON: " + error);
      },
      options);
  if (kind != json::Kind::object) {
    json::format_error_at(text, text.find_first_not_of(" \t\r\n"),
                          std::string("vocabulary JSON: expected an object {\"token\": id, ...}, found ") +
                              json::describe(kind));
  }
}

inline void append_json_string(std::string& out, const std::string& s) {
  out += json::dump(json::Value(s));
}

}  // namespace embedkit::io::detail::vocab
