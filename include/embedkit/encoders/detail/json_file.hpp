// Reading the small JSON files a model folder holds (config.json, modules.json, ...): the whole
// file, parsed, with the file's path in front of every error, and typed field readers whose
// errors name the file, the field, the value found and what was allowed.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit::detail {

// The JSON text of `path`. ek::io_error when it cannot be read; ek::format_error, prefixed with
// the path, when it is not JSON.
inline json::Value read_json_file(const std::filesystem::path& path) {
  const std::string text = io::detail::read_file(path);
  const std::string prefix = path.string() + ": ";
  return json::detail::JsonParser(text, {}, {.prefix = prefix}).parse_document();
}

// Typed access to the members of one JSON object, read from `file`.
class JsonFields {
 public:
  JsonFields(const json::Value& v, std::string file) : v_(v), file_(std::move(file)) {
    if (!v.is_object()) {
      raise<value_error>(file_ + ": expected a JSON object at the top level, found " +
                         std::string(json::describe(v.kind())));
    }
  }

  const std::string& file() const noexcept { return file_; }
  const json::Value& value() const noexcept { return v_; }

  // The member, or null when absent or JSON null.
  const json::Value* find(std::string_view key) const {
    const json::Value* m = v_.find(key);
    return m != nullptr && !m->is_null() ? m : nullptr;
  }

  [[noreturn]] void bad(std::string_view key, const json::Value& v, std::string_view allowed) const {
    std::string shown = json::dump(v);
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    raise<value_error>(file_ + ": field \"" + std::string(key) + "\" is " + shown + "; expected " +
                       std::string(allowed));
  }
  [[noreturn]] void missing(std::string_view key, std::string_view what) const {
    raise<value_error>(file_ + ": field \"" + std::string(key) + "\" is missing; expected " +
                       std::string(what));
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const json::Value* m = find(key);
    if (m == nullptr) return std::nullopt;
    const std::string range =
        "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    if (m->kind() != json::Kind::int64 || m->as_int64() < lo || m->as_int64() > hi) {
      bad(key, *m, range);
    }
    return m->as_int64();
  }
  std::int64_t required_integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const auto v = integer(key, lo, hi);
    if (!v) {
      missing(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return *v;
  }
  std::optional<double> number(std::string_view key) const {
    const json::Value* m = find(key);
    if (m == nullptr) return std::nullopt;
    if (!m->is_number() || !std::isfinite(m->as_double())) bad(key, *m, "a finite number");
    return m->as_double();
  }
  std::optional<bool> boolean(std::string_view key) const {
    const json::Value* m = find(key);
    if (m == nullptr) return std::nullopt;
    if (!m->is_bool()) bad(key, *m, "true or false");
    return m->as_bool();
  }
  std::optional<std::string> string(std::string_view key) const {
    const json::Value* m = find(key);
    if (m == nullptr) return std::nullopt;
    if (!m->is_string()) bad(key, *m, "a string");
    return m->as_string();
  }

 private:
  const json::Value& v_;
  std::string file_;
};

}  // namespace embedkit::detail
