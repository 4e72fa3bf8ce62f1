// Reading Object2Vec hyperparameter values as SageMaker gives them (strings or JSON numbers and
// booleans), and showing a refused value in its message exactly as it was given (detail of
// hyperparameters.hpp).
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "embedkit/core/activation.hpp"
#include "embedkit/core/comparator.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

#include "embedkit/encoders/object2vec/detail/hp_table.hpp"
#include "embedkit/encoders/object2vec/hyperparameter_types.hpp"

namespace embedkit::detail::object2vec_hp {

inline void append_escaped(std::string& out, std::string_view s, std::size_t cap) {
  static constexpr char hex[] = "0123456789abcdef";
  for (const char c : s) {
    if (out.size() > cap) return;
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7F) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
}

// A value as given, in JSON notation (strings quoted), cut after about `cap` bytes. Unlike
// json::dump it never raises: a Value built in code may hold a NaN or bytes that are not UTF-8.
inline void append_shown(std::string& out, const json::Value& v, std::size_t cap) {
  if (out.size() > cap) return;
  switch (v.kind()) {
    case json::Kind::null: out += "null"; return;
    case json::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case json::Kind::int64: out += std::to_string(v.as_int64()); return;
    case json::Kind::uint64: out += std::to_string(v.as_uint64()); return;
    case json::Kind::float64: {
      const double d = v.as_double();
      if (std::isnan(d)) {
        out += "nan";
      } else if (std::isinf(d)) {
        out += d < 0 ? "-inf" : "inf";
      } else {
        out += json::dump(json::Value(d));
      }
      return;
    }
    case json::Kind::string:
      out += '"';
      append_escaped(out, v.as_string(), cap);
      out += '"';
      return;
    case json::Kind::array: {
      out += '[';
      const json::Array& a = v.as_array();
      for (std::size_t i = 0; i < a.size() && out.size() <= cap; ++i) {
        if (i) out += ", ";
        append_shown(out, a[i], cap);
      }
      out += ']';
      return;
    }
    case json::Kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : v.as_object()) {
        if (out.size() > cap) break;
        if (!first) out += ", ";
        first = false;
        out += '"';
        append_escaped(out, key, cap);
        out += "\": ";
        append_shown(out, member, cap);
      }
      out += '}';
      return;
    }
  }
}

inline std::string shown(const json::Value& v) {
  constexpr std::size_t cap = 80;
  std::string s;
  append_shown(s, v, cap);
  if (s.size() > cap) {
    s.resize(cap);
    s += "...";
  }
  return s;
}

inline std::string shown_key(std::string_view key) {
  std::string s;
  append_escaped(s, key, 80);
  return s;
}

// "Object2Vec hyperparameter 'name': <value><problem>"; `problem` starts with its separator.
[[noreturn]] inline void fail(std::string_view name, const json::Value& v,
                              const std::string& problem) {
  raise<value_error>("Object2Vec hyperparameter '" + std::string(name) + "': " + shown(v) +
                     problem);
}

inline std::string range_text(const IntRange& r) {
  if (r.text) return r.text;
  if (r.hi == kNoMax) return std::to_string(r.lo) + " or more";
  return std::to_string(r.lo) + ".." + std::to_string(r.hi);
}

template <class E, std::size_t N>
std::string choice_names(const Choice<E> (&choices)[N]) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) {
    if (i) s += ", ";
    s += choices[i].name;
  }
  return s;
}

template <class E, std::size_t N>
const Choice<E>* find_choice(const Choice<E> (&choices)[N], std::string_view name) noexcept {
  for (const Choice<E>& c : choices)
    if (c.name == name) return &c;
  return nullptr;
}

