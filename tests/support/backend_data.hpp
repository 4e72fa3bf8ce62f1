// Moving test data between the host and a backend's memory. Layers of backend B take views of
// B's memory, so a test builds its inputs on the host, copies them with on<B>(), passes
// .cview() to the layer and reads results back with host(). With B = ek::cpu every copy is a
// plain host copy, so code written with these helpers checks either backend.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace embedkit_test {

// A tensor in B's memory holding `values` (row-major, `shape.numel()` of them).
template <class B, class T>
embedkit::Tensor<T, B> on(const std::vector<T>& values, embedkit::Shape shape) {
  return embedkit::to<B>(embedkit::TensorView<const T>(values.empty() ? nullptr : values.data(), shape));
}

// The same, 1-D.
template <class B, class T>
embedkit::Tensor<T, B> on(const std::vector<T>& values) {
  return on<B>(values, embedkit::Shape{static_cast<std::int64_t>(values.size())});
}

// A host copy of a tensor of any backend.
template <class T, class B>
embedkit::Tensor<T> host(const embedkit::Tensor<T, B>& t) {
  return embedkit::to<embedkit::cpu>(t);
}

// A host copy of the memory of backend B that a view names (a layer's weight(), say): copied
// within B first, since to<>() reads views as host memory.
template <class B, class T>
embedkit::Tensor<std::remove_const_t<T>> host_of(embedkit::TensorView<T> v) {
  using V = std::remove_const_t<T>;
  return embedkit::to<embedkit::cpu>(embedkit::Tensor<V, B>::copy_of(embedkit::TensorView<const V>(v)));
}

// The elements of a host tensor, as a vector (for comparisons with std::vector data).
template <class T>
std::vector<T> elements(const embedkit::Tensor<T>& t) {
  return std::vector<T>(t.data(), t.data() + t.numel());
}

// Whether two host tensors hold the same shape and the same bytes (bit-identical results).
template <class T>
bool same_bits(const embedkit::Tensor<T>& a, const embedkit::Tensor<T>& b) {
  return a.shape() == b.shape() && (a.bytes() == 0 || std::memcmp(a.data(), b.data(), a.bytes()) == 0);
}

}  // namespace embedkit_test
