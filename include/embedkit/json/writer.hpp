// JSON text from a Value, in the form Python's json.dumps writes (with separators (',', ':')
// when compact): minimal string escapes with lowercase \u00XX, members in insertion order,
// doubles as repr() writes them. Strings must be valid UTF-8, numbers finite.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/json/detail/number.hpp"
#include "embedkit/json/detail/utf8.hpp"
#include "embedkit/json/value.hpp"

namespace embedkit::json {

struct DumpOptions {
  // < 0: everything on one line with no spaces. >= 0: one element or member per line,
  // indented by this many spaces per level, with ": " after keys (as Python's indent=).
  int indent = -1;
  // Escape every non-ASCII character as \uXXXX (surrogate pairs above U+FFFF), as Python's
  // ensure_ascii=True does; otherwise UTF-8 is written as is.
  bool ensure_ascii = false;
};

}  // namespace embedkit::json

namespace embedkit::json::detail {

class JsonWriter {
 public:
  JsonWriter(std::string& out, const json::DumpOptions& options) : out_(out), options_(options) {}

  void write(const json::Value& v, int level) {
    switch (v.kind()) {
      case json::Kind::null: out_ += "null"; return;
      case json::Kind::boolean: out_ += v.as_bool() ? "true" : "false"; return;
      case json::Kind::int64: out_ += std::to_string(v.as_int64()); return;
      case json::Kind::uint64: out_ += std::to_string(v.as_uint64()); return;
      case json::Kind::float64: write_double(v.as_double()); return;
      case json::Kind::string: write_string(v.as_string()); return;
      case json::Kind::array: {
        const json::Array& a = v.as_array();
        if (a.empty()) {
          out_ += "[]";
          return;
        }
        out_ += '[';
        for (std::size_t i = 0; i < a.size(); ++i) {
          if (i) out_ += ',';
          newline(level + 1);
          write(a[i], level + 1);
        }
        newline(level);
        out_ += ']';
        return;
      }
      case json::Kind::object: {
        const json::Object& o = v.as_object();
        if (o.empty()) {
          out_ += "{}";
          return;
        }
        out_ += '{';
        bool first = true;
        for (const auto& [key, value] : o) {
          if (!first) out_ += ',';
          first = false;
          newline(level + 1);
          write_string(key);
          out_ += options_.indent >= 0 ? ": " : ":";
          write(value, level + 1);
        }
        newline(level);
        out_ += '}';
        return;
      }
    }
  }

 private:
  void newline(int level) {
    if (options_.indent < 0) return;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(level) * static_cast<std::size_t>(options_.indent), ' ');
  }

  void write_double(double d) {
    if (!std::isfinite(d)) {
      embedkit::detail::raise<value_error>(
          std::string("json: cannot write ") + (std::isnan(d) ? "NaN" : "an infinity") +
          ": JSON numbers are finite");
    }
    append_json_double(out_, d);
  }

  // "\u" and four lowercase hex digits (cp <= 0xFFFF), as Python writes them.
  void escape(char32_t cp) {
    static constexpr char hex[] = "0123456789abcdef";
    out_ += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out_ += hex[(cp >> shift) & 0xF];
  }

  void write_string(const std::string& s) {
    out_ += '"';
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
      const auto c = static_cast<unsigned char>(*p);
      if (c < 0x80) {
        switch (c) {
          case '"': out_ += "\\\""; break;
          case '\\': out_ += "\\\\"; break;
          case '\b': out_ += "\\b"; break;
          case '\f': out_ += "\\f"; break;
          case '\n': out_ += "\\n"; break;
          case '\r': out_ += "\\r"; break;
          case '\t': out_ += "\\t"; break;
          default:
            if (c < 0x20 || (c == 0x7F && options_.ensure_ascii)) {
              escape(c);
            } else {
              out_ += static_cast<char>(c);
            }
        }
        ++p;
        continue;
      }
      const utf8_decoded d = decode_utf8(p, end);
      if (d.status != utf8_status::ok) {
        embedkit::detail::raise<value_error>(
            std::string("json: cannot write a string that is not valid UTF-8 (") +
            utf8_message(d.status) + " at byte " + std::to_string(p - s.data() + d.length) +
            " of the string)");
      }
      if (options_.ensure_ascii) {
        if (d.code_point >= 0x10000) {
          const char32_t v = d.code_point - 0x10000;
          escape(0xD800 + (v >> 10));
          escape(0xDC00 + (v & 0x3FF));
        } else {
          escape(d.code_point);
        }
      } else {
        out_.append(p, static_cast<std::size_t>(d.length));
      }
      p += d.length;
    }
    out_ += '"';
  }

  std::string& out_;
  const json::DumpOptions& options_;
};

}  // namespace embedkit::json::detail

namespace embedkit::json {

// JSON text for `v`. ek::value_error for NaN or infinite doubles and for strings that are not
// valid UTF-8, which JSON cannot carry.
inline std::string dump(const Value& v, const DumpOptions& options = {}) {
  std::string out;
  detail::JsonWriter(out, options).write(v, 0);
  return out;
}

}  // namespace embedkit::json