// A decimal integer in a string: an optional sign and digits, nothing else. No spaces, no
// fraction or exponent ("24.0", "1e3"), no other bases: SageMaker passes str() of the Python
// value, so anything else was typed by hand and is more likely a mistake than a number.
enum class IntText { ok, malformed, overflow };
inline IntText parse_int_text(std::string_view s, std::int64_t& out) noexcept {
  const std::size_t digits_at = !s.empty() && (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (s.size() == digits_at) return IntText::malformed;
  for (std::size_t i = digits_at; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return IntText::malformed;
  if (s[0] == '+') s.remove_prefix(1);  // Python's int() takes a '+'; from_chars does not
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec == std::errc::result_out_of_range) return IntText::overflow;
  return r.ec == std::errc() && r.ptr == s.data() + s.size() ? IntText::ok : IntText::malformed;
}

// An integer: a JSON integer or a string of one. A JSON number with a fraction or an exponent
// is refused, even 24.0: the hyperparameter is an integer and the value was written as a real.
inline std::int64_t read_integer(const json::Value& v, std::string_view name, const IntRange& r) {
  std::int64_t i = 0;
  switch (v.kind()) {
    case json::Kind::int64: i = v.as_int64(); break;
    case json::Kind::uint64: fail(name, v, " is out of range; allowed " + range_text(r));
    case json::Kind::string:
      switch (parse_int_text(v.as_string(), i)) {
        case IntText::ok: break;
        case IntText::overflow: fail(name, v, " is out of range; allowed " + range_text(r));
        case IntText::malformed: fail(name, v, " is not an integer; allowed " + range_text(r));
      }
      break;
    default: fail(name, v, " is not an integer; allowed " + range_text(r));
  }
  if (i < r.lo || i > r.hi) fail(name, v, " is out of range; allowed " + range_text(r));
  return i;
}

// enc*_layers: "auto" (0) or an integer 1..4.
inline std::int64_t read_layers(const json::Value& v, std::string_view name) {
  if (v.is_string() && v.as_string() == "auto") return 0;
  return read_integer(v, name, kLayers);
}

// A real: a JSON number or a string that is one number as a whole ("0.1", "1e-4", "+.5").
// NaN and the infinities, which strings can spell and JSON numbers cannot, are refused, and
// so is a string beyond a double's range either way ("1e400", "1e-400").
inline double read_real(const json::Value& v, std::string_view name, const RealRange& r) {
  double d = 0;
  if (v.is_number()) {
    d = v.as_double();
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && s[0] == '+' && s.size() > 1 && s[1] != '-' && s[1] != '+') {
      s.remove_prefix(1);  // Python's float() takes a '+'; from_chars does not
    }
    const auto res = std::from_chars(s.data(), s.data() + s.size(), d);
    if (res.ec == std::errc::result_out_of_range && res.ptr == s.data() + s.size()) {
      fail(name, v, std::string(" is out of range; allowed ") + r.text);
    }
    if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) {
      fail(name, v, std::string(" is not a number; allowed ") + r.text);
    }
  } else {
    fail(name, v, std::string(" is not a number; allowed ") + r.text);
  }
  if (!std::isfinite(d)) fail(name, v, std::string(" is not a finite number; allowed ") + r.text);
  if (d < r.lo || d > r.hi) fail(name, v, std::string(" is out of range; allowed ") + r.text);
  return d == 0 ? 0.0 : d;  // -0.0 reads as 0.0
}

// A boolean: JSON true/false, or the strings "true"/"false" and Python's str(bool) spellings.
inline bool read_bool(const json::Value& v, std::string_view name) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) {
    const std::string& s = v.as_string();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  fail(name, v, R"( is not a boolean; allowed true, false, "true", "false", "True", "False")");
}

template <class E, std::size_t N>
E read_choice(const json::Value& v, std::string_view name, const Choice<E> (&choices)[N]) {
  if (v.is_string()) {
    if (const Choice<E>* c = find_choice(choices, v.as_string())) return c->value;
  }
  fail(name, v, " is not one of " + choice_names(choices));
}

// A file in the auxiliary channel: "" (none) or a bare name of [A-Za-z0-9._], at most 255
// bytes (a file name's limit on common file systems), and neither "." nor "..".
inline std::string read_file_name(const json::Value& v, std::string_view name) {
  if (v.is_string()) {
    const std::string& s = v.as_string();
    bool ok = s.size() <= 255 && s != "." && s != "..";
    for (const char c : s) {
      ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_');
    }
    if (ok) return s;
  }
  fail(name, v,
       " is not a file name; allowed \"\" or a name of letters, digits, '.' and '_' (a file in "
       "the auxiliary channel, not a path)");
}

