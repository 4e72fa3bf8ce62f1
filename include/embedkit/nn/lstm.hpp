// LSTM<T, Backend>: torch.nn.LSTM (gates i, f, g, o; num_layers, bidirectional, batch_first,
// bias) over batches of variable-length sequences with the semantics of packed sequences:
// padding never enters a state, the reverse direction starts at each sequence's last real
// token, outputs at padding are zero, and h_n / c_n hold each sequence's state after its last
// real step. Parameters carry PyTorch's state-dict names (weight_ih_l0, ..., _reverse).
//
// Per layer and direction: one gemm projects every position's input (x · W_ihᵀ + b_ih), then
// each step is one gemm for the hidden projection (h · W_hhᵀ + b_hh) and one recurrent-op
// kernel for the cell.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "embedkit/backend/common/recurrent.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/nn/detail/dense.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit {

struct LSTMOptions {
  std::int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;  // input and output [B, L, .] instead of [L, B, .]
  bool bidirectional = false;
  std::optional<std::uint64_t> seed = std::nullopt;
};

template <class T = float, class Backend = cpu>
class LSTM : public WithParameters<LSTM<T, Backend>> {
  static_assert(detail::dense_value_v<T>, "LSTM computes in float or double");

 public:
  using value_type = T;
  using backend_type = Backend;
  using Options = LSTMOptions;

  struct Output {
    Tensor<T, Backend> output;  // [L, B, D * H] or [B, L, D * H] (batch_first)
    Tensor<T, Backend> h_n;     // [num_layers * D, B, H]
    Tensor<T, Backend> c_n;     // [num_layers * D, B, H]
  };

  // PyTorch's initialisation: every weight and bias uniform in +-1/sqrt(hidden_size).
  LSTM(std::int64_t input_size, std::int64_t hidden_size, Options options = {})
      : input_(input_size), hidden_(hidden_size), options_(options) {
    detail::check_size("LSTM", "input_size", input_);
    detail::check_size("LSTM", "hidden_size", hidden_);
    detail::check_size("LSTM", "num_layers", options_.num_layers);
    const std::uint64_t seed = options.seed ? *options.seed : next_seed();
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
    std::uint64_t k = 0;
    for (std::int64_t layer = 0; layer < options_.num_layers; ++layer) {
      for (std::int64_t dir = 0; dir < directions(); ++dir) {
        Cell cell;
        const std::int64_t in = layer == 0 ? input_ : directions() * hidden_;
        cell.w_ih = detail::uniform_parameter<T, Backend>(Shape{4 * hidden_, in}, bound,
                                                          detail::parameter_seed(seed, k++));
        cell.w_hh = detail::uniform_parameter<T, Backend>(Shape{4 * hidden_, hidden_}, bound,
                                                          detail::parameter_seed(seed, k++));
        if (options_.bias) {
          cell.b_ih = detail::uniform_parameter<T, Backend>(Shape{4 * hidden_}, bound,
                                                            detail::parameter_seed(seed, k++));
          cell.b_hh = detail::uniform_parameter<T, Backend>(Shape{4 * hidden_}, bound,
                                                            detail::parameter_seed(seed, k++));
        }
        const std::string suffix = "_l" + std::to_string(layer) + (dir == 1 ? "_reverse" : "");
        cell.names = {"weight_ih" + suffix, "weight_hh" + suffix, "bias_ih" + suffix,
                      "bias_hh" + suffix};
        cells_.push_back(std::move(cell));
      }
    }
  }

  std::int64_t input_size() const noexcept { return input_; }
  std::int64_t hidden_size() const noexcept { return hidden_; }
  std::int64_t num_layers() const noexcept { return options_.num_layers; }
  std::int64_t directions() const noexcept { return options_.bidirectional ? 2 : 1; }
  const Options& options() const noexcept { return options_; }

