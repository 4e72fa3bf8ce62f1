// TokenBatch<Backend>: ragged id sequences as the encoders take them: truncated, checked
// against the vocabulary, padded to the longest into ids [B, L] (padding id 0, whose rows the
// encoders zero) with a mask [B, L] and the lengths.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/transfer.hpp"

namespace embedkit {

template <class Backend = cpu>
struct TokenBatch {
  Tensor<std::int64_t, Backend> ids;  // [B, L], 0 at padding
  Tensor<bool, Backend> mask;         // [B, L], true at real tokens
  std::vector<std::int64_t> lengths;  // host, one per sequence

  std::int64_t batch() const noexcept { return static_cast<std::int64_t>(lengths.size()); }
  std::int64_t length() const noexcept { return ids.rank() == 2 ? ids.shape()[1] : 0; }

  // Keeps the first min(size, max_len) ids of each sequence (max_len >= 1). Every kept id must
  // be in [0, vocab_size): otherwise an index_error naming the id, the sequence (instance),
  // the position and `input` (which encoder input, e.g. "in0").
  static TokenBatch make(std::span<const std::vector<std::int64_t>> sequences, std::int64_t max_len,
                         std::int64_t vocab_size, const std::string& input) {
    TokenBatch t;
    const auto B = static_cast<std::int64_t>(sequences.size());
    t.lengths.resize(sequences.size());
    std::int64_t L = 0;
    for (std::size_t b = 0; b < sequences.size(); ++b) {
      const std::int64_t len =
          std::min<std::int64_t>(static_cast<std::int64_t>(sequences[b].size()), max_len);
      t.lengths[b] = len;
      L = std::max(L, len);
      for (std::int64_t p = 0; p < len; ++p) {
        const std::int64_t id = sequences[b][static_cast<std::size_t>(p)];
        if (id < 0 || id >= vocab_size) {
          detail::raise<index_error>(input + ": id " + std::to_string(id) + " of instance " +
                                     std::to_string(b) + " (position " + std::to_string(p) +
                                     ") is outside the vocabulary [0, " +
                                     std::to_string(vocab_size) + ")");
        }
      }
    }
    auto ids = Tensor<std::int64_t, cpu>::zeros(Shape{B, L});
    auto mask = Tensor<bool, cpu>::zeros(Shape{B, L});
    for (std::size_t b = 0; b < sequences.size(); ++b) {
      const auto row = static_cast<std::int64_t>(b) * L;
      std::copy_n(sequences[b].data(), t.lengths[b], ids.data() + row);
      std::fill_n(mask.data() + row, t.lengths[b], true);
    }
    t.ids = to<Backend>(std::move(ids));
    t.mask = to<Backend>(std::move(mask));
    return t;
  }
};

}  // namespace embedkit
