// PooledEmbeddingEncoder: the average of a sequence's token vectors, projected to the encoding
// width when the token width differs (docs/guide/encoders.md, `pooled_embedding`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "embedkit/backend/common/pool.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/encoders/detail/prefixed.hpp"
#include "embedkit/encoders/token_batch.hpp"
#include "embedkit/nn/linear.hpp"

namespace embedkit {

template <class Backend = cpu>
class PooledEmbeddingEncoder {
 public:
  PooledEmbeddingEncoder(std::int64_t token_dim, std::int64_t enc_dim, std::uint64_t seed)
      : token_dim_(token_dim), enc_dim_(enc_dim) {
    if (token_dim != enc_dim) proj_.emplace(token_dim, enc_dim, LinearOptions{.seed = seed});
  }

  std::int64_t output_dim() const noexcept { return enc_dim_; }

  // x [B, L, E] with zero rows at padding -> [B, enc_dim].
  Tensor<float, Backend> encode(const Tensor<float, Backend>& x,
                                const TokenBatch<Backend>& batch) const {
    const std::int64_t B = batch.batch(), L = batch.length();
    auto pooled = Tensor<float, Backend>::empty(Shape{B, token_dim_});
    detail::PoolProblem<float> p;
    p.x = x.data();
    p.batch = B;
    p.length = L;
    p.dim = token_dim_;
    p.mask = batch.mask.data();
    p.mode = PoolingMode::mean;
    p.out = pooled.data();
    p.out_stride = token_dim_;
    Backend::pool::pool(p);
    return proj_ ? proj_->forward(pooled.cview()) : pooled;
  }

  template <class F>
  void visit_parameters(const std::string& prefix, F& f) {
    if (proj_) detail::visit_prefixed(*proj_, prefix + "proj.", f);
  }

 private:
  std::int64_t token_dim_, enc_dim_;
  std::optional<Linear<float, Backend>> proj_;
};

}  // namespace embedkit
