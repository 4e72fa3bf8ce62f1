// SparseGrad: a row-sparse gradient of a table, coalesced: each row that received a gradient
// appears once (ascending), with the sum of what it received.
#pragma once

#include <cstdint>

#include "embedkit/core/tensor.hpp"

namespace embedkit {

template <class T, class Backend = cpu>
struct SparseGrad {
  Tensor<std::int64_t, Backend> rows;  // [nnz], ascending, unique
  Tensor<T, Backend> values;           // [nnz, dim]
  std::int64_t num_rows = 0;           // rows of the table the gradient belongs to

  std::int64_t nnz() const noexcept { return rows.numel(); }
  std::int64_t dim() const { return values.rank() == 2 ? values.shape()[1] : 0; }
};

}  // namespace embedkit