  // x: [L, B, input_size], or [B, L, input_size] with batch_first. lengths: one per sample
  // (host memory), 0 <= length <= L; empty: every sample has length L. A sample of length 0
  // gives zero outputs and a zero final state (PyTorch refuses to pack it).
  Output forward(TensorView<const T> x, std::span<const std::int64_t> lengths = {}) const {
    const Shape& s = x.shape();
    if (s.rank() != 3 || s[2] != input_) {
      detail::raise<shape_error>("LSTM::forward: input has shape " + s.str() + ", expected " +
                                 (options_.batch_first ? "[B, L, " : "[L, B, ") +
                                 std::to_string(input_) + "] (input_size " +
                                 std::to_string(input_) + ")");
    }
    const bool bf = options_.batch_first;
    const std::int64_t B = bf ? s[0] : s[1];
    const std::int64_t L = bf ? s[1] : s[0];
    const std::vector<std::int64_t> len = checked_lengths(lengths, B, L);
    const std::int64_t steps = len.empty() ? 0 : *std::max_element(len.begin(), len.end());
    const auto device_len = to<Backend>(
        Tensor<std::int64_t, cpu>::copy_of(TensorView<const std::int64_t>(len.data(), Shape{B})));

    const std::int64_t H = hidden_, D = directions();
    const Shape out_shape = bf ? Shape{B, L, D * H} : Shape{L, B, D * H};
    Output r{Tensor<T, Backend>::zeros(out_shape),
             Tensor<T, Backend>::zeros(Shape{options_.num_layers * D, B, H}),
             Tensor<T, Backend>::zeros(Shape{options_.num_layers * D, B, H})};
    if (steps == 0) return r;  // no sequence has a token: zero outputs, zero states
    // Strides of a [.., .., width] tensor in this layout, per sample and per position.
    auto batch_stride = [&](std::int64_t width) { return bf ? L * width : width; };
    auto time_stride = [&](std::int64_t width) { return bf ? width : B * width; };

    auto xw = Tensor<T, Backend>::empty(Shape{B, L, 4 * H});
    auto hw = Tensor<T, Backend>::empty(Shape{B, 4 * H});
    Tensor<T, Backend> below;  // the previous layer's output (the next layer's input)
    for (std::int64_t layer = 0; layer < options_.num_layers; ++layer) {
      const T* in = layer == 0 ? x.data() : below.data();
      const std::int64_t in_dim = layer == 0 ? input_ : D * H;
      auto out = layer + 1 == options_.num_layers ? std::move(r.output)
                                                  : Tensor<T, Backend>::zeros(out_shape);
      for (std::int64_t dir = 0; dir < D; ++dir) {
        const Cell& cell = cells_[static_cast<std::size_t>(layer * D + dir)];
        project_inputs(cell, in, in_dim, B, L, batch_stride(in_dim), time_stride(in_dim),
                       xw.data());
        detail::LstmStep<T> step;
        step.batch = B;
        step.length = L;
        step.hidden = H;
        step.reverse = dir == 1;
        step.lengths = device_len.data();
        step.xw = xw.data();
        step.hw = hw.data();
        step.h = r.h_n.data() + (layer * D + dir) * B * H;
        step.c = r.c_n.data() + (layer * D + dir) * B * H;
        step.out = out.data() + dir * H;
        step.out_batch_stride = batch_stride(D * H);
        step.out_time_stride = time_stride(D * H);
        for (std::int64_t t = 0; t < steps; ++t) {
          detail::linear_rows<Backend>(B, 4 * H, H, step.h, H, cell.w_hh.data(), bias_of(cell.b_hh),
                                       hw.data(), 4 * H);
          step.step = t;
          Backend::recurrent::lstm_step(step);
        }
      }
      if (layer + 1 == options_.num_layers) {
        r.output = std::move(out);
      } else {
        below = std::move(out);
      }
    }
    return r;
  }

 private:
  friend class WithParameters<LSTM>;
  template <class Self, class F>
  static void parameters(Self& self, F& f) {
    for (auto& cell : self.cells_) {
      f(cell.names[0], cell.w_ih);
      f(cell.names[1], cell.w_hh);
      if (self.options_.bias) {
        f(cell.names[2], cell.b_ih);
        f(cell.names[3], cell.b_hh);
      }
    }
  }

  struct Cell {
    Parameter<T, Backend> w_ih, w_hh, b_ih, b_hh;
    std::vector<std::string> names;
  };

  const T* bias_of(const Parameter<T, Backend>& b) const {
    return options_.bias ? static_cast<const T*>(b.data()) : nullptr;
  }

  // xw[b, t, :] = x(b, t) · W_ihᵀ + b_ih: one gemm over every position when the input is
  // batch-major and contiguous, else one per sample over its strided rows.
  void project_inputs(const Cell& cell, const T* in, std::int64_t in_dim, std::int64_t B,
                      std::int64_t L, std::int64_t bstride, std::int64_t tstride, T* xw) const {
    const std::int64_t G = 4 * hidden_;
    if (tstride == in_dim && bstride == L * in_dim) {
      detail::linear_rows<Backend>(B * L, G, in_dim, in, in_dim, cell.w_ih.data(),
                                   bias_of(cell.b_ih), xw, G);
      return;
    }
    for (std::int64_t b = 0; b < B; ++b) {
      detail::linear_rows<Backend>(L, G, in_dim, in + b * bstride, tstride, cell.w_ih.data(),
                                   bias_of(cell.b_ih), xw + b * L * G, G);
    }
  }

  static std::vector<std::int64_t> checked_lengths(std::span<const std::int64_t> lengths,
                                                   std::int64_t B, std::int64_t L) {
    if (lengths.empty()) return std::vector<std::int64_t>(static_cast<std::size_t>(B), L);
    if (static_cast<std::int64_t>(lengths.size()) != B) {
      detail::raise<shape_error>("LSTM::forward: " + std::to_string(lengths.size()) +
                                 " lengths for a batch of " + std::to_string(B) + " sequences");
    }
    for (std::size_t b = 0; b < lengths.size(); ++b) {
      if (lengths[b] < 0 || lengths[b] > L) {
        detail::raise<value_error>("LSTM::forward: length " + std::to_string(lengths[b]) +
                                   " of sequence " + std::to_string(b) + " is outside [0, " +
                                   std::to_string(L) + "] (the padded length)");
      }
    }
    return {lengths.begin(), lengths.end()};
  }

  std::int64_t input_ = 0, hidden_ = 0;
  Options options_;
  std::vector<Cell> cells_;  // layer-major, forward then reverse
};

}  // namespace embedkit
