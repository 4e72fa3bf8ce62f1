// ek::WordPiece: the WordPiece model as Hugging Face's tokenizers runs it (models/wordpiece):
// a word is split greedily from the left, each time into the longest piece the vocabulary
// holds -- the first piece as it is, the next ones as continuing_subword_prefix + piece
// ("##ing") -- and a word longer than max_input_chars_per_word characters, or one some part of
// which matches nothing, becomes the single unknown token.
//
// Lookups go through a flat hash table built from the vocabulary (detail::TokenIndex), one
// for word-initial pieces and one for continuations with the prefix already removed, so
// matching a continuation never builds a "##..." string: the loop allocates nothing. The
// longest key of each table bounds how long a candidate piece can be.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/text/vocabulary.hpp"

namespace embedkit {

namespace detail {

inline std::uint64_t hash_token(std::string_view s) noexcept {
  // 8 bytes at a time, mixed by multiply and xor-shift (splitmix64's finalizer constants).
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xFF51AFD7ED558CCDull);
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * 0x94D049BB133111EBull;
  }
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

// An immutable string -> id map with open addressing (linear probing, load at most 1/2): one
// array of 8-byte slots, keys packed in one string. Lookups by string_view, no allocation.
class TokenIndex {
 public:
  TokenIndex() = default;

  void build(const std::vector<std::pair<std::string_view, std::int64_t>>& entries) {
    std::size_t cap = 16;
    while (cap < entries.size() * 2) cap *= 2;
    mask_ = cap - 1;
    slots_.assign(cap, Slot{0, 0});
    keys_.clear();
    entries_.clear();
    entries_.reserve(entries.size());
    max_len_ = 0;
    for (const auto& [key, id] : entries) {
      const std::uint64_t h = hash_token(key);
      std::size_t i = h & mask_;
      bool present = false;
      for (; slots_[i].entry != 0; i = (i + 1) & mask_) {
        if (slots_[i].tag == tag_of(h) && key_of(slots_[i].entry - 1) == key) {
          present = true;
          break;
        }
      }
      if (present) continue;  // the first id wins (callers pass unique keys)
      entries_.push_back(
          {static_cast<std::uint32_t>(keys_.size()), static_cast<std::uint32_t>(key.size()), id});
      keys_.append(key);
      slots_[i] = {tag_of(h), static_cast<std::uint32_t>(entries_.size())};
      max_len_ = std::max(max_len_, key.size());
    }
  }

  // The id of `key`, or -1.
  std::int64_t find(std::string_view key) const noexcept {
    if (slots_.empty()) return -1;
    const std::uint64_t h = hash_token(key);
    const std::uint32_t tag = tag_of(h);
    for (std::size_t i = h & mask_; slots_[i].entry != 0; i = (i + 1) & mask_) {
      if (slots_[i].tag != tag) continue;
      const Entry& e = entries_[slots_[i].entry - 1];
      if (e.len == key.size() && std::memcmp(keys_.data() + e.offset, key.data(), e.len) == 0) {
        return e.id;
      }
    }
    return -1;
  }

  // Length in bytes of the longest key (0 when empty).
  std::size_t max_length() const noexcept { return max_len_; }

 private:
  struct Slot {
    std::uint32_t tag;    // high bits of the hash
    std::uint32_t entry;  // 1 + index into entries_; 0: empty
  };
  struct Entry {
    std::uint32_t offset, len;
    std::int64_t id;
  };
  static std::uint32_t tag_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h >> 32);
  }
  std::string_view key_of(std::size_t e) const noexcept {
    return std::string_view(keys_).substr(entries_[e].offset, entries_[e].len);
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::string keys_;
  std::size_t mask_ = 0;
  std::size_t max_len_ = 0;
};

inline bool is_utf8_continuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

}  // namespace detail

