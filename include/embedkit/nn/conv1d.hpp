// Conv1d<T, Backend>: torch.nn.Conv1d (groups 1, zero padding): weight [out, in, kernel],
// bias [out]. Computed as an unfold (im2col) and one gemm, in PyTorch's [B, C, L] layout or
// channels-last [B, L, C], the layout of token sequences (the encoders use that one and skip
// two transposes).
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "embedkit/backend/common/conv.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/nn/detail/dense.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit {

struct Conv1dOptions {
  std::int64_t stride = 1;
  std::int64_t padding = 0;   // zeros on both sides
  bool padding_same = false;  // PyTorch's padding='same' (stride 1): output length = input length;
                              // an odd total goes one more zero on the right
  std::int64_t dilation = 1;
  bool bias = true;
  std::optional<std::uint64_t> seed = std::nullopt;
};

template <class T = float, class Backend = cpu>
class Conv1d : public WithParameters<Conv1d<T, Backend>> {
  static_assert(detail::dense_value_v<T>, "Conv1d computes in float or double");

 public:
  using value_type = T;
  using backend_type = Backend;
  using Options = Conv1dOptions;

  // PyTorch's initialisation: weight and bias uniform in +-1/sqrt(in_channels * kernel_size).
  Conv1d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
         Options options = {})
      : in_(in_channels), out_(out_channels), k_(kernel_size), options_(options) {
    detail::check_size("Conv1d", "in_channels", in_);
    detail::check_size("Conv1d", "out_channels", out_);
    detail::check_size("Conv1d", "kernel_size", k_);
    detail::check_size("Conv1d", "stride", options_.stride);
    detail::check_size("Conv1d", "dilation", options_.dilation);
    detail::check_size("Conv1d", "padding", options_.padding, 0);
    if (options_.padding_same && options_.stride != 1) {
      detail::raise<value_error>("Conv1d: padding='same' needs stride 1, got stride " +
                                 std::to_string(options_.stride));
    }
    const std::int64_t total = options_.dilation * (k_ - 1);
    pad_left_ = options_.padding_same ? total / 2 : options_.padding;
    pad_right_ = options_.padding_same ? total - total / 2 : options_.padding;
    const std::uint64_t seed = options.seed ? *options.seed : next_seed();
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_ * k_));
    weight_ = detail::uniform_parameter<T, Backend>(Shape{out_, in_, k_}, bound,
                                                    detail::parameter_seed(seed, 0));
    if (options_.bias)
      bias_ = detail::uniform_parameter<T, Backend>(Shape{out_}, bound,
                                                    detail::parameter_seed(seed, 1));
  }

  std::int64_t in_channels() const noexcept { return in_; }
  std::int64_t out_channels() const noexcept { return out_; }
  std::int64_t kernel_size() const noexcept { return k_; }
  const Options& options() const noexcept { return options_; }
  TensorView<const T> weight() const { return weight_.view(); }
  TensorView<const T> bias() const {
    return options_.bias ? bias_.view() : TensorView<const T>(nullptr, Shape{0});
  }

  // The output length for an input of `length` positions; a shape_error when the dilated
  // kernel does not fit the padded input (PyTorch's rule).
  std::int64_t output_length(std::int64_t length, const char* where = "Conv1d") const {
    const std::int64_t padded = length + pad_left_ + pad_right_;
    const std::int64_t span = options_.dilation * (k_ - 1) + 1;
    if (padded < span) {
      detail::raise<shape_error>(
          std::string(where) + ": the padded input has " + std::to_string(padded) +
          " positions, fewer than the dilated kernel's " + std::to_string(span) +
          " (input length " + std::to_string(length) + ")");
    }
    return (padded - span) / options_.stride + 1;
  }

  // x [B, C_in, L] -> [B, C_out, L_out] (PyTorch's layout).
  Tensor<T, Backend> forward(TensorView<const T> x) const {
    detail::check_conv_input("Conv1d::forward", x.shape(),
                             x.shape().rank() == 3 ? x.shape()[1] : -1, in_, "[B, in_channels, L]");
    const std::int64_t B = x.shape()[0], L = x.shape()[2];
    const std::int64_t lo = output_length(L, "Conv1d::forward");
    const auto cols = unfold(x.data(), B, L, /*batch_stride=*/in_ * L, /*channel_stride=*/L,
                             /*time_stride=*/1, lo);
    auto y = Tensor<T, Backend>::empty(Shape{B, out_, lo});
    // y[b] [C_out, L_out] = weight [C_out, C_in * k] · cols[b]ᵀ, then the bias down each row.
    for (std::int64_t b = 0; b < B; ++b) {
      detail::GemmProblem<T> p;
      p.m = out_;
      p.n = lo;
      p.k = in_ * k_;
      p.a = weight_.data();
      p.lda = in_ * k_;
      p.b = cols.data() + b * lo * in_ * k_;
      p.ldb = in_ * k_;
      p.b_transposed = true;
      p.c = y.data() + b * out_ * lo;
      p.ldc = lo;
      Backend::gemm::gemm(p);
    }
    if (options_.bias)
      Backend::conv::add_channel_bias(y.data(), B, out_, lo, static_cast<const T*>(bias_.data()));
    return y;
  }
  Tensor<T, Backend> forward(const Tensor<T, Backend>& x) const { return forward(x.cview()); }

  // x [B, L, C_in] -> [B, L_out, C_out]: the same numbers as forward, transposed.
  Tensor<T, Backend> forward_channels_last(TensorView<const T> x) const {
    detail::check_conv_input("Conv1d::forward_channels_last", x.shape(),
                             x.shape().rank() == 3 ? x.shape()[2] : -1, in_, "[B, L, in_channels]");
    const std::int64_t B = x.shape()[0], L = x.shape()[1];
    const std::int64_t lo = output_length(L, "Conv1d::forward_channels_last");
    const auto cols = unfold(x.data(), B, L, /*batch_stride=*/L * in_, /*channel_stride=*/1,
                             /*time_stride=*/in_, lo);
    auto y = Tensor<T, Backend>::empty(Shape{B, lo, out_});
    detail::linear_rows<Backend>(B * lo, out_, in_ * k_, cols.data(), in_ * k_, weight_.data(),
                                 options_.bias ? static_cast<const T*>(bias_.data()) : nullptr,
                                 y.data(), out_);
    return y;
  }
  Tensor<T, Backend> forward_channels_last(const Tensor<T, Backend>& x) const {
    return forward_channels_last(x.cview());
  }

 private:
  friend class WithParameters<Conv1d>;
  template <class Self, class F>
  static void parameters(Self& self, F& f) {
    f("weight", self.weight_);
    if (self.options_.bias) f("bias", self.bias_);
  }

  Tensor<T, Backend> unfold(const T* x, std::int64_t B, std::int64_t L, std::int64_t batch_stride,
                            std::int64_t channel_stride, std::int64_t time_stride,
                            std::int64_t lo) const {
    auto cols = Tensor<T, Backend>::empty(Shape{B, lo, in_ * k_});
    detail::UnfoldProblem<T> p;
    p.x = x;
    p.batch = B;
    p.channels = in_;
    p.length = L;
    p.batch_stride = batch_stride;
    p.channel_stride = channel_stride;
    p.time_stride = time_stride;
    p.kernel = k_;
    p.stride = options_.stride;
    p.dilation = options_.dilation;
    p.pad_left = pad_left_;
    p.out_length = lo;
    p.cols = cols.data();
    Backend::conv::unfold(p);
    return cols;
  }

  std::int64_t in_ = 0, out_ = 0, k_ = 1;
  Options options_;
  std::int64_t pad_left_ = 0, pad_right_ = 0;
  Parameter<T, Backend> weight_, bias_;
};

}  // namespace embedkit
