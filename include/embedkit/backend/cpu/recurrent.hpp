// The cpu recurrent op (backend/common/recurrent.hpp): the LSTM cell of one time step, parallel
// over the samples of the batch that are still inside their sequence. The gates are computed a
// SIMD register at a time with xsimd's exp and tanh (a few ulp from libm's, within the golden
// tolerances): the cell's transcendentals, one scalar libm call each, took more time than the
// step's gemm.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "embedkit/backend/common/recurrent.hpp"
#include "embedkit/core/host/parallel.hpp"

namespace embedkit::detail {

struct cpu_recurrent_ops {
  template <class T>
  static void lstm_step(const LstmStep<T>& p) {
    const std::int64_t H = p.hidden;
    parallel_for(p.batch, std::max<std::int64_t>(1, 2048 / std::max<std::int64_t>(H, 1)),
                 [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) {
        const std::int64_t len = p.lengths[b];
        if (p.step >= len) continue;
        const std::int64_t t = p.reverse ? len - 1 - p.step : p.step;
        const T* zx = p.xw + (b * p.length + t) * 4 * H;
        const T* zh = p.hw + b * 4 * H;
        T* c = p.c + b * H;
        T* h = p.h + b * H;
        T* out = p.out + b * p.out_batch_stride + t * p.out_time_stride;
        std::int64_t j = 0;
        using batch = xsimd::batch<T>;
        constexpr auto W = static_cast<std::int64_t>(batch::size);
        for (; j + W <= H; j += W) {
          const batch one(T(1));
          auto gate = [&](std::int64_t k) {
            return batch::load_unaligned(zx + k * H + j) + batch::load_unaligned(zh + k * H + j);
          };
          const batch i = one / (one + xsimd::exp(-gate(0)));
          const batch f = one / (one + xsimd::exp(-gate(1)));
          const batch g = xsimd::tanh(gate(2));
          const batch o = one / (one + xsimd::exp(-gate(3)));
          const batch cn = f * batch::load_unaligned(c + j) + i * g;
          const batch hn = o * xsimd::tanh(cn);
          cn.store_unaligned(c + j);
          hn.store_unaligned(h + j);
          hn.store_unaligned(out + j);
        }
        for (; j < H; ++j) {
          const T i = sigmoid(zx[j] + zh[j]);
          const T f = sigmoid(zx[H + j] + zh[H + j]);
          const T g = std::tanh(zx[2 * H + j] + zh[2 * H + j]);
          const T o = sigmoid(zx[3 * H + j] + zh[3 * H + j]);
          c[j] = f * c[j] + i * g;
          h[j] = o * std::tanh(c[j]);
          out[j] = h[j];
        }
      }
    });
  }

 private:
  template <class T>
  static T sigmoid(T x) noexcept {
    return T(1) / (T(1) + std::exp(-x));
  }
};

}  // namespace embedkit::detail
