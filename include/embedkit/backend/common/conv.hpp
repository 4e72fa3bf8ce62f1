// The conv op: unfolding (im2col) for a 1-D convolution, after which the convolution is one
// gemm per sample. Input and output layouts are given by strides, so the same kernel serves
// PyTorch's [B, C, L] and the encoders' channels-last [B, L, C].
//
// unfold(p): for every sample b, output position t < out_length, channel c < channels and tap
//   j < kernel: cols[b][t, c * kernel + j] = x[b, c, t * stride + j * dilation - pad_left], or 0
//   where that position is outside [0, length) (zero padding). cols is [batch, out_length,
//   channels * kernel], contiguous. x[b, c, s] is at x + b * batch_stride + c * channel_stride
//   + s * time_stride.
// add_channel_bias(y, batch, channels, length, bias): y[b, c, t] += bias[c] for y [batch,
//   channels, length] contiguous (PyTorch's layout, where the bias runs down columns of each
//   sample's [channels, length] product and so cannot ride on the gemm's per-column bias).
#pragma once

#include <concepts>
#include <cstdint>

namespace embedkit::detail {

template <class T>
struct UnfoldProblem {
  const T* x = nullptr;
  std::int64_t batch = 0, channels = 0, length = 0;
  std::int64_t batch_stride = 0, channel_stride = 0, time_stride = 0;
  std::int64_t kernel = 1, stride = 1, dilation = 1, pad_left = 0;
  std::int64_t out_length = 0;
  T* cols = nullptr;
};

template <class K>
concept ConvOps = requires(const UnfoldProblem<float>& p, float* y, const float* bias,
                           std::int64_t n) {
  K::unfold(p);
  K::add_channel_bias(y, n, n, n, bias);
};

}  // namespace embedkit::detail
