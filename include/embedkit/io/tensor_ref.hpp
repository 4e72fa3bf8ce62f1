// ek::io::TensorRef: a tensor to write, as serialize_safetensors() and save_safetensors() in
// <embedkit/io/safetensors.hpp> take them (from a TensorView or a Tensor, implicitly).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::io {

// A tensor to write: dtype, shape and row-major host data. It does not own the data, which
// must stay alive until the write is done (so it is not made from a temporary Tensor).
struct TensorRef {
  dtype type = dtype::f32;
  Shape shape{};
  const void* data = nullptr;

  TensorRef(dtype t, Shape s, const void* d) : type(t), shape(s), data(d) {
    if (data == nullptr && shape.numel() != 0) {
      embedkit::detail::raise<value_error>("TensorRef: null data for shape " + shape.str());
    }
    // So that bytes() is exact: a shape of more bytes than int64 counts cannot be in memory.
    std::int64_t bytes = 0;
    if (!embedkit::detail::mul_fits(shape.numel(), static_cast<std::int64_t>(size_of(type)), bytes)) {
      embedkit::detail::raise<shape_error>("TensorRef: shape " + shape.str() + " of " +
                                           std::string(name(type)) +
                                           " has more bytes than int64 can count");
    }
  }
  template <class T>
  TensorRef(TensorView<T> v)  // NOLINT(google-explicit-constructor)
      : TensorRef(dtype_of<T>, v.shape(), static_cast<const void*>(v.data())) {}
  template <class T>
  TensorRef(const Tensor<T>& t)  // NOLINT(google-explicit-constructor)
      : TensorRef(t.cview()) {}
  template <class T>
  TensorRef(Tensor<T>&&) = delete;  // would dangle once the temporary is gone

  std::size_t bytes() const noexcept {
    return static_cast<std::size_t>(shape.numel()) * size_of(type);
  }
};

}  // namespace embedkit::io
