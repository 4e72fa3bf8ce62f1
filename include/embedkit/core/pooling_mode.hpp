// The ways to pool a [B, L, D] sequence of token vectors into [B, D]: sentence-transformers'
// modes plus sum. A core type: nn/pooling.hpp, the pool op's descriptor
// (backend/common/pool.hpp) and model configs speak it.
#pragma once

namespace embedkit {

// Listed in sentence-transformers' concatenation order (cls, max, mean, mean_sqrt_len_tokens,
// weightedmean, lasttoken), sum last.
enum class PoolingMode { cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken, sum };

}  // namespace embedkit
