// L2 normalisation of embeddings: sentence-transformers' Normalize module, which is
// torch.nn.functional.normalize(x, p=2, dim=1): every row divided by max(||row||_2, 1e-12),
// so a zero row stays zero. normalize() works in place; Normalize is the same as a layer that
// returns a new tensor. The arithmetic is Backend::pointwise::normalize.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {

namespace detail {

// torch.nn.functional.normalize's default eps.
inline constexpr double normalize_eps = 1e-12;

inline void check_normalize_input(const char* where, const Shape& s) {
  if (s.rank() != 2) {
    raise<shape_error>(std::string(where) + ": x has shape " + s.str() +
                       "; expected rank 2 [rows, dim] (one embedding per row)");
  }
}

}  // namespace detail

// Divides each row of the rank-2 tensor x by max(its L2 norm, 1e-12), in place.
template <class T, class Backend>
void normalize(Tensor<T, Backend>& x) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "normalize computes in float or double");
  detail::check_normalize_input("normalize", x.shape());
  if (x.numel() == 0) return;
  Backend::pointwise::normalize(x.data(), x.size(0), x.size(1), detail::normalize_eps);
}

template <class T = float, class Backend = cpu>
class Normalize {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "Normalize computes in float or double");

 public:
  using value_type = T;
  using backend_type = Backend;

  // A normalised copy of x ([rows, dim] in Backend memory).
  Tensor<T, Backend> forward(TensorView<const T> x) const {
    detail::check_normalize_input("Normalize::forward", x.shape());
    auto out = Tensor<T, Backend>::copy_of(x);
    normalize(out);
    return out;
  }
  // x itself, normalised in place (a pooled batch nobody else holds).
  Tensor<T, Backend> forward(Tensor<T, Backend>&& x) const {
    detail::check_normalize_input("Normalize::forward", x.shape());
    normalize(x);
    return std::move(x);
  }
};

}  // namespace embedkit
