// BiLstmEncoder: a stacked bidirectional LSTM over the packed sequences; the last layer's final
// forward and reverse states, [B, 2H] with H = ceil(enc_dim / 2), projected to enc_dim
// (docs/guide/encoders.md, `bilstm`). The projection of the concatenation is computed as two
// gemms on the halves of proj.weight, so the states are never copied side by side.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "embedkit/backend/common/gemm.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/encoders/detail/prefixed.hpp"
#include "embedkit/encoders/token_batch.hpp"
#include "embedkit/nn/detail/dense.hpp"
#include "embedkit/nn/linear.hpp"
#include "embedkit/nn/lstm.hpp"

namespace embedkit {

template <class Backend = cpu>
class BiLstmEncoder {
 public:
  BiLstmEncoder(std::int64_t token_dim, std::int64_t enc_dim, std::int64_t layers,
                std::uint64_t seed)
      : enc_dim_(enc_dim),
        hidden_((enc_dim + 1) / 2),
        lstm_(token_dim, hidden_,
              LSTMOptions{.num_layers = layers,
                          .batch_first = true,
                          .bidirectional = true,
                          .seed = detail::parameter_seed(seed, 0)}),
        proj_(2 * hidden_, enc_dim, LinearOptions{.seed = detail::parameter_seed(seed, 1)}) {}

  std::int64_t output_dim() const noexcept { return enc_dim_; }
  std::int64_t hidden_size() const noexcept { return hidden_; }
  std::int64_t layers() const noexcept { return lstm_.num_layers(); }

  // x [B, L, E] -> [B, enc_dim].
  Tensor<float, Backend> encode(const Tensor<float, Backend>& x,
                                const TokenBatch<Backend>& batch) const {
    const std::int64_t B = batch.batch(), H = hidden_;
    const auto r = lstm_.forward(x.cview(), std::span<const std::int64_t>(batch.lengths));
    const float* fwd = r.h_n.data() + (2 * (lstm_.num_layers() - 1)) * B * H;
    const float* rev = fwd + B * H;
    auto out = Tensor<float, Backend>::empty(Shape{B, enc_dim_});
    const float* w = proj_.weight().data();  // [enc_dim, 2H]: columns [0, H) see fwd, [H, 2H) rev
    detail::GemmProblem<float> p;
    p.m = B;
    p.n = enc_dim_;
    p.k = H;
    p.a = fwd;
    p.lda = H;
    p.b = w;
    p.ldb = 2 * H;
    p.b_transposed = true;
    p.c = out.data();
    p.ldc = enc_dim_;
    p.bias = proj_.bias().data();
    Backend::gemm::gemm(p);
    p.a = rev;
    p.b = w + H;
    p.bias = nullptr;
    p.accumulate = true;
    Backend::gemm::gemm(p);
    return out;
  }

  template <class F>
  void visit_parameters(const std::string& prefix, F& f) {
    detail::visit_prefixed(lstm_, prefix + "lstm.", f);
    detail::visit_prefixed(proj_, prefix + "proj.", f);
  }

 private:
  std::int64_t enc_dim_, hidden_;
  LSTM<float, Backend> lstm_;
  Linear<float, Backend> proj_;
};

}  // namespace embedkit
