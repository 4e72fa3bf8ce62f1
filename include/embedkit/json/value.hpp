// ek::json::Value: the JSON document model. A value is null, a boolean, a number, a string,
// an array or an object. Numbers keep their kind: integers that fit int64 are int64, larger
// non-negative ones uint64, everything else double, so that ids and counts survive a round
// trip exactly. Objects keep their members in insertion order.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "embedkit/core/error.hpp"

namespace embedkit::json {

class Value;
using Array = std::vector<Value>;

// The kinds of Value, in the order of Value's storage.
enum class Kind : std::uint8_t { null, boolean, int64, uint64, float64, string, array, object };

// "null", "a boolean", ...: for messages such as "expected a string, found an array".
constexpr const char* describe(Kind k) noexcept {
  switch (k) {
    case Kind::null: return "null";
    case Kind::boolean: return "a boolean";
    case Kind::int64: return "an integer";
    case Kind::uint64: return "an integer";
    case Kind::float64: return "a floating-point number";
    case Kind::string: return "a string";
    case Kind::array: return "an array";
    case Kind::object: return "an object";
  }
  return "?";
}

// A JSON object: members in insertion order, unique keys. Lookups are linear for small
// objects and go through a hash index once an object grows past kIndexThreshold members
// (safetensors headers hold thousands of tensors).
class Object {
 public:
  using Member = std::pair<std::string, Value>;
  using const_iterator = std::vector<Member>::const_iterator;

  Object() = default;
  Object(std::initializer_list<Member> members);
  Object(const Object& other);
  Object(Object&&) noexcept = default;
  Object& operator=(const Object& other);
  Object& operator=(Object&&) noexcept = default;
  ~Object() = default;

  // (Bodies that touch members_ are defined after Value, which must be complete there.)
  std::size_t size() const noexcept;
  bool empty() const noexcept;
  const_iterator begin() const noexcept;
  const_iterator end() const noexcept;
  // The i-th member in insertion order (unchecked, as std::vector::operator[]).
  const Member& member(std::size_t i) const noexcept;

  const Value* find(std::string_view key) const noexcept;
  Value* find(std::string_view key) noexcept;
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  // The member's value; ek::index_error naming the key when there is none.
  const Value& at(std::string_view key) const;
  Value& at(std::string_view key);
  // The member's value, inserting null first when the key is new.
  Value& operator[](std::string_view key);
  // Adds a member unless the key exists; returns the key's value and whether it was added.
  std::pair<Value*, bool> insert(std::string key, Value value);
  // Adds a member, or replaces the value of an existing key (keeping its position).
  Value& insert_or_assign(std::string key, Value value);
  void reserve(std::size_t n);

  // JSON semantics: equal when both hold the same keys with equal values, in any order.
  friend bool operator==(const Object& a, const Object& b);

 private:
  static constexpr std::size_t kIndexThreshold = 16;
  static std::size_t hash(std::string_view key) noexcept {
    return std::hash<std::string_view>{}(key);
  }
  std::size_t find_index(std::string_view key) const noexcept;  // size() when absent
  Value& append(std::string key, Value value);

  using Index = std::unordered_multimap<std::size_t, std::size_t>;  // hash(key) -> position

  std::vector<Member> members_;
  // Allocated only for large objects. Behind a pointer so that an Object, and with it every
  // Value, stays small: a request of 50,000 ids is 50,000 Values.
  std::unique_ptr<Index> index_;
};

class Value {
 public:
  Value() noexcept = default;
  Value(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
  Value(bool b) noexcept : v_(b) {}  // NOLINT(google-explicit-constructor)
  // Integers are stored as int64 when they fit and as uint64 otherwise, as the parser
  // stores them, so a value built in code compares equal to itself read back from text.
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char> && !std::same_as<I, char8_t> &&
             !std::same_as<I, char16_t> && !std::same_as<I, char32_t> &&
             !std::same_as<I, wchar_t>)
  Value(I i) noexcept {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_signed_v<I>) {
      v_ = static_cast<std::int64_t>(i);
    } else if (static_cast<std::uint64_t>(i) <=
               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      v_ = static_cast<std::int64_t>(i);
    } else {
      v_ = static_cast<std::uint64_t>(i);
    }
  }
  Value(double d) noexcept : v_(d) {}                         // NOLINT(google-explicit-constructor)
  Value(float f) noexcept : v_(static_cast<double>(f)) {}     // NOLINT(google-explicit-constructor)
  Value(std::string s) noexcept : v_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Value(std::string_view s) : v_(std::string(s)) {}           // NOLINT(google-explicit-constructor)
  Value(const char* s) : v_(std::string(s)) {}                // NOLINT(google-explicit-constructor)
  Value(Array a) noexcept : v_(std::move(a)) {}               // NOLINT(google-explicit-constructor)
  Value(Object o) noexcept : v_(std::move(o)) {}              // NOLINT(google-explicit-constructor)

