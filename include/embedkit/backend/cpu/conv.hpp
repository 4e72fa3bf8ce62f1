// The cpu conv op (backend/common/conv.hpp): im2col for 1-D convolutions, parallel over
// (sample, output position) rows; each row is written once, left to right.
#pragma once

#include <algorithm>
#include <cstdint>

#include "embedkit/backend/common/conv.hpp"
#include "embedkit/core/host/parallel.hpp"

namespace embedkit::detail {

struct cpu_conv_ops {
  template <class T>
  static void unfold(const UnfoldProblem<T>& p) {
    const std::int64_t width = p.channels * p.kernel;
    const std::int64_t grain = std::max<std::int64_t>(1, 8192 / std::max<std::int64_t>(width, 1));
    parallel_for(p.batch * p.out_length, grain,
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t b = r / p.out_length;
        const std::int64_t t = r % p.out_length;
        const T* xb = p.x + b * p.batch_stride;
        T* row = p.cols + r * width;
        const std::int64_t start = t * p.stride - p.pad_left;
        for (std::int64_t c = 0; c < p.channels; ++c) {
          const T* xc = xb + c * p.channel_stride;
          for (std::int64_t j = 0; j < p.kernel; ++j) {
            const std::int64_t s = start + j * p.dilation;
            row[c * p.kernel + j] = (s >= 0 && s < p.length) ? xc[s * p.time_stride] : T(0);
          }
        }
      }
    });
  }

  template <class T>
  static void add_channel_bias(T* y, std::int64_t batch, std::int64_t channels, std::int64_t length,
                               const T* bias) {
    const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(length, 1));
    parallel_for(batch * channels, grain,
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const T v = bias[r % channels];
        T* row = y + r * length;
        for (std::int64_t t = 0; t < length; ++t) row[t] += v;
      }
    });
  }
};

}  // namespace embedkit::detail
