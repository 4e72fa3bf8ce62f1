// Activations as layer-level calls on tensors of any backend: ek::activate(a, x) applies one
// of core/activation.hpp's functions in place through the backend's pointwise op.
#pragma once

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/activation.hpp"
#include "embedkit/core/tensor.hpp"

namespace embedkit {

template <class T, class Backend>
void activate(Activation a, Tensor<T, Backend>& x) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "activations compute in float or double");
  Backend::pointwise::activate(a, x.data(), x.numel());
}

// A copy of x with the activation applied.
template <class T, class Backend>
Tensor<T, Backend> activated(Activation a, const Tensor<T, Backend>& x) {
  Tensor<T, Backend> y = x;
  activate(a, y);
  return y;
}

}  // namespace embedkit
