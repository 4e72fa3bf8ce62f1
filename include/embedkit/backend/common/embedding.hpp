// The embedding op: Embedding's kernels. Indices have been validated (backend/common/index.hpp).
//
// gather(w, dim, idx, out): out[i, :] = w[idx[i], :].
// backward(idx, grad_output, dim, num_rows, padding_row, scale_by_freq, deterministic): the
//   coalesced gradient: for every distinct row r of idx but padding_row, ascending, the sum of
//   grad_output[i, :] over positions i with idx[i] == r, added in position order when
//   deterministic (times 1 / count when scale_by_freq).
// mask(idx, a, b, out): out[i] = idx[i] != a && idx[i] != b (-1: unused).
#pragma once

#include <concepts>
#include <cstdint>

#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

template <class K, class B>
concept EmbeddingOps = requires(const float* w, std::int64_t dim, TensorView<const std::int64_t> idx,
                                float* out, const float* grad_output, std::int64_t rows, bool* mask) {
  K::gather(w, dim, idx, out);
  { K::backward(idx, grad_output, dim, rows, std::int64_t{-1}, false, true) } -> std::same_as<SparseGrad<float, B>>;
  K::mask(idx, std::int64_t{0}, std::int64_t{-1}, mask);
};

}  // namespace embedkit::detail
