// Dropout at inference: the identity, as torch.nn.Dropout in eval mode. embedkit runs trained
// models, so the layer exists to keep model definitions one-to-one with PyTorch's; its
// probability is still validated as PyTorch does.
#pragma once

#include <cmath>
#include <string>

#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"

namespace embedkit {

class Dropout {
 public:
  explicit Dropout(double p = 0.5) : p_(p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      detail::raise<value_error>("Dropout: probability must be in [0, 1], got " +
                                 std::to_string(p));
    }
  }
  double p() const noexcept { return p_; }

  // Returns its input: no element is dropped or rescaled at inference.
  template <class T, class Backend>
  const Tensor<T, Backend>& forward(const Tensor<T, Backend>& x) const noexcept {
    return x;
  }

 private:
  double p_;
};

}  // namespace embedkit
