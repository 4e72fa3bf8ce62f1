// ek::Vocabulary: a two-way map between tokens and integer ids, with an optional unknown-token
// fallback.
//
// Ids are unique integers in [0, max_id] (max_id = 2^63 - 2, so that id_bound(), one past the
// largest id, always fits int64; an id outside is an ek::value_error naming it and the range),
// and need not be dense: a JSON map may leave gaps (say, id 0 kept for padding). dense() tells
// whether the ids are exactly 0 .. size()-1, which is what a table indexed by id
// (KeyedVectors, Embedding) needs and what the one-token-per-line form can express.
//
// The type only: its two file forms, one token per line (the id is the line's index) and a JSON
// object {"token": id, ...} (the form Object2Vec's auxiliary vocabulary channel uses), are read
// and written by the members from_lines, load_lines, from_json, load_json, to_lines,
// save_lines, to_json and save_json, which <embedkit/io/vocabulary.hpp> defines.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"

namespace embedkit {

class Vocabulary {
 public:
  // The largest id a token may have: 2^63 - 2, so that id_bound() = largest id + 1 fits int64.
  static constexpr std::int64_t max_id = std::numeric_limits<std::int64_t>::max() - 1;

  Vocabulary() = default;

  // tokens[i] gets id i. A repeated or empty token raises ek::value_error.
  explicit Vocabulary(std::vector<std::string> tokens) {
    tokens_.reserve(tokens.size());
    index_.reserve(tokens.size());
    for (auto& t : tokens) add_new(std::move(t), static_cast<std::int64_t>(tokens_.size()));
  }

  // The token's id; a token not yet present gets id_bound() (one past the largest id), which
  // is an ek::value_error when that would pass max_id.
  std::int64_t add(std::string_view token) { return emplace(std::string(token), id_bound()).first; }

  // Adds `token` with the given id. The token and the id must both be new, and the id in
  // [0, max_id] (ek::value_error).
  void insert(std::string_view token, std::int64_t id) {
    if (const std::string bad = id_range_problem(id); !bad.empty()) {
      detail::raise<value_error>("Vocabulary: " + bad + " for token '" + std::string(token) + "'");
    }
    if (has_id(id)) {
      detail::raise<value_error>("Vocabulary: id " + std::to_string(id) + " for token '" +
                                 std::string(token) + "' is already used by '" + token_at(id) +
                                 "'");
    }
    add_new(std::string(token), id);
  }

  void reserve(std::int64_t n) {
    const auto m = static_cast<std::size_t>(std::max<std::int64_t>(n, 0));
    tokens_.reserve(m);
    ids_.reserve(m);
    index_.reserve(m);
  }

  // Number of tokens.
  std::int64_t size() const noexcept { return static_cast<std::int64_t>(tokens_.size()); }
  bool empty() const noexcept { return tokens_.empty(); }
  // One past the largest id (0 when empty): the row count a table indexed by id needs.
  std::int64_t id_bound() const noexcept { return max_id_ + 1; }
  // Whether the ids are exactly 0 .. size()-1.
  bool dense() const noexcept { return max_id_ + 1 == size(); }

  bool contains(std::string_view token) const { return index_.find(token) != index_.end(); }

  // The token's id, or nothing; the unknown-token setting plays no part.
  std::optional<std::int64_t> find(std::string_view token) const {
    auto it = index_.find(token);
    if (it == index_.end()) return std::nullopt;
    return ids_[static_cast<std::size_t>(it->second)];
  }

  // The token's id; an absent token maps to the unknown token's id when one is set, and raises
  // ek::index_error naming the token otherwise.
  std::int64_t id(std::string_view token) const {
    if (auto i = find(token)) return *i;
    if (unk_) return *unk_;
    detail::raise<index_error>("Vocabulary: token '" + std::string(token) +
                               "' is not in the vocabulary (" + std::to_string(size()) +
                               " tokens) and no unknown token is set");
  }

  bool has_id(std::int64_t id) const noexcept { return position(id) >= 0; }

  // The token with this id (ek::index_error if no token has it).
  const std::string& token(std::int64_t id) const {
    const std::int64_t pos = position(id);
    if (pos < 0) {
      detail::raise<index_error>("Vocabulary: no token has id " + std::to_string(id) + " (" +
                                 std::to_string(size()) + " tokens, ids below " +
                                 std::to_string(id_bound()) + ")");
    }
    return tokens_[static_cast<std::size_t>(pos)];
  }

  // Absent tokens map to this token's id from now on (ek::index_error if it is absent).
  void set_unk_token(std::string_view token) {
    auto i = find(token);
    if (!i) {
      detail::raise<index_error>("Vocabulary: unknown token '" + std::string(token) +
                                 "' is not in the vocabulary");
    }
    unk_ = *i;
  }
  // Absent tokens map to `id` from now on; the id must belong to a token (ek::index_error).
  void set_unk_id(std::int64_t id) {
    (void)token(id);
    unk_ = id;
  }
  void clear_unk() noexcept { unk_.reset(); }
  std::optional<std::int64_t> unk_id() const noexcept { return unk_; }