  // Kind and tests.
  Kind kind() const noexcept { return static_cast<Kind>(v_.index()); }
  bool is_null() const noexcept { return kind() == Kind::null; }
  bool is_bool() const noexcept { return kind() == Kind::boolean; }
  bool is_number() const noexcept {
    return kind() == Kind::int64 || kind() == Kind::uint64 || kind() == Kind::float64;
  }
  bool is_integer() const noexcept { return kind() == Kind::int64 || kind() == Kind::uint64; }
  bool is_string() const noexcept { return kind() == Kind::string; }
  bool is_array() const noexcept { return kind() == Kind::array; }
  bool is_object() const noexcept { return kind() == Kind::object; }

  // Typed access. A kind that does not match raises ek::value_error saying what was
  // expected and what was found (ek::json::Cursor adds the path within the document).
  bool as_bool() const { return get<bool>(Kind::boolean); }
  std::int64_t as_int64() const {
    if (kind() == Kind::uint64) {
      embedkit::detail::raise<value_error>("json: integer " + std::to_string(std::get<std::uint64_t>(v_)) +
                                 " does not fit int64");
    }
    return get<std::int64_t>(Kind::int64);
  }
  std::uint64_t as_uint64() const {
    if (kind() == Kind::int64) {
      const std::int64_t i = std::get<std::int64_t>(v_);
      if (i < 0) {
        embedkit::detail::raise<value_error>("json: integer " + std::to_string(i) +
                                   " is negative, expected a non-negative integer");
      }
      return static_cast<std::uint64_t>(i);
    }
    return get<std::uint64_t>(Kind::uint64);
  }
  // Any number, converted to double (integers above 2^53 may round).
  double as_double() const {
    switch (kind()) {
      case Kind::int64: return static_cast<double>(std::get<std::int64_t>(v_));
      case Kind::uint64: return static_cast<double>(std::get<std::uint64_t>(v_));
      case Kind::float64: return std::get<double>(v_);
      default: mismatch("a number");
    }
  }
  // An integer converted to T, ek::value_error when it does not fit.
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  T as_integer() const {
    if (kind() == Kind::uint64) {
      const std::uint64_t u = std::get<std::uint64_t>(v_);
      if constexpr (std::is_unsigned_v<T>) {
        if (u <= std::numeric_limits<T>::max()) return static_cast<T>(u);
      }
      out_of_range(std::to_string(u), sizeof(T), std::is_signed_v<T>);
    }
    const std::int64_t i = get<std::int64_t>(Kind::int64, "an integer");
    if (std::in_range<T>(i)) return static_cast<T>(i);
    out_of_range(std::to_string(i), sizeof(T), std::is_signed_v<T>);
  }
  const std::string& as_string() const { return get<std::string>(Kind::string); }
  const Array& as_array() const { return get<Array>(Kind::array); }
  Array& as_array() { return get<Array>(Kind::array); }
  const Object& as_object() const { return get<Object>(Kind::object); }
  Object& as_object() { return get<Object>(Kind::object); }

  // Object member and array element access.
  const Value& at(std::string_view key) const { return as_object().at(key); }
  Value& at(std::string_view key) { return as_object().at(key); }
  const Value& at(std::size_t i) const { return element(as_array(), i); }
  Value& at(std::size_t i) { return element(as_array(), i); }
  // nullptr when this is not an object or has no such member.
  const Value* find(std::string_view key) const noexcept {
    return is_object() ? std::get<Object>(v_).find(key) : nullptr;
  }
  bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  // Elements of an array or members of an object; ek::value_error for other kinds.
  std::size_t size() const {
    if (is_array()) return std::get<Array>(v_).size();
    if (is_object()) return std::get<Object>(v_).size();
    mismatch("an array or an object");
  }

  // Equality of JSON values: same kind and same value. Numbers of different kinds differ
  // (1 and 1.0 are not equal), doubles compare bit for bit (0.0 and -0.0 differ), objects
  // compare as unordered maps.
  friend bool operator==(const Value& a, const Value& b) {
    if (a.v_.index() != b.v_.index()) return false;
    if (a.kind() == Kind::float64) {
      return std::bit_cast<std::uint64_t>(std::get<double>(a.v_)) ==
             std::bit_cast<std::uint64_t>(std::get<double>(b.v_));
    }
    return a.v_ == b.v_;
  }

