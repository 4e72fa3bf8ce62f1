// The two file forms of ek::Vocabulary (the type is in <embedkit/text/vocabulary.hpp>, which
// this header includes): one token per line, the id being the line's index (BERT's vocab.txt,
// word lists), and a JSON object {"token": id, ...} (the form Object2Vec's auxiliary vocabulary
// channel uses), read from and written to strings and files:
//
//   ek::Vocabulary v = ek::Vocabulary::load_lines("vocab.txt");   // id = line index
//   ek::Vocabulary j = ek::Vocabulary::load_json("vocab.json");   // {"token": id, ...}
//   v.save_lines("out.txt"); j.save_json("out.json");
//   std::string s = v.to_json();  ek::Vocabulary w = ek::Vocabulary::from_lines("a\nb\n");
//
// The members are declared by the type and defined here, over the parsers in io/detail/vocab/.
// save_lines and save_json write a file whole or not at all (a temporary file beside it,
// renamed over it once complete: io/detail/file_io.hpp), so an error never leaves it truncated.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/io/detail/vocab/json_map.hpp"
#include "embedkit/io/detail/vocab/lines.hpp"
#include "embedkit/text/vocabulary.hpp"

namespace embedkit {

// One token per line (io/detail/vocab/lines.hpp): ids 0, 1, ... in line order; a repeated
// token is an error naming both lines.
inline auto Vocabulary::from_lines(std::string_view text) {
  Vocabulary v;
  io::detail::vocab::parse_lines(text, [&](std::string_view token, std::int64_t line,
                                           std::int64_t offset) {
    if (auto prev = v.find(token)) {
      detail::raise<format_error>("vocabulary: line " + std::to_string(line) + ": token '" +
                                      std::string(token) + "' repeats line " +
                                      std::to_string(*prev + 1),
                                  offset, line, 1);
    }
    v.add_new(std::string(token), v.size());
  });
  return v;
}
inline auto Vocabulary::load_lines(const std::filesystem::path& path) {
  return from_lines(io::detail::read_file(path));
}

// A JSON object {"token": id, ...} (io/detail/vocab/json_map.hpp); ids outside [0, max_id],
// empty tokens and shared ids are errors at their member.
inline auto Vocabulary::from_json(std::string_view text) {
  Vocabulary v;
  io::detail::vocab::parse_json_map(text, max_id, [&](std::string_view token, std::int64_t id) {
    if (token.empty()) return std::string("empty token (id ") + std::to_string(id) + ")";
    if (v.has_id(id)) {
      return "tokens '" + v.token(id) + "' and '" + std::string(token) + "' share id " +
             std::to_string(id);
    }
    v.add_new(std::string(token), id);
    return std::string();
  });
  return v;
}
inline auto Vocabulary::load_json(const std::filesystem::path& path) {
  return from_json(io::detail::read_file(path));
}

inline auto Vocabulary::to_lines() const {
  if (!dense()) {
    detail::raise<value_error>(
        "Vocabulary: the one-token-per-line form needs ids 0.." + std::to_string(size() - 1) +
        ", but the ids run up to " + std::to_string(max_id_) + ": save it as JSON instead");
  }
  std::string out;
  for (std::size_t pos : sorted_positions()) {
    io::detail::vocab::check_line_token(tokens_[pos]);
    out += tokens_[pos];
    out += '\n';
  }
  return out;
}
inline auto Vocabulary::save_lines(const std::filesystem::path& path) const {
  io::detail::write_file(path, to_lines());
}

inline auto Vocabulary::to_json() const {
  std::string out = "{";
  bool first = true;
  for_each([&](const std::string& t, std::int64_t id) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    io::detail::vocab::append_json_string(out, t);
    out += ": ";
    out += std::to_string(id);
  });
  out += first ? "}\n" : "\n}\n";
  return out;
}
inline auto Vocabulary::save_json(const std::filesystem::path& path) const {
  io::detail::write_file(path, to_json());
}

}  // namespace embedkit
