// to<Backend>(...): the one way data moves between memory spaces. It always copies, so a
// transfer is visible in the code that pays for it (as .to(device) in PyTorch).
//
//   ek::Tensor<float, ek::cuda> d = ek::to<ek::cuda>(host_tensor);   // host -> device
//   ek::Tensor<float> h = ek::to<ek::cpu>(d);                         // device -> host
//
// A TensorView carries no memory space: to<B>(view) reads host memory. Device views are
// copied with to<B>(tensor) or, inside a backend, through its memory policy.
#pragma once

#include <type_traits>
#include <utility>

#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {
namespace detail {

// Copies `bytes` bytes from memory of backend From to memory of backend To. One of the two is
// the host (cpu), or both are the same backend.
template <class To, class From>
void transfer_bytes(void* dst, const void* src, std::size_t bytes) {
  if constexpr (std::is_same_v<To, From>) {
    memory_of<To>::copy_bytes(dst, src, bytes);
  } else if constexpr (std::is_same_v<To, cpu>) {
    memory_of<From>::copy_to_host(dst, src, bytes);
  } else {
    static_assert(std::is_same_v<From, cpu>,
                  "to<>: transfers go through the host (one side must be ek::cpu)");
    memory_of<To>::copy_from_host(dst, src, bytes);
  }
}

// A host copy of the memory of backend From that `v` names (a layer's argument, say).
template <class From, class T>
Tensor<std::remove_const_t<T>, cpu> host_copy(TensorView<T> v) {
  auto out = Tensor<std::remove_const_t<T>, cpu>::empty(v.shape());
  transfer_bytes<cpu, From>(out.data(), v.data(), out.bytes());
  return out;
}

}  // namespace detail

// A copy of `t` in the memory of backend To.
template <class To, class T, class From>
Tensor<T, To> to(const Tensor<T, From>& t) {
  auto out = Tensor<T, To>::empty(t.shape());
  detail::transfer_bytes<To, From>(out.data(), t.data(), t.bytes());
  return out;
}

// A host tensor in the memory of backend To: moved, not copied, when To is the host.
template <class To, class T>
Tensor<T, To> to(Tensor<T, cpu>&& t) {
  if constexpr (std::is_same_v<To, cpu>) {
    return std::move(t);
  } else {
    return to<To>(static_cast<const Tensor<T, cpu>&>(t));
  }
}

// A copy of the host memory `v` names, in the memory of backend To.
template <class To, class T>
Tensor<std::remove_const_t<T>, To> to(TensorView<T> v) {
  auto out = Tensor<std::remove_const_t<T>, To>::empty(v.shape());
  detail::transfer_bytes<To, cpu>(out.data(), v.data(), out.bytes());
  return out;
}

}  // namespace embedkit
