// Validation shared by the layers: the rules do not depend on the backend, and neither do the
// messages, so a bad index reads the same whether a cpu or a cuda kernel found it.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"

namespace embedkit::detail {

// "7" for a rank-1 position, "[1, 3]" for a flat position 7 in shape [2, 4].
inline std::string position_string(std::int64_t flat, const Shape& shape) {
  if (shape.rank() <= 1) return std::to_string(flat);
  std::int64_t coords[Shape::max_rank];
  for (int k = shape.rank() - 1; k >= 0; --k) {
    const std::int64_t extent = shape[k] == 0 ? 1 : shape[k];
    coords[k] = flat % extent;
    flat /= extent;
  }
  std::string s = "[";
  for (int k = 0; k < shape.rank(); ++k) {
    if (k) s += ", ";
    s += std::to_string(coords[k]);
  }
  return s + "]";
}

[[noreturn]] inline void raise_bad_index(const char* where, std::int64_t value,
                                         std::int64_t flat, const Shape& shape,
                                         std::int64_t rows) {
  raise<index_error>(std::string(where) + ": index " + std::to_string(value) + " at position " +
                     position_string(flat, shape) + " is out of range [0, " +
                     std::to_string(rows) + ")");
}

// padding_idx as torch: in [-rows, rows); negative counts from the end. Returns the row, or
// -1 when unset.
inline std::int64_t resolve_padding_idx(const char* where, std::optional<std::int64_t> p,
                                        std::int64_t rows) {
  if (!p) return -1;
  if (*p < -rows || *p >= rows) {
    raise<value_error>(std::string(where) + ": padding_idx " + std::to_string(*p) +
                       " is out of range [" + std::to_string(-rows) + ", " +
                       std::to_string(rows) + ")");
  }
  return *p < 0 ? *p + rows : *p;
}

inline void check_max_norm(const char* where, std::optional<double> max_norm, double norm_type) {
  if (max_norm && !(*max_norm > 0.0)) {
    raise<value_error>(std::string(where) + ": max_norm " + std::to_string(*max_norm) +
                       " must be > 0");
  }
  if (!(norm_type >= 0.0)) {
    raise<value_error>(std::string(where) + ": norm_type " + std::to_string(norm_type) +
                       " must be >= 0 (inf allowed)");
  }
}

// wrap() of read-only memory: max_norm would write to it.
inline void check_read_only_table(const char* where, bool max_norm) {
  if (max_norm) {
    raise<value_error>(std::string(where) +
                       ": max_norm renormalises rows in place and needs a writable table; wrap a "
                       "TensorView<T> or use from_pretrained (which copies)");
  }
}

inline void check_table_shape(const char* where, const Shape& s) {
  if (s.rank() != 2) {
    raise<shape_error>(std::string(where) + ": the table must have rank 2 [rows, dim], got shape " +
                       s.str());
  }
}

}  // namespace embedkit::detail
