// ek::json::Cursor: read access to a Value that remembers where it is in the document, so a
// request that does not have the expected shape gets an error naming the place:
//   "json: $.instances[2].in0: expected an array, found a string".
// Paths are JSONPath-like: "$" is the root, ".key" a member (["key"] when the key is not an
// identifier), "[i]" an array element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "embedkit/core/error.hpp"
#include "embedkit/json/detail/utf8.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit::json {

class Cursor {
 public:
  explicit Cursor(const Value& root, std::string path = "$")
      : value_(&root), path_(std::move(path)) {}

  const Value& value() const noexcept { return *value_; }
  const std::string& path() const noexcept { return path_; }
  Kind kind() const noexcept { return value_->kind(); }

  // The member `key` of an object: ek::value_error when this is not an object,
  // ek::index_error when it has no such member.
  Cursor at(std::string_view key) const {
    const Object& o = object_or_fail();
    const Value* v = o.find(key);
    if (v == nullptr) {
      embedkit::detail::raise<index_error>("json: " + path_ + ": no member " +
                                           quoted(key) + " in the object");
    }
    return Cursor(*v, member_path(key));
  }
  // Element i of an array: ek::value_error when this is not an array, ek::index_error when
  // i is out of range.
  Cursor at(std::size_t i) const {
    const Array& a = array_or_fail();
    if (i >= a.size()) {
      embedkit::detail::raise<index_error>("json: " + path_ + ": index " + std::to_string(i) +
                                           " is out of range [0, " + std::to_string(a.size()) +
                                           ")");
    }
    return Cursor(a[i], path_ + "[" + std::to_string(i) + "]");
  }
  // The member `key`, or nothing when absent (ek::value_error when this is not an object).
  std::optional<Cursor> find(std::string_view key) const {
    const Value* v = object_or_fail().find(key);
    if (v == nullptr) return std::nullopt;
    return Cursor(*v, member_path(key));
  }
  bool contains(std::string_view key) const { return object_or_fail().contains(key); }
  // Elements of an array or members of an object.
  std::size_t size() const {
    if (value_->is_array()) return value_->as_array().size();
    if (value_->is_object()) return value_->as_object().size();
    mismatch("an array or an object");
  }

  bool as_bool() const {
    require(value_->is_bool(), "a boolean");
    return value_->as_bool();
  }
  std::int64_t as_int64() const { return as_integer<std::int64_t>(); }
  std::uint64_t as_uint64() const { return as_integer<std::uint64_t>(); }
  double as_double() const {
    require(value_->is_number(), "a number");
    return value_->as_double();
  }
  // An integer that fits T; ek::value_error naming the path otherwise.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  T as_integer() const {
    require(value_->is_integer(), "an integer");
    const bool fits = value_->kind() == Kind::uint64
                          ? std::in_range<T>(value_->as_uint64())
                          : std::in_range<T>(value_->as_int64());
    if (!fits) {
      const std::string shown = value_->kind() == Kind::uint64
                                    ? std::to_string(value_->as_uint64())
                                    : std::to_string(value_->as_int64());
      embedkit::detail::raise<value_error>(
          "json: " + path_ + ": integer " + shown + " is out of range [" +
          std::to_string(std::numeric_limits<T>::min()) + ", " +
          std::to_string(std::numeric_limits<T>::max()) + "]");
    }
    return value_->as_integer<T>();
  }
  const std::string& as_string() const {
    require(value_->is_string(), "a string");
    return value_->as_string();
  }
  const Array& as_array() const { return array_or_fail(); }
  const Object& as_object() const { return object_or_fail(); }

 private:
  static bool is_identifier(std::string_view key) noexcept {
    if (key.empty()) return false;
    for (std::size_t i = 0; i < key.size(); ++i) {
      const char c = key[i];
      const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
  }
  static std::string quoted(std::string_view key) {
    // Keys of parsed documents are valid UTF-8; a key built in code might not be, and an
    // error message must still be produced, so fall back to a plain quote.
    const char* p = key.data();
    const char* end = p + key.size();
    while (p < end) {
      const detail::utf8_decoded d = detail::decode_utf8(p, end);
      if (d.status != detail::utf8_status::ok) {
        // (Appended piecewise: GCC 12's -Wrestrict misfires on "\"" + std::string(...).)
        std::string q(1, '"');
        q.append(key);
        q += '"';
        return q;
      }
      p += d.length;
    }
    return dump(Value(key));
  }
  std::string member_path(std::string_view key) const {
    return is_identifier(key) ? path_ + "." + std::string(key) : path_ + "[" + quoted(key) + "]";
  }
  void require(bool ok, const char* expected) const {
    if (!ok) mismatch(expected);
  }
  [[noreturn]] void mismatch(const char* expected) const {
    embedkit::detail::raise<value_error>("json: " + path_ + ": expected " + expected +
                                         ", found " + describe(value_->kind()));
  }
  const Object& object_or_fail() const {
    require(value_->is_object(), "an object");
    return value_->as_object();
  }
  const Array& array_or_fail() const {
    require(value_->is_array(), "an array");
    return value_->as_array();
  }

  const Value* value_;
  std::string path_;
};

}  // namespace embedkit::json
