// Reader for the golden fixtures under tests/data/ (written by
// tests/golden/, format in tests/golden/fixtures.py). Every line that is neither blank nor a
// '#' comment is one record:
//   <name> <dtype> <rank> <d0> ... <d{rank-1}> : <v0> <v1> ...
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#ifndef EMBEDKIT_TEST_DATA_DIR
#error "EMBEDKIT_TEST_DATA_DIR must be defined (absolute path of tests/data)"
#endif

namespace embedkit_test {

struct Array {
  std::string name, dtype;          // dtype as written in the file
  std::vector<std::int64_t> shape;  // empty for rank 0
  std::vector<double> values;       // every element as double
  std::vector<std::int64_t> ints;   // integer and bool dtypes: exact values

  std::int64_t numel() const {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  }

  // Element-wise static_cast; an integer T reads the exact integer values.
  template <class T>
  std::vector<T> as() const {
    std::vector<T> out;
    out.reserve(values.size());
    if constexpr (std::is_integral_v<T>) {
      if (ints.size() != values.size())
        throw std::runtime_error("fixture array '" + name + "' (" + dtype + ") is not integral");
      for (std::int64_t v : ints) out.push_back(static_cast<T>(v));
    } else if constexpr (std::is_constructible_v<T, double>) {
      for (double v : values) out.push_back(static_cast<T>(v));
    } else {
      for (double v : values) out.push_back(static_cast<T>(static_cast<float>(v)));
    }
    return out;
  }
};

namespace detail {

// clang-format off
struct Dtype { std::string_view name; bool is_float; std::int64_t lo, hi; };  // lo..hi: integers

inline const Dtype* find_dtype(std::string_view name) {
  constexpr std::int64_t i32 = std::numeric_limits<std::int32_t>::max();
  constexpr std::int64_t i64 = std::numeric_limits<std::int64_t>::max();
  static constexpr Dtype table[] = {
      {"f32", true, 0, 0}, {"f64", true, 0, 0}, {"f16", true, 0, 0}, {"bf16", true, 0, 0},
      {"i64", false, -i64 - 1, i64}, {"i32", false, -i32 - 1, i32},
      {"u32", false, 0, 0xFFFFFFFF}, {"u16", false, 0, 0xFFFF}, {"bool", false, 0, 1}};
  // clang-format on
  for (const Dtype& d : table)
    if (d.name == name) return &d;
  return nullptr;
}

inline constexpr std::string_view kSpace = " \t\r\n";

inline std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  for (auto i = line.find_first_not_of(kSpace); i != std::string_view::npos;) {
    const auto j = line.find_first_of(kSpace, i);  // npos: the token ends the line
    out.push_back(line.substr(i, j - i));
    i = line.find_first_not_of(kSpace, j);
  }
  return out;
}

inline bool is_comment_or_blank(std::string_view line) {
  const auto i = line.find_first_not_of(kSpace);
  return i == std::string_view::npos || line[i] == '#';
}

inline bool parse_int(std::string_view s, std::int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// `s` lies in a NUL-terminated line, so the parse stops at its end; inf and nan are accepted.
// f32/f16/bf16 values have 9 significant digits: exact only when read back with strtof.
inline bool parse_float(std::string_view s, bool single, double& out) {
  char* end = nullptr;
  out = single ? static_cast<double>(std::strtof(s.data(), &end)) : std::strtod(s.data(), &end);
  if (std::isinf(out) && s.find("inf") == std::string_view::npos) return false;  // overflow
  return end == s.data() + s.size();
}

}  // namespace detail

class Fixture {
 public:
  // Throws std::runtime_error("file:line: ...") on any malformed line.
  static Fixture load(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open fixture file");
    Fixture fx;
    fx.path = path;
    std::string line;
    for (int lineno = 1; std::getline(in, line); ++lineno)
      if (!detail::is_comment_or_blank(line)) fx.parse_record(line, lineno);
    return fx;
  }

  bool has(std::string_view name) const { return arrays_.find(name) != arrays_.end(); }
  const Array& at(std::string_view name) const {
    auto it = arrays_.find(name);
    if (it == arrays_.end())
      throw std::runtime_error(path + ": no record named '" + std::string(name) + "'");
    return it->second;
  }
  std::string path;

 private:
  void parse_record(const std::string& line, int lineno) {
    auto fail = [&](const std::string& msg) {
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": " + msg);
    };
    const auto tok = detail::split(line);
    if (tok.size() < 4) fail("expected '<name> <dtype> <rank> <dims...> : <values...>'");
    Array a{std::string(tok[0]), std::string(tok[1]), {}, {}, {}};
    for (char c : a.name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
        fail("bad name '" + a.name + "'");
    const detail::Dtype* dt = detail::find_dtype(a.dtype);
    if (dt == nullptr) fail("unknown dtype '" + a.dtype + "'");
    std::int64_t rank = 0;
    if (!detail::parse_int(tok[2], rank) || rank < 0 || rank > 16) fail("bad rank");
    const std::size_t colon = 3 + static_cast<std::size_t>(rank);
    if (tok.size() <= colon || tok[colon] != ":") fail("expected ':' after the shape");
    double numel = 1;  // in double: cannot overflow, and exact whenever it can match
    for (std::size_t i = 3; i < colon; ++i) {
      std::int64_t d = 0;
      if (!detail::parse_int(tok[i], d) || d < 0)
        fail("bad dimension '" + std::string(tok[i]) + "'");
      a.shape.push_back(d);
      numel *= static_cast<double>(d);
    }
    const std::size_t count = tok.size() - colon - 1;
    if (numel != static_cast<double>(count))
      fail(a.name + ": " + std::to_string(count) + " values do not match the shape");
    a.values.reserve(count);
    if (!dt->is_float) a.ints.reserve(count);
    for (std::size_t i = colon + 1; i < tok.size(); ++i) {
      auto bad = [&] { return a.name + ": bad value '" + std::string(tok[i]) + "'"; };
      if (dt->is_float) {
        double v = 0;
        if (!detail::parse_float(tok[i], a.dtype != "f64", v)) fail(bad());
        a.values.push_back(v);
      } else {
        std::int64_t v = 0;
        if (!detail::parse_int(tok[i], v) || v < dt->lo || v > dt->hi) fail(bad());
        a.ints.push_back(v);
        a.values.push_back(static_cast<double>(v));
      }
    }
    const std::string name = a.name;
    if (!arrays_.emplace(name, std::move(a)).second) fail("duplicate record '" + name + "'");
  }

  std::map<std::string, Array, std::less<>> arrays_;
};

inline std::string data_path(std::string_view relative) {
  return std::string(EMBEDKIT_TEST_DATA_DIR) + "/" + std::string(relative);
}

// Non-empty, non-comment lines, with surrounding whitespace removed.
inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (detail::is_comment_or_blank(line)) continue;
    const auto b = line.find_first_not_of(detail::kSpace),
               e = line.find_last_not_of(detail::kSpace);
    out.push_back(line.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace embedkit_test
