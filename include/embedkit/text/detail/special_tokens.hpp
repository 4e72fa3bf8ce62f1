// Finding special tokens ("[SEP]", "[MASK]", ...) in raw text, as Hugging Face's
// AddedVocabulary does for tokens with normalized=false: leftmost-longest matches on the text
// before any normalization, case-sensitive, anywhere (inside a word too). The text between
// matches is normalized and tokenized on its own.
#pragma once

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embedkit::detail {

class SpecialTokenMatcher {
 public:
  struct Match {
    std::size_t begin = 0, length = 0;  // length 0: no match
    std::int64_t id = -1;
  };

  SpecialTokenMatcher() = default;

  // (content, id) pairs; empty contents are ignored.
  explicit SpecialTokenMatcher(std::vector<std::pair<std::string, std::int64_t>> tokens) {
    for (auto& t : tokens) {
      if (t.first.empty()) continue;
      first_bytes_.set(static_cast<unsigned char>(t.first[0]));
      tokens_.push_back(std::move(t));
    }
    // Longest first, so the first token matching at a position is the longest there.
    std::stable_sort(tokens_.begin(), tokens_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    if (first_bytes_.count() == 1) {
      single_first_ = tokens_.front().first[0];
      single_ = true;
    }
  }

  bool empty() const noexcept { return tokens_.empty(); }
  const std::vector<std::pair<std::string, std::int64_t>>& tokens() const noexcept {
    return tokens_;
  }

  // The leftmost match at or after byte `from`, longest there.
  Match next(std::string_view text, std::size_t from) const noexcept {
    if (tokens_.empty()) return {};
    std::size_t i = from;
    while (i < text.size()) {
      if (single_) {
        const void* hit = std::memchr(text.data() + i, single_first_, text.size() - i);
        if (hit == nullptr) return {};
        i = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
      } else if (!first_bytes_.test(static_cast<unsigned char>(text[i]))) {
        ++i;
        continue;
      }
      const std::string_view rest = text.substr(i);
      for (const auto& [content, id] : tokens_) {
        if (rest.size() >= content.size() &&
            std::memcmp(rest.data(), content.data(), content.size()) == 0) {
          return {i, content.size(), id};
        }
      }
      ++i;
    }
    return {};
  }

 private:
  std::vector<std::pair<std::string, std::int64_t>> tokens_;
  std::bitset<256> first_bytes_;
  bool single_ = false;
  char single_first_ = 0;
};

}  // namespace embedkit::detail
