// The checks behind ek::parse_object2vec_request: a parsed instance (a json::Value) turned into
// an Object2VecInstance, every shape problem raised as an ek::format_error at the offending
// value's line, column and byte, naming the instance and the key ("instance 3: \"in0\"[5] is
// -1: token ids are integers >= 0 at line 5, column 23 (byte 140)").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/encoders/object2vec/detail/inference_locate.hpp"
#include "embedkit/json/detail/position.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit {

// One Object2Vec inference instance: in0 only (encoder 0's embedding), in1 only (encoder 1's)
// or both (the pair's scores).
struct Object2VecInstance {
  std::optional<std::vector<std::int64_t>> in0, in1;
  friend bool operator==(const Object2VecInstance&, const Object2VecInstance&) = default;
};

}  // namespace embedkit

namespace embedkit::detail {

// Where an instance's text lies: `text` is the JSON text the instance was parsed from (a whole
// request body or one line), `at` the offset of the instance's first byte in it, and `origin`
// where `text` starts in the whole input (for a line of a JSON Lines body: its line number and
// byte offset).
struct InstanceSite {
  std::string_view text;
  std::size_t at = 0;
  json::detail::text_origin origin{};
};

// Duplicate keys would make "in0" mean two things: they are rejected wherever they appear.
inline json::ParseOptions request_parse_options() {
  json::ParseOptions o;
  o.duplicate_keys = json::DuplicateKeys::reject;
  return o;
}

[[noreturn]] inline void raise_at(const InstanceSite& site, std::size_t offset,
                                  const std::string& what) {
  json::detail::raise_format_error_at(site.text, offset == JsonLocator::npos ? site.at : offset,
                                      site.origin, what, false);
}

// "-1", "1.5", "a string": how a bad id is shown in a message.
inline std::string show_json_value(const json::Value& v) {
  if (v.is_number()) return json::dump(v);
  return json::describe(v.kind());
}

// The ids of member `key` of instance `index` (the instance at `site`). Messages and offsets are
// worked out only when there is an error to report: a good request pays for neither.
inline std::vector<std::int64_t> read_ids(const json::Value& v, std::size_t index,
                                          const std::string& key, const InstanceSite& site) {
  auto where = [&] { return "instance " + std::to_string(index) + ": \"" + key + "\""; };
  auto value_at = [&] { return JsonLocator(site.text).member(site.at, key); };
  if (!v.is_array()) {
    raise_at(site, value_at(),
             where() + " is " + json::describe(v.kind()) +
                 ": expected a list of token ids such as [6, 17, 606]");
  }
  const json::Array& a = v.as_array();
  std::vector<std::int64_t> ids(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    const json::Value& id = a[k];
    if (id.kind() != json::Kind::int64 || id.as_int64() < 0) {
      const std::string bound = id.kind() == json::Kind::uint64 ? " and < 2^63" : "";
      raise_at(site, JsonLocator(site.text).element(value_at(), k),
               where() + "[" + std::to_string(k) + "] is " + show_json_value(id) +
                   ": token ids are integers >= 0" + bound);
    }
    ids[k] = id.as_int64();
  }
  return ids;
}

// The instance numbered `index` (0-based, in the request), parsed into `v`, found at `site`.
inline Object2VecInstance read_instance(const json::Value& v, std::size_t index,
                                        const InstanceSite& site) {
  auto name = [&] { return "instance " + std::to_string(index); };
  if (!v.is_object()) {
    raise_at(site, site.at,
             name() + ": expected an object such as {\"in0\": [6, 17, 606]}, found " +
                 json::describe(v.kind()));
  }
  Object2VecInstance out;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "in0" || key == "in1") {
      (key == "in0" ? out.in0 : out.in1) = read_ids(value, index, key, site);
      continue;
    }
    std::string hint;
    if (key == "instances") {
      hint = " (a whole {\"instances\": [...]} request is application/json, not "
             "application/jsonlines)";
    }
    raise_at(site, JsonLocator(site.text).member_key(site.at, key),
             name() + ": unknown key " + json::dump(json::Value(key)) +
                 "; an instance holds \"in0\", \"in1\" or both" + hint);
  }
  if (!out.in0 && !out.in1) {
    raise_at(site, site.at,
             name() + ": the instance has neither \"in0\" nor \"in1\"; it needs one or both");
  }
  return out;
}

}  // namespace embedkit::detail
