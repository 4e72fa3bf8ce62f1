// The recurrent op: one time step of an LSTM direction over a batch of variable-length
// sequences, after the layer has computed the input projections of every position (one gemm)
// and the hidden projection of this step (one gemm). Sequences are packed as PyTorch packs
// them: a sequence takes part in step s only while s < its length, the forward direction
// visits positions 0, 1, ..., len - 1 and the reverse direction len - 1, ..., 0; padding never
// enters a state.
//
// lstm_step(p): for every sample b with p.step < lengths[b]:
//   t = reverse ? lengths[b] - 1 - step : step
//   z = xw[b, t, :] + hw[b, :]                       (4H values, gates in PyTorch's order i f g o)
//   i = sigmoid(z[0:H]), f = sigmoid(z[H:2H]), g = tanh(z[2H:3H]), o = sigmoid(z[3H:4H])
//   c[b] = f * c[b] + i * g;  h[b] = o * tanh(c[b]);  out(b, t)[0:H] = h[b]
// Samples past their length keep c and h unchanged. xw is [batch, length, 4H] contiguous; hw
// [batch, 4H]; c and h [batch, H]; out(b, t) = out + b * out_batch_stride + t * out_time_stride
// (batch-major or time-major output, whichever the layer returns).
#pragma once

#include <concepts>
#include <cstdint>

namespace embedkit::detail {

template <class T>
struct LstmStep {
  std::int64_t batch = 0, length = 0, hidden = 0;
  std::int64_t step = 0;
  bool reverse = false;
  const std::int64_t* lengths = nullptr;
  const T* xw = nullptr;
  const T* hw = nullptr;
  T* c = nullptr;
  T* h = nullptr;
  T* out = nullptr;
  std::int64_t out_batch_stride = 0, out_time_stride = 0;
};

template <class K>
concept RecurrentOps = requires(const LstmStep<float>& p) {
  K::lstm_step(p);
};

}  // namespace embedkit::detail
