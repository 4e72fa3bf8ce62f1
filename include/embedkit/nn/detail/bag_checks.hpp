// Validation rules and messages of EmbeddingBag, independent of the backend that finds the
// fault. Messages follow PyTorch's wording where PyTorch has one.
#pragma once

#include <cstdint>
#include <string>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/nn/detail/checks.hpp"

namespace embedkit::detail {

inline const char* mode_name(Mode m) noexcept {
  switch (m) {
    case Mode::sum: return "sum";
    case Mode::mean: return "mean";
    case Mode::max: return "max";
  }
  return "?";
}

inline void check_bag_options(const char* where, Mode mode, bool scale_grad_by_freq,
                              bool max_norm, bool quantized) {
  if (mode == Mode::max && scale_grad_by_freq) {
    raise<value_error>(std::string(where) +
                       ": max mode does not support scaling the gradient by the frequency");
  }
  if (quantized && max_norm) {
    raise<value_error>(std::string(where) +
                       ": max_norm rescales rows in place, which a quantized table cannot do");
  }
}

// The number of bags described by a 1-D input and its offsets.
inline std::int64_t check_bag_input(const char* where, const Shape& input, const Shape& offsets,
                                    bool include_last_offset) {
  if (input.rank() != 1) {
    raise<shape_error>(std::string(where) + ": input of shape " + input.str() +
                       " with offsets; offsets go with a 1-D input (a 2-D input [bags, length] "
                       "takes no offsets)");
  }
  if (offsets.rank() != 1) {
    raise<shape_error>(std::string(where) + ": offsets must be 1-D, got shape " + offsets.str());
  }
  if (include_last_offset && offsets[0] == 0) {
    raise<shape_error>(std::string(where) +
                       ": include_last_offset needs at least one offset (the end of the last bag)");
  }
  return include_last_offset ? offsets[0] - 1 : offsets[0];
}

[[noreturn]] inline void raise_bad_offset(const char* where, const OffsetFault& f, std::int64_t n,
                                          bool include_last_offset) {
  const std::int64_t k = f.position;
  const std::string value = std::to_string(f.value);
  switch (f.kind) {
    case OffsetFault::first_not_zero:
      raise<index_error>(std::string(where) + ": offsets[0] is " + value +
                         "; the first offset must be 0");
    case OffsetFault::decreasing:
      raise<index_error>(std::string(where) + ": offsets[" + std::to_string(k) + "] = " + value +
                         " is less than offsets[" + std::to_string(k - 1) + "] = " +
                         std::to_string(f.previous) +
                         "; offsets must be non-decreasing");
    case OffsetFault::beyond_input:
      raise<index_error>(std::string(where) + ": offsets[" + std::to_string(k) + "] = " + value +
                         " is greater than the input's length " + std::to_string(n) +
                         (include_last_offset ? " (include_last_offset)" : ""));
    case OffsetFault::none: break;
  }
  raise<index_error>(std::string(where) + ": invalid offsets");
}

[[noreturn]] inline void raise_bad_bag_index(const char* where, std::int64_t value,
                                             std::int64_t position, std::int64_t bag,
                                             std::int64_t rows) {
  raise<index_error>(std::string(where) + ": index " + std::to_string(value) + " at position " +
                     std::to_string(position) +
                     (bag >= 0 ? " (bag " + std::to_string(bag) + ")" : std::string()) +
                     " is out of range [0, " + std::to_string(rows) + ")");
}

inline void check_per_sample_weights(const char* where, Mode mode, const Shape& weights,
                                     bool given, const Shape& input) {
  if (!given) return;
  if (mode == Mode::max) {
    raise<value_error>(std::string(where) +
                       ": per_sample_weights are only supported in sum and mean modes (mode is max)");
  }
  if (!(weights == input)) {
    raise<shape_error>(std::string(where) + ": per_sample_weights of shape " + weights.str() +
                       " must have the input's shape " + input.str());
  }
}

inline void check_grad_output(const char* where, const Shape& grad, std::int64_t bags,
                              std::int64_t dim) {
  if (!(grad == Shape{bags, dim})) {
    raise<shape_error>(std::string(where) + ": grad_output has shape " + grad.str() +
                       ", expected " + Shape{bags, dim}.str() + " ([bags, dim])");
  }
}

// Max-mode backward with max_indices that are not this input's (element t of [bags, dim]
// names a row that is not among its bag's entries, or -1 for a bag that has some).
[[noreturn]] inline void raise_bad_max_index(const char* where, const ArgmaxFault& f, std::int64_t dim) {
  const std::int64_t bag = f.element / dim;
  raise<value_error>(std::string(where) + ": max_indices[" + std::to_string(bag) + ", " +
                     std::to_string(f.element % dim) + "] = " + std::to_string(f.row) +
                     " is not a row of bag " + std::to_string(bag) +
                     " (max_indices must come from forward on the same input: a row of the bag, "
                     "or -1 for an empty bag)");
}

}  // namespace embedkit::detail
