// The cuda recurrent op (backend/common/recurrent.hpp): the LSTM cell of one time step, one
// thread per (sample, hidden unit). A unit reads its four gates' pre-activations and updates
// only its own c and h, so threads never share state; samples past their length return
// without touching anything.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "embedkit/backend/common/recurrent.hpp"
#include "embedkit/backend/cuda/basic.cuh"

namespace embedkit::detail {

template <class T>
__device__ inline T lstm_sigmoid(T x) {
  return T(1) / (T(1) + exp(-x));
}

template <class T>
__global__ void lstm_step_kernel(const LstmStep<T> p) {
  const std::int64_t H = p.hidden;
  const std::int64_t total = p.batch * H;
  for (std::int64_t k = global_thread(); k < total; k += grid_threads()) {
    const std::int64_t b = k / H, j = k - b * H;
    const std::int64_t len = p.lengths[b];
    if (p.step >= len) continue;
    const std::int64_t t = p.reverse ? len - 1 - p.step : p.step;
    const T* zx = p.xw + (b * p.length + t) * 4 * H;
    const T* zh = p.hw + b * 4 * H;
    const T i = lstm_sigmoid(zx[j] + zh[j]);
    const T f = lstm_sigmoid(zx[H + j] + zh[H + j]);
    const T g = tanh(zx[2 * H + j] + zh[2 * H + j]);
    const T o = lstm_sigmoid(zx[3 * H + j] + zh[3 * H + j]);
    const T c = f * p.c[k] + i * g;
    const T h = o * tanh(c);
    p.c[k] = c;
    p.h[k] = h;
    p.out[b * p.out_batch_stride + t * p.out_time_stride + j] = h;
  }
}

struct cuda_recurrent_ops {
  template <class T>
  static void lstm_step(const LstmStep<T>& p) {
    if (p.batch <= 0 || p.hidden <= 0) return;
    launch("lstm_step_kernel", p.batch * p.hidden, lstm_step_kernel<T>, p);
  }
};

}  // namespace embedkit::detail
