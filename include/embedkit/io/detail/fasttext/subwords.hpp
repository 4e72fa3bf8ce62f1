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
//
// The only division is hash % bucket, so the parameters are checked once, where they are read
// (parse_bin, which names the field) and again where a table is built (SubwordTable's
// constructor): a model whose words have n-grams (maxn >= 1 and maxn >= minn) must have
// bucket >= 1. fastText 0.9.2 itself computes hash % bucket for every n-gram before it looks at
// pruneidx, so it divides by zero on such a model (it sets bucket 0 only when maxn is 0); it
// cannot have written one, and embedkit refuses it. With maxn 0 (or minn > maxn) there are no
// n-grams: a known word's vector is its own row, an unseen word's is zeros.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"

namespace embedkit::io::detail::fasttext {

inline constexpr std::string_view kEos = "</s>";

inline constexpr std::uint32_t kHashBasis = 2166136261u;

// One byte of fastText's hash: FNV-1a over bytes sign-extended to 32 bits.
constexpr std::uint32_t hash_step(std::uint32_t h, char c) noexcept {
  h ^= static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(c)));
  return h * 16777619u;
}

inline std::uint32_t hash(std::string_view s) noexcept {
  std::uint32_t h = kHashBasis;
  for (char c : s) h = hash_step(h, c);
  return h;
}

struct SubwordParams {
  std::int64_t nwords = 0;
  std::int32_t minn = 0;
  std::int32_t maxn = 0;
  std::int32_t bucket = 0;
  std::int64_t pruneidx_size = -1;                          // -1: not pruned
  std::unordered_map<std::int32_t, std::int32_t> pruneidx;  // bucket -> compacted bucket

  // Whether words have character n-grams (whose rows need hash % bucket).
  bool has_ngrams() const noexcept { return maxn >= 1 && maxn >= minn; }

  // The rows of the input matrix these parameters address: nwords, then one per bucket (or
  // per pruneidx entry when pruned); -1 when that count does not fit in int64.
  std::int64_t input_rows() const noexcept {
    std::int64_t rows = 0;
    const std::int64_t extra =
        pruneidx_size >= 0 ? pruneidx_size : static_cast<std::int64_t>(bucket);
    return embedkit::detail::add_fits(nwords, extra, rows) ? rows : -1;
  }
};

// What is wrong with `p`, or "" when nothing is: the rules every reader and SubwordTable apply
// before a single n-gram is hashed. (Each message names the field.)
inline std::string subword_params_problem(const SubwordParams& p) {
  if (p.bucket < 0) return "bucket " + std::to_string(p.bucket) + " is negative";
  if (p.bucket == 0 && p.has_ngrams()) {
    return "bucket is 0 but maxn " + std::to_string(p.maxn) + " and minn " +
           std::to_string(p.minn) +
           " ask for character n-grams, whose rows are nwords + hash % bucket (fastText "
           "itself divides by zero on such a model; it sets bucket 0 only with maxn 0)";
  }
  if (p.nwords < 0) return "nwords " + std::to_string(p.nwords) + " is negative";
  if (p.pruneidx_size < -1) {
    return "pruneidx_size " + std::to_string(p.pruneidx_size) + " is invalid";
  }
  if (p.input_rows() < 0) {
    return "nwords " + std::to_string(p.nwords) + " + " +
           (p.pruneidx_size >= 0 ? "pruneidx_size " + std::to_string(p.pruneidx_size)
                                 : "bucket " + std::to_string(p.bucket)) +
           " overflows int64";
  }
  for (const auto& [from, to] : p.pruneidx) {
    if (from < 0 || to < 0 || to >= p.pruneidx_size) {
      return "pruneidx pair (" + std::to_string(from) + ", " + std::to_string(to) +
             ") is out of range [0, " + std::to_string(p.pruneidx_size) + ")";
    }
  }
  return {};
}

class SubwordTable {
 public:
  // `input` is fastText's whole input matrix [nwords + buckets, dim].
  // ek::value_error when the parameters break subword_params_problem's rules or `input` does
  // not have the rows they address.
  SubwordTable(SubwordParams params, Tensor<float> input)
      : p_(std::move(params)), input_(std::move(input)) {
    const std::string problem = subword_params_problem(p_);
    if (!problem.empty()) embedkit::detail::raise<value_error>("fastText subwords: " + problem);
    if (input_.rank() != 2 || input_.size(0) != p_.input_rows()) {
      embedkit::detail::raise<value_error>(
          "fastText subwords: the input matrix has shape " + input_.shape().str() +
          ", expected [" + std::to_string(p_.input_rows()) + ", dim] (nwords + " +
          (p_.pruneidx_size >= 0 ? "pruneidx_size" : "bucket") + ")");
    }
  }

  std::int64_t dim() const noexcept { return input_.size(1); }
  std::int64_t rows() const noexcept { return input_.size(0); }
  const SubwordParams& params() const noexcept { return p_; }

  // Appends the rows of the n-grams of `word` (without brackets) to `out`. The hash of each
  // n-gram extends the hash of the one before it (same start, one code point shorter), so a
  // word of L bytes costs O(L * maxn) steps, not O(L * maxn^2).
  void ngram_rows(std::string_view word, std::vector<std::int64_t>& out) const {
    if (word == kEos || !p_.has_ngrams()) return;  // validated: bucket >= 1 from here on
    std::string w;
    w.reserve(word.size() + 2);
    w += '<';
    w += word;
    w += '>';
    const auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    const auto buckets = static_cast<std::uint32_t>(p_.bucket);
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (continuation(w[i])) continue;
      std::uint32_t h = kHashBasis;
      std::size_t j = i;
      for (std::int64_t n = 1; j < w.size() && n <= p_.maxn; ++n) {
        h = hash_step(h, w[j++]);
        while (j < w.size() && continuation(w[j])) h = hash_step(h, w[j++]);
        if (n >= p_.minn && !(n == 1 && (i == 0 || j == w.size()))) {
          push_bucket(static_cast<std::int32_t>(h % buckets), out);
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
