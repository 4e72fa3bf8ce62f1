// The bag op: EmbeddingBag's kernels. What the layer hands them (BagProblem: the table, the
// bags, the options, where to write), and what they hand back instead of throwing (the first
// bad index, offset or max index met), so that the layer raises one error with one message
// whatever the backend.
//
// check_offsets(offsets, n): the first offset that breaks the rules (offsets[0] == 0,
//   non-decreasing, the last within [0, n]).
// forward(p): reduces every bag of p into p.out (and p.argmax in max mode); checks each index
//   as it reads it and returns the first bad one (in input order).
// check_argmax(p, argmax): max mode, before backward with max indices the caller gave: the
//   first element that is not a row of its bag (or -1 for an empty bag).
// backward<G>(p, grad_output, argmax, scale_by_freq, deterministic): the coalesced table
//   gradient of type G: every distinct non-padding row of the input, ascending (max mode: the
//   argmax rows receive each (bag, column) gradient). Indices and argmax have been validated.
// weights_backward(p, grad_output): d loss / d per_sample_weights, shape [n].
#pragma once

#include <concepts>
#include <cstdint>

#include "embedkit/backend/common/storage.hpp"
#include "embedkit/core/config.hpp"
#include "embedkit/core/mode.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

// The first offset that breaks the rules: its kind, position, value and (for `decreasing`)
// the value before it, so that the message needs no second look at the offsets.
struct OffsetFault {
  enum Kind { none, first_not_zero, decreasing, beyond_input } kind = none;
  std::int64_t position = -1;
  std::int64_t value = 0;
  std::int64_t previous = 0;
};

// The first bad index met: its flat position, value and bag (position -1: none).
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

// Max-mode backward with caller-given max_indices: the first element t of max_indices
// ([bags, dim], flat) that is neither a row among bag t / dim's entries nor -1 for an empty
// bag, and its value (element -1: none).
struct ArgmaxFault {
  std::int64_t element = -1;
  std::int64_t row = 0;
};

// Everything a bag reduction reads and writes. Bag b covers input positions
// [start(b), end(b)): from `offsets` (offsets[b], and offsets[b + 1] or n), or fixed-length
// bags of `fixed` entries when offsets is null. Passed by value to CUDA kernels.
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
  acc* out = nullptr;              // [bags, dim]
  std::int64_t* argmax = nullptr;  // max mode: [bags, dim] rows (-1 for empty bags), or null

  EMBEDKIT_HOST_DEVICE std::int64_t start(std::int64_t b) const noexcept {
    return offsets ? static_cast<std::int64_t>(offsets[b]) : b * fixed;
  }
  EMBEDKIT_HOST_DEVICE std::int64_t end(std::int64_t b) const noexcept {
    if (!offsets) return (b + 1) * fixed;
    return b + 1 < offsets_count ? static_cast<std::int64_t>(offsets[b + 1]) : n;
  }
};

template <class K, class B>
concept BagOps = requires(const BagProblem<float, std::int64_t, std::int64_t>& p,
                          TensorView<const std::int64_t> offsets, std::int64_t n,
                          const float* grad_output, const std::int64_t* argmax) {
  { K::check_offsets(offsets, n) } -> std::same_as<OffsetFault>;
  { K::forward(p) } -> std::same_as<BagFault>;
  { K::check_argmax(p, argmax) } -> std::same_as<ArgmaxFault>;
  { K::template backward<float>(p, grad_output, argmax, false, true) } -> std::same_as<SparseGrad<float, B>>;
  { K::weights_backward(p, grad_output) } -> std::same_as<Tensor<float, B>>;
};

}  // namespace embedkit::detail