// comparator_list: "hadamard, concat" (names separated by commas, spaces around them
// optional) or ["hadamard", "concat"]; at least one name, none twice, order kept.
inline std::vector<Comparator> read_comparators(const json::Value& v, std::string_view name) {
  const std::string allowed = "; allowed one or more of " + choice_names(kComparators) +
                              ", separated by commas";
  std::vector<Comparator> out;
  auto add = [&](std::string_view item) {
    const Choice<Comparator>* c = find_choice(kComparators, item);
    if (!c) {
      fail(name, v,
           ": \"" + shown_key(item) + "\" is not one of " + choice_names(kComparators));
    }
    for (const Comparator seen : out) {
      if (seen == c->value) {
        fail(name, v,
             " names " + std::string(c->name) + " twice; each comparator may appear once");
      }
    }
    out.push_back(c->value);
  };
  if (v.is_string()) {
    const std::string_view s = v.as_string();
    if (s.find_first_not_of(" \t") == std::string_view::npos) fail(name, v, " is empty" + allowed);
    std::size_t begin = 0;
    for (;;) {
      const std::size_t comma = s.find(',', begin);
      std::string_view item =
          s.substr(begin, comma == std::string_view::npos ? s.npos : comma - begin);
      const std::size_t first = item.find_first_not_of(" \t");
      if (first == std::string_view::npos) fail(name, v, " has an empty item" + allowed);
      item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
      add(item);
      if (comma == std::string_view::npos) break;
      begin = comma + 1;
    }
  } else if (v.is_array()) {
    const json::Array& a = v.as_array();
    if (a.empty()) fail(name, v, " is empty" + allowed);
    for (const json::Value& e : a) {
      if (!e.is_string()) {
        fail(name, v, ": " + shown(e) + " is not one of " + choice_names(kComparators));
      }
      add(e.as_string());
    }
  } else {
    fail(name, v, " is not a list of comparators" + allowed);
  }
  return out;
}

inline std::string encoder_key(int encoder, std::string_view suffix) {
  return "enc" + std::to_string(encoder) + "_" + std::string(suffix);
}

// Raises when a required integer hyperparameter is missing; `when` says why it is required
// ("" for always).
inline void require(const json::Object& o, const std::string& key, const IntRange& r,
                    const std::string& when) {
  if (o.contains(key)) return;
  raise<value_error>("Object2Vec hyperparameters: '" + key + "' is required" + when +
                     " (an integer " + range_text(r) + ")");
}

// Reads the enc<i>_* members that are present into `e`, the network aside (the caller reads
// enc0_network and enc1_network, whose values differ).
inline void read_encoder(const json::Object& o, int i, EncoderHyperparameters& e) {
  auto member = [&](std::string_view suffix) {
    std::string key = encoder_key(i, suffix);
    const json::Value* v = o.find(key);
    return std::pair<std::string, const json::Value*>(std::move(key), v);
  };
  if (auto [k, v] = member("max_seq_len"); v) e.max_seq_len = read_integer(*v, k, kMaxSeqLen);
  if (auto [k, v] = member("vocab_size"); v) e.vocab_size = read_integer(*v, k, kVocabSize);
  if (auto [k, v] = member("token_embedding_dim"); v) {
    e.token_embedding_dim = read_integer(*v, k, kTokenEmbeddingDim);
  }
  if (auto [k, v] = member("layers"); v) e.layers = read_layers(*v, k);
  if (auto [k, v] = member("cnn_filter_width"); v) {
    e.cnn_filter_width = read_integer(*v, k, kCnnFilterWidth);
  }
  if (auto [k, v] = member("freeze_pretrained_embedding"); v) {
    e.freeze_pretrained_embedding = read_bool(*v, k);
  }
  if (auto [k, v] = member("pretrained_embedding_file"); v) {
    e.pretrained_embedding_file = read_file_name(*v, k);
  }
  if (auto [k, v] = member("vocab_file"); v) e.vocab_file = read_file_name(*v, k);
}

// With tied_token_embedding_weight the encoders share one token table, so its shape must
// suit both.
inline void check_tied(const Object2VecHyperparameters& hp) {
  std::string differ;
  auto compare = [&](std::string_view suffix, std::int64_t a, std::int64_t b) {
    if (a == b) return;
    if (!differ.empty()) differ += "; ";
    differ += encoder_key(0, suffix) + " " + std::to_string(a) + " and " +
              encoder_key(1, suffix) + " " + std::to_string(b) + " differ";
  };
  compare("vocab_size", hp.enc[0].vocab_size, hp.enc[1].vocab_size);
  compare("token_embedding_dim", hp.enc[0].token_embedding_dim, hp.enc[1].token_embedding_dim);
  if (!differ.empty()) {
    raise<value_error>(
        "Object2Vec hyperparameters: tied_token_embedding_weight is true, so both encoders "
        "share one token table, but " + differ);
  }
}
}  // namespace embedkit::detail::object2vec_hp
