// Linear<T, Backend>: y = x · weightᵀ + bias, torch.nn.Linear. weight is [out_features,
// in_features] (PyTorch's layout and state-dict names "weight", "bias"); x is [..., in] of any
// rank >= 1 and the product is one gemm over all leading positions.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/nn/detail/dense.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit {

struct LinearOptions {
  bool bias = true;
  // Seed of the initial draw; unset: the next seed of the per-process sequence (manual_seed).
  std::optional<std::uint64_t> seed = std::nullopt;
};

template <class T = float, class Backend = cpu>
class Linear : public WithParameters<Linear<T, Backend>> {
  static_assert(detail::dense_value_v<T>, "Linear computes in float or double");

 public:
  using value_type = T;
  using backend_type = Backend;
  using Options = LinearOptions;

  // PyTorch's initialisation: weight and bias uniform in +-1/sqrt(in_features).
  Linear(std::int64_t in_features, std::int64_t out_features, Options options = {})
      : in_(in_features), out_(out_features), has_bias_(options.bias) {
    detail::check_size("Linear", "in_features", in_features, 0);
    detail::check_size("Linear", "out_features", out_features, 0);
    const std::uint64_t seed = options.seed ? *options.seed : next_seed();
    const double bound = in_ > 0 ? 1.0 / std::sqrt(static_cast<double>(in_)) : 0.0;
    weight_ = detail::uniform_parameter<T, Backend>(Shape{out_, in_}, bound,
                                                    detail::parameter_seed(seed, 0));
    if (has_bias_)
      bias_ = detail::uniform_parameter<T, Backend>(Shape{out_}, bound,
                                                    detail::parameter_seed(seed, 1));
  }

  std::int64_t in_features() const noexcept { return in_; }
  std::int64_t out_features() const noexcept { return out_; }
  bool has_bias() const noexcept { return has_bias_; }
  TensorView<const T> weight() const { return weight_.view(); }
  // [out_features], or an empty view without a bias.
  TensorView<const T> bias() const {
    return has_bias_ ? bias_.view() : TensorView<const T>(nullptr, Shape{0});
  }

  Tensor<T, Backend> forward(TensorView<const T> x) const {
    detail::check_input("Linear::forward", x.shape(), 1, Shape::max_rank, in_,
                        "[..., in_features]");
    auto y = Tensor<T, Backend>::empty(detail::with_last_dim(x.shape(), out_));
    detail::linear_rows<Backend>(detail::leading_positions(x.shape()), out_, in_, x.data(), in_,
                                 weight_.data(), has_bias_ ? bias_.data() : nullptr, y.data(),
                                 out_);
    return y;
  }
  Tensor<T, Backend> forward(const Tensor<T, Backend>& x) const { return forward(x.cview()); }

 private:
  friend class WithParameters<Linear>;
  template <class Self, class F>
  static void parameters(Self& self, F& f) {
    f("weight", self.weight_);
    if (self.has_bias_) f("bias", self.bias_);
  }

  std::int64_t in_ = 0, out_ = 0;
  bool has_bias_ = true;
  Parameter<T, Backend> weight_, bias_;
};

}  // namespace embedkit
