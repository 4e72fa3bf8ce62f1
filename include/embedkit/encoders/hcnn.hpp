// HcnnEncoder: the hierarchical CNN of docs/guide/encoders.md: n same-padded Conv1d blocks with
// dilation 1, 2, 4, ... (each sees a window twice as wide as the last), ReLU, padding rows zeroed
// before every block so a sequence's encoding never depends on its batch, then the max over time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embedkit/backend/common/pool.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/encoders/detail/prefixed.hpp"
#include "embedkit/encoders/token_batch.hpp"
#include "embedkit/nn/conv1d.hpp"
#include "embedkit/nn/detail/dense.hpp"

namespace embedkit {

template <class Backend = cpu>
class HcnnEncoder {
 public:
  HcnnEncoder(std::int64_t token_dim, std::int64_t enc_dim, std::int64_t layers,
              std::int64_t filter_width, std::uint64_t seed)
      : enc_dim_(enc_dim) {
    std::int64_t dilation = 1;
    for (std::int64_t k = 0; k < layers; ++k, dilation *= 2) {
      convs_.emplace_back(
          k == 0 ? token_dim : enc_dim, enc_dim, filter_width,
          Conv1dOptions{.padding_same = true,
                        .dilation = dilation,
                        .seed = detail::parameter_seed(seed, static_cast<std::uint64_t>(k))});
    }
  }

  // `auto` layers: the fewest blocks (1..4) whose receptive field 1 + (w-1)(2^n - 1) covers
  // max_seq_len; 4 when none does; 1 for w = 1, where depth widens nothing.
  static std::int64_t auto_layers(std::int64_t max_seq_len, std::int64_t filter_width) {
    if (filter_width <= 1) return 1;
    for (std::int64_t n = 1; n <= 4; ++n) {
      if (1 + (filter_width - 1) * ((std::int64_t{1} << n) - 1) >= max_seq_len) return n;
    }
    return 4;
  }

  std::int64_t output_dim() const noexcept { return enc_dim_; }
  std::int64_t layers() const noexcept { return static_cast<std::int64_t>(convs_.size()); }

  // x [B, L, E] with zero rows at padding -> [B, enc_dim].
  Tensor<float, Backend> encode(const Tensor<float, Backend>& x,
                                const TokenBatch<Backend>& batch) const {
    const std::int64_t B = batch.batch(), L = batch.length();
    if (L == 0) return Tensor<float, Backend>::zeros(Shape{B, enc_dim_});  // only empty sequences
    Tensor<float, Backend> h;
    for (std::size_t k = 0; k < convs_.size(); ++k) {
      h = convs_[k].forward_channels_last(k == 0 ? x.cview() : h.cview());
      Backend::pointwise::activate(Activation::relu, h.data(), h.numel());
      Backend::pointwise::zero_masked(h.data(), B * L, enc_dim_, batch.mask.data());
    }
    auto out = Tensor<float, Backend>::empty(Shape{B, enc_dim_});
    detail::PoolProblem<float> p;
    p.x = h.data();
    p.batch = B;
    p.length = L;
    p.dim = enc_dim_;
    p.mask = batch.mask.data();
    p.mode = PoolingMode::max;
    p.max_fill = 0.0f;  // ReLU outputs are >= 0: an empty sequence encodes as zeros
    p.out = out.data();
    p.out_stride = enc_dim_;
    Backend::pool::pool(p);
    return out;
  }

  template <class F>
  void visit_parameters(const std::string& prefix, F& f) {
    for (std::size_t k = 0; k < convs_.size(); ++k) {
      detail::visit_prefixed(convs_[k], prefix + "convs." + std::to_string(k) + ".", f);
    }
  }

 private:
  std::int64_t enc_dim_;
  std::vector<Conv1d<float, Backend>> convs_;
};

}  // namespace embedkit
