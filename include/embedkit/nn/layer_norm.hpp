// LayerNorm<T, Backend>: torch.nn.LayerNorm over the last dimension: (x - mean) / sqrt(var +
// eps) * weight + bias, var the biased variance. Parameters "weight" (ones) and "bias" (zeros)
// when elementwise_affine.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/nn/detail/dense.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit {

struct LayerNormOptions {
  double eps = 1e-5;  // BERT uses 1e-12
  bool elementwise_affine = true;
};

template <class T = float, class Backend = cpu>
class LayerNorm : public WithParameters<LayerNorm<T, Backend>> {
  static_assert(detail::dense_value_v<T>, "LayerNorm computes in float or double");

 public:
  using value_type = T;
  using backend_type = Backend;
  using Options = LayerNormOptions;

  explicit LayerNorm(std::int64_t dim, Options options = {}) : dim_(dim), options_(options) {
    detail::check_size("LayerNorm", "normalized_shape", dim);
    if (!(options.eps > 0.0) || !std::isfinite(options.eps)) {
      detail::raise<value_error>("LayerNorm: eps must be a positive finite number, got " +
                                 std::to_string(options.eps));
    }
    if (options_.elementwise_affine) {
      weight_ = detail::drawn_parameter<T, Backend>(Shape{dim}, init::ones(), 0);
      bias_ = detail::drawn_parameter<T, Backend>(Shape{dim}, init::zeros(), 0);
    }
  }

  std::int64_t dim() const noexcept { return dim_; }
  const Options& options() const noexcept { return options_; }
  TensorView<const T> weight() const { return weight_.view(); }
  TensorView<const T> bias() const { return bias_.view(); }

  Tensor<T, Backend> forward(TensorView<const T> x) const {
    detail::check_input("LayerNorm::forward", x.shape(), 1, Shape::max_rank, dim_, "[..., dim]");
    auto y = Tensor<T, Backend>::empty(x.shape());
    const bool affine = options_.elementwise_affine;
    Backend::pointwise::layer_norm(x.data(), detail::leading_positions(x.shape()), dim_,
                                   affine ? static_cast<const T*>(weight_.data()) : nullptr,
                                   affine ? static_cast<const T*>(bias_.data()) : nullptr,
                                   options_.eps, y.data());
    return y;
  }
  Tensor<T, Backend> forward(const Tensor<T, Backend>& x) const { return forward(x.cview()); }

 private:
  friend class WithParameters<LayerNorm>;
  template <class Self, class F>
  static void parameters(Self& self, F& f) {
    if (self.options_.elementwise_affine) {
      f("weight", self.weight_);
      f("bias", self.bias_);
    }
  }

  std::int64_t dim_ = 0;
  Options options_;
  Parameter<T, Backend> weight_, bias_;
};

}  // namespace embedkit
