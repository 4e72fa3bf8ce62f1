// The index op: validation of indices against a table's row count, before any kernel reads a
// row. The kernel reports the first bad index (in input order) as an IndexFault; the layer
// turns it into an ek::index_error whose message is the same on every backend.
#pragma once

#include <concepts>
#include <cstdint>

#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

// The first index outside [0, rows): its flat position and value; position -1 if none.
struct IndexFault {
  std::int64_t position = -1;
  std::int64_t value = 0;
};

template <class K>
concept IndexOps = requires(TensorView<const std::int32_t> i32, TensorView<const std::int64_t> i64,
                            std::int64_t rows) {
  { K::first_bad(i32, rows) } -> std::same_as<IndexFault>;
  { K::first_bad(i64, rows) } -> std::same_as<IndexFault>;
};

}  // namespace embedkit::detail
