// ek::KeyedVectors: a table of word vectors (Tensor<float> [size, dim]) keyed by a Vocabulary,
// with gensim's similarity queries. What the pretrained-table loaders return.
//
// A KeyedVectors is immutable once built, so its const members may be called from many threads
// at once. The L2-normalised copy of the table that the similarity queries need is built on
// first use (once, under std::call_once) and kept.
//
// Similarities follow gensim's KeyedVectors: cosine over unit vectors; most_similar leaves the
// query words out of the results; analogies are 3CosAdd (the unit vectors of the positive words
// minus those of the negative words, averaged, normalised). A zero row, or one with an inf or
// NaN, has cosine 0 with everything (gensim gives NaN).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/core/host/simd.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/io/detail/fasttext/subwords.hpp"
#include "embedkit/io/detail/keyed/similarity.hpp"
#include "embedkit/io/vocabulary.hpp"

namespace embedkit {

class KeyedVectors {
 public:
  using Subwords = io::detail::fasttext::SubwordTable;

  KeyedVectors() : vectors_(Tensor<float>::empty({0, 0})) {}

  // `vectors` is [vocab.size(), dim]; row i is the vector of the token with id i, so the
  // vocabulary's ids must be dense (ek::shape_error / ek::value_error otherwise). `subwords`
  // (fastText .bin) lets word_vector() build vectors for words outside the table.
  KeyedVectors(Vocabulary vocab, Tensor<float> vectors,
               std::shared_ptr<const Subwords> subwords = nullptr)
      : vocab_(std::move(vocab)), vectors_(std::move(vectors)), subwords_(std::move(subwords)) {
    if (vectors_.rank() != 2) {
      detail::raise<shape_error>("KeyedVectors: the table must have rank 2, got shape " +
                                 vectors_.shape().str());
    }
    if (vectors_.size(0) != vocab_.size()) {
      detail::raise<shape_error>("KeyedVectors: the table has " +
                                 std::to_string(vectors_.size(0)) + " rows but the vocabulary " +
                                 std::to_string(vocab_.size()) + " tokens");
    }
    if (!vocab_.dense()) {
      detail::raise<value_error>("KeyedVectors: the vocabulary's ids must be 0.." +
                                 std::to_string(vocab_.size() - 1) + " (they run up to " +
                                 std::to_string(vocab_.id_bound() - 1) + ")");
    }
    if (subwords_ && subwords_->dim() != vectors_.size(1)) {
      detail::raise<shape_error>("KeyedVectors: subword rows have dim " +
                                 std::to_string(subwords_->dim()) + ", the table " +
                                 std::to_string(vectors_.size(1)));
    }
  }

  KeyedVectors(const KeyedVectors& o)
      : vocab_(o.vocab_), vectors_(o.vectors_), subwords_(o.subwords_) {}
  KeyedVectors(KeyedVectors&& o) noexcept
      : vocab_(std::move(o.vocab_)),
        vectors_(std::exchange(o.vectors_, Tensor<float>())),
        subwords_(std::move(o.subwords_)),
        cache_(std::move(o.cache_)) {}
  KeyedVectors& operator=(const KeyedVectors& o) {
    if (this != &o) *this = KeyedVectors(o);
    return *this;
  }
  KeyedVectors& operator=(KeyedVectors&& o) noexcept {
    if (this != &o) {
      vocab_ = std::move(o.vocab_);
      vectors_ = std::exchange(o.vectors_, Tensor<float>());
      subwords_ = std::move(o.subwords_);
      cache_ = std::move(o.cache_);
    }
    return *this;
  }
  ~KeyedVectors() = default;

  std::int64_t size() const noexcept { return vocab_.size(); }
  std::int64_t dim() const noexcept { return vectors_.rank() == 2 ? vectors_.shape()[1] : 0; }
  bool contains(std::string_view word) const { return vocab_.contains(word); }
  // Whether word_vector() can build vectors for words outside the table (fastText .bin).
  bool has_subwords() const noexcept { return subwords_ != nullptr; }

  const Vocabulary& vocabulary() const noexcept { return vocab_; }
  TensorView<const float> vectors() const noexcept { return vectors_.cview(); }

  // The stored row of `word`; ek::index_error naming the word if it has none.
  std::span<const float> vector(std::string_view word) const { return row(index_of(word)); }

  // The row with this id (ek::index_error outside [0, size())).
  std::span<const float> row(std::int64_t id) const {
    if (id < 0 || id >= size()) {
      detail::raise<index_error>("KeyedVectors: row " + std::to_string(id) +
                                 " is out of range [0, " + std::to_string(size()) + ")");
    }
    return {vectors_.data() + id * dim(), static_cast<std::size_t>(dim())};
  }

  // A vector for any word when the table came with fastText subwords: the stored row for known
  // words (fastText's vector for them, as in its .vec file), the average of the character
  // n-gram rows for others. Without subwords, the stored row (ek::index_error if unknown).
  Tensor<float> word_vector(std::string_view word) const {
    require_known(word);  // before allocating: dim may be large in a table of no rows
    auto out = Tensor<float>::empty({dim()});
    query(word, out.data());
    return out;
  }

