// The cuda conv op (backend/common/conv.hpp): im2col for 1-D convolutions, one thread per
// element of cols (grid-stride), so consecutive threads write consecutive columns of a row;
// and the per-channel bias of a [batch, channels, length] result, one thread per element.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "embedkit/backend/common/conv.hpp"
#include "embedkit/backend/cuda/basic.cuh"

namespace embedkit::detail {

// cols[(b * out_length + t) * width + c * kernel + j], width = channels * kernel.
template <class T>
__global__ void unfold_kernel(const UnfoldProblem<T> p, std::int64_t width, std::int64_t total) {
  for (std::int64_t i = global_thread(); i < total; i += grid_threads()) {
    const std::int64_t r = i / width, col = i - r * width;
    const std::int64_t b = r / p.out_length, t = r - b * p.out_length;
    const std::int64_t c = col / p.kernel, j = col - c * p.kernel;
    const std::int64_t s = t * p.stride - p.pad_left + j * p.dilation;
    p.cols[i] = s >= 0 && s < p.length
                    ? p.x[b * p.batch_stride + c * p.channel_stride + s * p.time_stride]
                    : T(0);
  }
}

// y[b, c, t] += bias[c]: element i of y is in channel (i / length) % channels.
template <class T>
__global__ void channel_bias_kernel(T* y, std::int64_t channels, std::int64_t length,
                                    const T* bias, std::int64_t total) {
  for (std::int64_t i = global_thread(); i < total; i += grid_threads()) {
    y[i] += bias[(i / length) % channels];
  }
}

struct cuda_conv_ops {
  template <class T>
  static void unfold(const UnfoldProblem<T>& p) {
    const std::int64_t width = p.channels * p.kernel;
    if (p.batch <= 0 || p.out_length <= 0 || width <= 0) return;
    const std::int64_t total = p.batch * p.out_length * width;
    launch("unfold_kernel", total, unfold_kernel<T>, p, width, total);
  }

  template <class T>
  static void add_channel_bias(T* y, std::int64_t batch, std::int64_t channels, std::int64_t length,
                               const T* bias) {
    if (batch <= 0 || channels <= 0 || length <= 0) return;
    const std::int64_t total = batch * channels * length;
    launch("channel_bias_kernel", total, channel_bias_kernel<T>, y, channels, length, bias, total);
  }
};

}  // namespace embedkit::detail