class WordPiece {
 public:
  // The vocabulary must hold `unk_token` (ek::value_error otherwise); max_input_chars_per_word
  // must not be negative. The tables are copies: the vocabulary need not outlive this.
  WordPiece(const Vocabulary& vocab, std::string_view unk_token,
            std::string_view continuing_subword_prefix = "##",
            std::int64_t max_input_chars_per_word = 100)
      : prefix_(continuing_subword_prefix), max_chars_(max_input_chars_per_word) {
    const std::optional<std::int64_t> unk = vocab.find(unk_token);
    if (!unk) {
      detail::raise<value_error>("WordPiece: the unknown token '" + std::string(unk_token) +
                                 "' is not in the vocabulary (" + std::to_string(vocab.size()) +
                                 " tokens)");
    }
    if (max_input_chars_per_word < 0) {
      detail::raise<value_error>("WordPiece: max_input_chars_per_word is " +
                                 std::to_string(max_input_chars_per_word) + "; it must be >= 0");
    }
    unk_id_ = *unk;
    std::vector<std::pair<std::string_view, std::int64_t>> initial, continuing;
    initial.reserve(static_cast<std::size_t>(vocab.size()));
    vocab.for_each([&](const std::string& token, std::int64_t id) {
      initial.emplace_back(token, id);
      const std::string_view t(token);
      if (t.size() > prefix_.size() && t.substr(0, prefix_.size()) == prefix_) {
        continuing.emplace_back(t.substr(prefix_.size()), id);
      }
    });
    initial_.build(initial);
    continuing_.build(continuing);
  }

  std::int64_t unk_id() const noexcept { return unk_id_; }
  const std::string& continuing_subword_prefix() const noexcept { return prefix_; }
  std::int64_t max_input_chars_per_word() const noexcept { return max_chars_; }

  // The id of `piece` as a word-initial piece (`continuing`: as a continuation, without its
  // prefix), or -1.
  std::int64_t find(std::string_view piece, bool continuing = false) const noexcept {
    return (continuing ? continuing_ : initial_).find(piece);
  }

  // Splits one word (valid UTF-8, not empty) and calls emit(id, begin, end) for each piece,
  // with [begin, end) its bytes in `word`; an unknown word is one call (unk_id(), 0, size).
  // Returns the number of pieces.
  template <class Emit>
  std::size_t tokenize(std::string_view word, Emit&& emit) const {
    // A word has at most as many pieces as characters, and at most max_chars_ characters
    // once past the length check: with the default limit (100) the pieces fit the stack.
    std::size_t bound = word.size();
    if (static_cast<std::int64_t>(word.size()) > max_chars_) {
      const std::int64_t n = char_count(word);
      if (n > max_chars_) {
        emit(unk_id_, std::size_t{0}, word.size());
        return 1;
      }
      bound = static_cast<std::size_t>(n);
    }
    // First pass: find the pieces; emit only if the whole word splits.
    constexpr std::size_t kStack = 128;
    std::size_t ends_buf[kStack];
    std::int64_t ids_buf[kStack];
    std::vector<std::size_t> ends_heap;
    std::vector<std::int64_t> ids_heap;
    std::size_t* ends = ends_buf;
    std::int64_t* ids = ids_buf;
    if (bound > kStack) {
      ends_heap.resize(bound);
      ids_heap.resize(bound);
      ends = ends_heap.data();
      ids = ids_heap.data();
    }
    std::size_t count = 0;
    std::size_t start = 0;
    while (start < word.size()) {
      const bool cont = start > 0;
      const detail::TokenIndex& index = cont ? continuing_ : initial_;
      std::size_t end = std::min(word.size(), start + index.max_length());
      while (end < word.size() && end > start && detail::is_utf8_continuation(word[end])) --end;
      std::int64_t id = -1;
      while (end > start) {
        id = index.find(word.substr(start, end - start));
        if (id >= 0) break;
        do --end;
        while (end > start && detail::is_utf8_continuation(word[end]));
      }
      if (id < 0) {
        emit(unk_id_, std::size_t{0}, word.size());
        return 1;
      }
      ends[count] = end;
      ids[count] = id;
      ++count;
      start = end;
    }
    std::size_t begin = 0;
    for (std::size_t k = 0; k < count; ++k) {
      emit(ids[k], begin, ends[k]);
      begin = ends[k];
    }
    return count;
  }

 private:
  static std::int64_t char_count(std::string_view word) noexcept {
    std::int64_t n = 0;
    for (char c : word) n += !detail::is_utf8_continuation(c);
    return n;
  }

  std::string prefix_;
  std::int64_t max_chars_;
  std::int64_t unk_id_ = -1;
  detail::TokenIndex initial_, continuing_;
};

}  // namespace embedkit