 private:
  template <class T>
  const T& get(Kind k, const char* expected = nullptr) const {
    if (kind() != k) mismatch(expected ? expected : describe(k));
    return std::get<T>(v_);
  }
  template <class T>
  T& get(Kind k) {
    if (kind() != k) mismatch(describe(k));
    return std::get<T>(v_);
  }
  [[noreturn]] void mismatch(const char* expected) const {
    embedkit::detail::raise<value_error>(std::string("json: expected ") + expected + ", found " +
                               describe(kind()));
  }
  [[noreturn]] static void out_of_range(const std::string& v, std::size_t bytes, bool is_signed) {
    embedkit::detail::raise<value_error>("json: integer " + v + " does not fit " +
                               (is_signed ? "int" : "uint") + std::to_string(8 * bytes));
  }
  template <class A>
  static std::conditional_t<std::is_const_v<A>, const Value&, Value&> element(A& a,
                                                                             std::size_t i) {
    if (i >= a.size()) {
      embedkit::detail::raise<index_error>("json: array index " + std::to_string(i) +
                                 " is out of range [0, " + std::to_string(a.size()) + ")");
    }
    return a[i];
  }

  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array,
               Object>
      v_;
};

// ---------------------------------------------------------------------------
// Object members, defined once Value is complete.
// ---------------------------------------------------------------------------

inline std::size_t Object::size() const noexcept { return members_.size(); }
inline bool Object::empty() const noexcept { return members_.empty(); }
inline Object::const_iterator Object::begin() const noexcept { return members_.begin(); }
inline Object::const_iterator Object::end() const noexcept { return members_.end(); }
inline const Object::Member& Object::member(std::size_t i) const noexcept { return members_[i]; }
inline void Object::reserve(std::size_t n) { members_.reserve(n); }

inline Object::Object(const Object& other)
    : members_(other.members_),
      index_(other.index_ ? std::make_unique<Index>(*other.index_) : nullptr) {}

inline Object& Object::operator=(const Object& other) {
  if (this != &other) {
    Object copy(other);
    *this = std::move(copy);
  }
  return *this;
}

inline Object::Object(std::initializer_list<Member> members) {
  members_.reserve(members.size());
  for (const Member& m : members) insert_or_assign(m.first, m.second);
}

inline std::size_t Object::find_index(std::string_view key) const noexcept {
  if (!index_) {
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (members_[i].first == key) return i;
    return members_.size();
  }
  const auto [lo, hi] = index_->equal_range(hash(key));
  for (auto it = lo; it != hi; ++it)
    if (members_[it->second].first == key) return it->second;
  return members_.size();
}

inline const Value* Object::find(std::string_view key) const noexcept {
  const std::size_t i = find_index(key);
  return i < members_.size() ? &members_[i].second : nullptr;
}

inline Value* Object::find(std::string_view key) noexcept {
  const std::size_t i = find_index(key);
  return i < members_.size() ? &members_[i].second : nullptr;
}

inline const Value& Object::at(std::string_view key) const {
  if (const Value* v = find(key)) return *v;
  embedkit::detail::raise<index_error>("json: no member \"" + std::string(key) + "\" in the object");
}

inline Value& Object::at(std::string_view key) {
  if (Value* v = find(key)) return *v;
  embedkit::detail::raise<index_error>("json: no member \"" + std::string(key) + "\" in the object");
}

inline Value& Object::append(std::string key, Value value) {
  const std::size_t pos = members_.size();
  if (!index_ && pos >= kIndexThreshold) {
    index_ = std::make_unique<Index>();
    index_->reserve(2 * pos);
    for (std::size_t i = 0; i < pos; ++i) index_->emplace(hash(members_[i].first), i);
  }
  if (index_) index_->emplace(hash(key), pos);
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}

inline Value& Object::operator[](std::string_view key) {
  if (Value* v = find(key)) return *v;
  return append(std::string(key), Value());
}

inline std::pair<Value*, bool> Object::insert(std::string key, Value value) {
  if (Value* v = find(key)) return {v, false};
  return {&append(std::move(key), std::move(value)), true};
}

inline Value& Object::insert_or_assign(std::string key, Value value) {
  if (Value* v = find(key)) return *v = std::move(value);
  return append(std::move(key), std::move(value));
}

inline bool operator==(const Object& a, const Object& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [key, value] : a) {
    const Value* other = b.find(key);
    if (other == nullptr || !(*other == value)) return false;
  }
  return true;
}

}  // namespace embedkit::json
