// fastText's subword model, as in its Dictionary and FastText::getWordVector (fastText 0.9.2):
//
// - A word's rows in the input matrix are its own row (known words only) followed by one row
//   per character n-gram of "<word>": n from minn to maxn, counted in UTF-8 code points, every
//   start position, leaving out the 1-grams "<" and ">" (the n-gram equal to the whole
//   "<word>" is kept). The word "</s>" has no n-grams.
// - An n-gram's row is nwords + fnv1a(ngram) % bucket, where the hash xors each byte
//   sign-extended to 32 bits (fastText's historical `uint32_t(int8_t(c))`). A pruned
//   dictionary (pruneidx_size >= 0) maps that bucket through pruneidx and drops n-grams it
//   does not list; pruneidx_size == 0 drops every n-gram.
// - The vector is the float sum of the rows in that order, times float(1.0 / count);
//   no rows at all give zeros.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "embedkit/core/tensor.hpp"

namespace embedkit::io::detail::fasttext {

inline constexpr std::string_view kEos = "</s>";

inline std::uint32_t hash(std::string_view s) noexcept {
  std::uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(c)));
    h *= 16777619u;
  }
  return h;
}

struct SubwordParams {
  std::int64_t nwords = 0;
  std::int32_t minn = 0;
  std::int32_t maxn = 0;
  std::int32_t bucket = 0;
  std::int64_t pruneidx_size = -1;                          // -1: not pruned
  std::unordered_map<std::int32_t, std::int32_t> pruneidx;  // bucket -> compacted bucket
};

class SubwordTable {
 public:
  // `input` is fastText's whole input matrix [nwords + buckets, dim].
  SubwordTable(SubwordParams params, Tensor<float> input)
      : p_(std::move(params)), input_(std::move(input)) {}

  std::int64_t dim() const noexcept { return input_.size(1); }
  std::int64_t rows() const noexcept { return input_.size(0); }
  const SubwordParams& params() const noexcept { return p_; }

  // Appends the rows of the n-grams of `word` (without brackets) to `out`.
  void ngram_rows(std::string_view word, std::vector<std::int64_t>& out) const {
    if (word == kEos) return;
    std::string w;
    w.reserve(word.size() + 2);
    w += '<';
    w += word;
    w += '>';
    const auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    std::string ngram;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (continuation(w[i])) continue;
      ngram.clear();
      std::size_t j = i;
      for (std::int64_t n = 1; j < w.size() && n <= p_.maxn; ++n) {
        ngram += w[j++];
        while (j < w.size() && continuation(w[j])) ngram += w[j++];
        if (n >= p_.minn && !(n == 1 && (i == 0 || j == w.size()))) {
          push_bucket(static_cast<std::int32_t>(hash(ngram) % static_cast<std::uint32_t>(p_.bucket)),
                      out);
        }
      }
    }
  }

  // out[0..dim) = the average of the given rows, computed as fastText does.
  void average(const std::vector<std::int64_t>& rows, float* out) const noexcept {
    const std::int64_t d = dim();
    for (std::int64_t j = 0; j < d; ++j) out[j] = 0.0f;
    for (std::int64_t r : rows) {
      const float* row = input_.data() + r * d;
      for (std::int64_t j = 0; j < d; ++j) out[j] += row[j];
    }
    if (!rows.empty()) {
      const auto scale = static_cast<float>(1.0 / static_cast<double>(rows.size()));
      for (std::int64_t j = 0; j < d; ++j) out[j] *= scale;
    }
  }

 private:
  void push_bucket(std::int32_t id, std::vector<std::int64_t>& out) const {
    if (p_.pruneidx_size == 0 || id < 0) return;
    if (p_.pruneidx_size > 0) {
      auto it = p_.pruneidx.find(id);
      if (it == p_.pruneidx.end()) return;
      id = it->second;
    }
    out.push_back(p_.nwords + id);
  }

  SubwordParams p_;
  Tensor<float> input_;
};

}  // namespace embedkit::io::detail::fasttext