  // The k words nearest to `word` by cosine similarity, best first, `word` itself left out.
  // With fastText subwords the word need not be in the table.
  std::vector<std::pair<std::string, float>> most_similar(std::string_view word,
                                                          std::int64_t k = 10) const {
    return most_similar(std::vector<std::string>{std::string(word)}, {}, k);
  }

  // Analogies and combinations: the k words nearest to the normalised mean of the unit vectors
  // of `positive` and the negated unit vectors of `negative` (gensim's most_similar(positive,
  // negative), 3CosAdd: "king" - "man" + "woman" is ({"king", "woman"}, {"man"})). The input
  // words are left out of the results.
  std::vector<std::pair<std::string, float>> most_similar(const std::vector<std::string>& positive,
                                                          const std::vector<std::string>& negative,
                                                          std::int64_t k = 10) const {
    if (positive.empty() && negative.empty()) {
      detail::raise<value_error>("KeyedVectors::most_similar: no input words");
    }
    for (const auto& w : positive) require_known(w);
    for (const auto& w : negative) require_known(w);
    const std::int64_t d = dim();
    std::vector<float> mean(static_cast<std::size_t>(d), 0.0f), v(mean.size()), u(mean.size());
    std::vector<std::int64_t> skip;
    auto accumulate = [&](const std::vector<std::string>& words, float sign) {
      for (const auto& w : words) {
        query(w, v.data());
        detail::unit_row(v.data(), u.data(), d);
        for (std::int64_t j = 0; j < d; ++j) mean[static_cast<std::size_t>(j)] += sign * u[static_cast<std::size_t>(j)];
        if (auto id = vocab_.find(w)) skip.push_back(*id);
      }
    };
    accumulate(positive, 1.0f);
    accumulate(negative, -1.0f);
    const auto count = static_cast<float>(positive.size() + negative.size());
    for (auto& m : mean) m /= count;
    detail::unit_row(mean.data(), u.data(), d);
    return named(io::detail::keyed::top_k(unit_vectors(), u.data(), k, skip));
  }

  // The k words nearest to an arbitrary vector (gensim's similar_by_vector); nothing is left out.
  std::vector<std::pair<std::string, float>> similar_by_vector(std::span<const float> v,
                                                               std::int64_t k = 10) const {
    if (static_cast<std::int64_t>(v.size()) != dim()) {
      detail::raise<shape_error>("KeyedVectors::similar_by_vector: the vector has " +
                                 std::to_string(v.size()) + " elements, the table's dim is " +
                                 std::to_string(dim()));
    }
    std::vector<float> u(v.size());
    detail::unit_row(v.data(), u.data(), dim());
    return named(io::detail::keyed::top_k(unit_vectors(), u.data(), k, {}));
  }

  // Cosine similarity of two words (with subwords, of any two words).
  float similarity(std::string_view a, std::string_view b) const {
    require_known(a);
    require_known(b);
    const std::int64_t d = dim();
    std::vector<float> va(static_cast<std::size_t>(d)), vb(va.size()), ua(va.size()),
        ub(va.size());
    query(a, va.data());
    query(b, vb.data());
    detail::unit_row(va.data(), ua.data(), d);
    detail::unit_row(vb.data(), ub.data(), d);
    return detail::row_dot(ua.data(), ub.data(), d);
  }

  // The L2-normalised table (rows without a finite non-zero norm become zero), built on first
  // use and kept.
  TensorView<const float> unit_vectors() const {
    if (!cache_) return TensorView<const float>(nullptr, {0, dim()});  // a moved-from object
    std::call_once(cache_->once,
                   [&] { cache_->unit = io::detail::keyed::unit_rows(vectors_.cview()); });
    return cache_->unit.cview();
  }

 private:
  struct UnitCache {
    std::once_flag once;
    Tensor<float> unit;
  };

  std::int64_t index_of(std::string_view word) const {
    if (auto id = vocab_.find(word)) return *id;
    detail::raise<index_error>("KeyedVectors: word '" + std::string(word) +
                               "' is not in the vocabulary (" + std::to_string(size()) +
                               " words)");
  }

  // Raises index_error for a word query() cannot give a vector for.
  void require_known(std::string_view word) const {
    if (!subwords_ && !vocab_.contains(word)) (void)index_of(word);
  }

  // out[0..dim) = the vector of `word` (stored row, or from subwords).
  void query(std::string_view word, float* out) const {
    if (auto id = vocab_.find(word)) {
      std::copy_n(vectors_.data() + *id * dim(), dim(), out);
      return;
    }
    if (!subwords_) (void)index_of(word);
    std::vector<std::int64_t> rows;
    subwords_->ngram_rows(word, rows);
    subwords_->average(rows, out);
  }

  std::vector<std::pair<std::string, float>> named(
      const std::vector<io::detail::keyed::Hit>& hits) const {
    std::vector<std::pair<std::string, float>> out;
    out.reserve(hits.size());
    for (const auto& h : hits) out.emplace_back(vocab_.token(h.row), h.score);
    return out;
  }

  Vocabulary vocab_;
  Tensor<float> vectors_;
  std::shared_ptr<const Subwords> subwords_;
  mutable std::unique_ptr<UnitCache> cache_ = std::make_unique<UnitCache>();
};

}  // namespace embedkit
