// The rows op: what layers with a table do to its rows, whatever the layer: max-norm
// renormalisation in place, and spreading a row-sparse gradient into a dense table.
// Indices given to these kernels have been validated (backend/common/index.hpp).
#pragma once

#include <concepts>
#include <cstdint>

#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

// renorm(w, dim, idx, max_norm, p): every distinct row named by idx whose p-norm exceeds
//   max_norm is scaled by max_norm / (norm + 1e-7), once (torch.embedding_renorm_).
// scatter(g, dense): dense = zeros([g.num_rows, dim]); dense[g.rows[k], :] = g.values[k, :].
template <class K, class B>
concept RowOps = requires(float* w, std::int64_t dim, TensorView<const std::int64_t> idx,
                          double max_norm, double p, const SparseGrad<float, B>& g, float* dense) {
  K::renorm(w, dim, idx, max_norm, p);
  K::scatter(g, dense);
};

}  // namespace embedkit::detail