  // Visits (token, id) pairs in increasing id order.
  void for_each(const std::function<void(const std::string&, std::int64_t)>& f) const {
    for (std::size_t pos : sorted_positions()) f(tokens_[pos], ids_[pos]);
  }

  // --- files -------------------------------------------------------------------------------
  // Declared here and defined by <embedkit/io/vocabulary.hpp> (file formats and file access
  // are io/'s concern): include that header to call them. Their return types are deduced
  // there, so that a call without it fails to compile (instead of failing to link).

  // -> Vocabulary. One token per line, ids 0, 1, ... in line order (see
  // io/detail/vocab/lines.hpp for the exact rules). Malformed input raises ek::format_error
  // with the line.
  static auto from_lines(std::string_view text);
  static auto load_lines(const std::filesystem::path& path);

  // -> Vocabulary. A JSON object {"token": id, ...}: ids are non-negative integers, unique,
  // dense or not.
  static auto from_json(std::string_view text);
  static auto load_json(const std::filesystem::path& path);

  // -> std::string. The one-token-per-line form; needs dense ids, and tokens without newlines
  // that do not end in '\r' (ek::value_error otherwise).
  auto to_lines() const;
  auto save_lines(const std::filesystem::path& path) const;  // -> void

  // -> std::string. The JSON form, members in increasing id order.
  auto to_json() const;
  auto save_json(const std::filesystem::path& path) const;  // -> void

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  // "" when `id` is an allowed id, else what is wrong with it ("id -1 is outside ...").
  static std::string id_range_problem(std::int64_t id) {
    if (id >= 0 && id <= max_id) return {};
    return "id " + std::to_string(id) + " is outside the allowed range [0, " +
           std::to_string(max_id) + "]";
  }

  void add_new(std::string token, std::int64_t id) {
    const auto [existing, fresh] = emplace(token, id);
    if (!fresh) {
      detail::raise<value_error>("Vocabulary: token '" + token + "' is already present (id " +
                                 std::to_string(existing) + ")");
    }
  }

  // Adds the token with `id` unless present (one hash lookup: loaders add every word of a
  // table through here). Returns the token's id and whether it was added.
  std::pair<std::int64_t, bool> emplace(std::string token, std::int64_t id) {
    if (token.empty()) detail::raise<value_error>("Vocabulary: empty token (id " +
                                                  std::to_string(id) + ")");
    const auto pos = static_cast<std::int64_t>(tokens_.size());
    auto [it, fresh] = index_.try_emplace(token, pos);
    if (!fresh) return {ids_[static_cast<std::size_t>(it->second)], false};
    // Every id passes here (add, insert, the constructor and the loaders), so max_id_ <= max_id
    // and id_bound() cannot overflow.
    if (const std::string bad = id_range_problem(id); !bad.empty()) {
      index_.erase(it);
      detail::raise<value_error>("Vocabulary: cannot add token '" + token + "': " + bad);
    }
    // Ids stay dense while each new token takes the next id; the first gap or out-of-order id
    // switches to an explicit id -> position map.
    if (by_id_.empty() && id != pos) {
      for (std::int64_t p = 0; p < pos; ++p) by_id_.emplace(p, p);
    }
    if (!by_id_.empty() || id != pos) by_id_.emplace(id, pos);
    tokens_.push_back(std::move(token));
    ids_.push_back(id);
    max_id_ = std::max(max_id_, id);
    return {id, true};
  }

  // Position of `id` in tokens_, or -1.
  std::int64_t position(std::int64_t id) const noexcept {
    if (by_id_.empty()) return id >= 0 && id < size() ? id : -1;
    auto it = by_id_.find(id);
    return it == by_id_.end() ? -1 : it->second;
  }
  const std::string& token_at(std::int64_t id) const {
    return tokens_[static_cast<std::size_t>(position(id))];
  }

  std::vector<std::size_t> sorted_positions() const {
    std::vector<std::size_t> order(tokens_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (!by_id_.empty()) {
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return ids_[a] < ids_[b]; });
    }
    return order;
  }

  std::vector<std::string> tokens_;  // insertion order
  std::vector<std::int64_t> ids_;    // ids_[i] is the id of tokens_[i]
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> index_;  // -> position
  // id -> position; empty while every token's id is its position (the common case)
  std::unordered_map<std::int64_t, std::int64_t> by_id_;
  std::int64_t max_id_ = -1;
  std::optional<std::int64_t> unk_;
};

}  // namespace embedkit
