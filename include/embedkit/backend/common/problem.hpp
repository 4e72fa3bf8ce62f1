// What the layers hand a backend's kernels and what the kernels hand back: the description of
// a bag reduction, and the faults (a bad index, a bad offset) that kernels record instead of
// throwing, so that the layer can raise one error with one message whatever the backend.
#pragma once

#include <cstdint>
#include <string>

#include "embedkit/backend/common/storage.hpp"
#include "embedkit/core/error.hpp"

namespace embedkit {

// The reduction of an EmbeddingBag.
enum class Mode { sum, mean, max };

namespace detail {

// The first index outside [0, rows): its flat position and value; position -1 if none.
struct IndexFault {
  std::int64_t position = -1;
  std::int64_t value = 0;
};

// The first offset that breaks the rules: its kind, position, value and (for `decreasing`)
// the value before it, so that the message needs no second look at the offsets.
struct OffsetFault {
  enum Kind { none, first_not_zero, decreasing, beyond_input } kind = none;
  std::int64_t position = -1;
  std::int64_t value = 0;
  std::int64_t previous = 0;
};

// The first bad index met: its flat position and value (position -1: none).
struct BagFault {
  std::int64_t position = -1;
  std::int64_t value = 0;
  std::int64_t bag = -1;
  void record(std::int64_t pos, std::int64_t v, std::int64_t in_bag) noexcept {
    if (position < 0 || pos < position) {
      position = pos;
      value = v;
      bag = in_bag;
    }
  }
};

// Everything a bag reduction reads and writes. Bag b covers input positions
// [start(b), end(b)): from `offsets` (offsets[b], and offsets[b + 1] or n), or fixed-length
// bags of `fixed` entries when offsets is null.
template <class S, class I, class J>
struct BagProblem {
  using acc = typename storage_traits<S>::acc;
  const std::uint8_t* table = nullptr;  // rows x stride bytes
  std::int64_t rows = 0, dim = 0, stride = 0;
  const I* indices = nullptr;
  std::int64_t n = 0;
  const J* offsets = nullptr;  // validated: starts at 0, non-decreasing, within [0, n]
  std::int64_t offsets_count = 0;
  std::int64_t fixed = 0;
  std::int64_t bags = 0;
  const acc* weights = nullptr;  // per-sample weights or null
  Mode mode = Mode::sum;
  std::int64_t padding_row = -1;
  acc* out = nullptr;             // [bags, dim]
  std::int64_t* argmax = nullptr;  // max mode: [bags, dim] rows (-1 for empty bags), or null

  std::int64_t start(std::int64_t b) const noexcept {
    return offsets ? static_cast<std::int64_t>(offsets[b]) : b * fixed;
  }
  std::int64_t end(std::int64_t b) const noexcept {
    if (!offsets) return (b + 1) * fixed;
    return b + 1 < offsets_count ? static_cast<std::int64_t>(offsets[b + 1]) : n;
  }
};

// Max-mode backward with max_indices that are not this input's (element t of [bags, dim]
// names a row that no entry of the input holds).
[[noreturn]] inline void raise_bad_max_index(std::int64_t t, std::int64_t row, std::int64_t dim) {
  raise<value_error>("EmbeddingBag::backward: max_indices[" + std::to_string(t / dim) + ", " +
                     std::to_string(t % dim) + "] = " + std::to_string(row) +
                     " is not a row of the input (max_indices must come from forward on the same "
                     "input, or be -1 for an empty bag)");
}

}  // namespace detail
}  // namespace embedkit
