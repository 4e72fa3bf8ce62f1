// The pool op: reduces a [batch, length, dim] tensor over its positions, under a mask of real
// tokens, into rows of an output that may hold several poolings side by side.
//
// pool(p): for every sample b, with M = { t : mask[b, t] } (mask [batch, length]):
//   cls        x[b, first t in M]          (x[b, 0] when M is empty, as sentence-transformers,
//                                           which gathers at argmax(mask) = 0; 0 when length
//                                           is 0)
//   lasttoken  x[b, last t in M]           (0 when M is empty)
//   max        max over t in M of x[b, t], a NaN winning as in torch.max (p.max_fill when M
//              is empty)
//   sum        sum over t in M
//   mean       sum / max(|M|, 1e-9)
//   mean_sqrt_len_tokens  sum / sqrt(max(|M|, 1e-9))
//   weightedmean  sum over t in M of (t + 1) * x[b, t] / max(sum over t in M of (t + 1), 1e-9)
//   written to out + b * out_stride, dim values. Counts and weights are summed in T, as
//   sentence-transformers sums the mask in the embeddings' dtype. Rows x[b, t] with t outside
//   M are not read (torch multiplies them by 0, which turns an inf or NaN there into NaN).
#pragma once

#include <concepts>
#include <cstdint>

#include "embedkit/core/pooling_mode.hpp"

namespace embedkit::detail {

template <class T>
struct PoolProblem {
  const T* x = nullptr;
  std::int64_t batch = 0, length = 0, dim = 0;
  const bool* mask = nullptr;
  PoolingMode mode = PoolingMode::mean;
  T max_fill = T(0);
  T* out = nullptr;
  std::int64_t out_stride = 0;
};

template <class K>
concept PoolOps = requires(const PoolProblem<float>& p) {
  K::pool(p);
};

}  // namespace embedkit::detail
