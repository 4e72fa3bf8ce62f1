// What the dense layers (Linear, Conv1d, LSTM, LayerNorm) share: PyTorch's default
// initialisation as Parameters, the per-parameter seeds one layer seed expands to, the input
// checks and the gemm calls they are built from.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "embedkit/backend/common/gemm.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/nn/init.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit::detail {

// The dense layers compute in float or double (Eigen's GEMM; PyTorch's nn layers in their
// default dtypes).
template <class T>
inline constexpr bool dense_value_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

// The seed of a layer's k-th parameter: distinct, well-mixed streams from one layer seed
// (splitmix64 of seed + k * golden ratio), so weight and bias never share draws.
inline std::uint64_t parameter_seed(std::uint64_t seed, std::uint64_t k) noexcept {
  std::uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A parameter of `shape` drawn from `ini` on the host and moved to Backend.
template <class T, class Backend>
Parameter<T, Backend> drawn_parameter(const Shape& shape, const init::Initializer& ini,
                                      std::uint64_t seed) {
  auto host = Tensor<T, cpu>::empty(shape);
  init::fill(host.view(), ini, seed);
  return Parameter<T, Backend>(to<Backend>(std::move(host)));
}

// PyTorch's default for Linear, Conv1d and LSTM weights and biases: U(-bound, bound).
template <class T, class Backend>
Parameter<T, Backend> uniform_parameter(const Shape& shape, double bound, std::uint64_t seed) {
  return drawn_parameter<T, Backend>(shape, init::uniform(-bound, bound), seed);
}

// A size a layer is built with: `what` of `layer` must be >= minimum.
inline void check_size(const char* layer, const char* what, std::int64_t v,
                       std::int64_t minimum = 1) {
  if (v < minimum) {
    raise<value_error>(std::string(layer) + ": " + what + " must be >= " + std::to_string(minimum) +
                       ", got " + std::to_string(v));
  }
}

// x has rank in [min_rank, max_rank] and its last dimension is `last`.
inline void check_input(const char* where, const Shape& s, int min_rank, int max_rank,
                        std::int64_t last, const char* expected) {
  if (s.rank() < min_rank || s.rank() > max_rank || s[s.rank() - 1] != last) {
    raise<shape_error>(std::string(where) + ": input has shape " + s.str() + ", expected " +
                       expected + " with last dimension " + std::to_string(last));
  }
}

// A convolution's input: rank 3 with `channels` (the extent in the channel position, -1 when
// the rank is wrong) equal to `expected`.
inline void check_conv_input(const char* where, const Shape& s, std::int64_t channels,
                             std::int64_t expected, const char* layout) {
  if (s.rank() != 3 || channels != expected) {
    raise<shape_error>(std::string(where) + ": input has shape " + s.str() + ", expected " +
                       layout + " with in_channels " + std::to_string(expected));
  }
}

// s with its last extent replaced by `last` (rank >= 1).
inline Shape with_last_dim(const Shape& s, std::int64_t last) {
  std::vector<std::int64_t> d(s.dims().begin(), s.dims().end());
  d.back() = last;
  return Shape(std::span<const std::int64_t>(d));
}

// The number of positions of a [..., d] tensor: the product of every extent but the last.
inline std::int64_t leading_positions(const Shape& s) {
  std::int64_t n = 1;
  for (int k = 0; k + 1 < s.rank(); ++k) n *= s[k];
  return n;
}

// c = a · wᵀ (+ bias) for a [m, k] (row stride lda), w [n, k] (PyTorch's weight layout).
template <class Backend, class T>
void linear_rows(std::int64_t m, std::int64_t n, std::int64_t k, const T* a, std::int64_t lda,
                 const T* w, const T* bias, T* c, std::int64_t ldc) {
  GemmProblem<T> p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.a = a;
  p.lda = lda;
  p.b = w;
  p.ldb = k;
  p.b_transposed = true;
  p.c = c;
  p.ldc = ldc;
  p.bias = bias;
  Backend::gemm::gemm(p);
}

}  // namespace embedkit::detail
