// TensorView<T>: a non-owning pointer + shape over contiguous row-major memory. T may be const.
// Views are cheap to copy and never allocate; they describe memory in any backend's space
// (the pointer is only dereferenced by code of that backend).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "embedkit/core/config.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"

namespace embedkit {

template <class T>
class TensorView {
 public:
  using element_type = T;
  using value_type = std::remove_const_t<T>;

  constexpr TensorView() noexcept = default;

  // A view of `shape.numel()` elements at `data`. A null pointer is allowed only for an
  // empty view.
  TensorView(T* data, Shape shape) : data_(data), shape_(shape) {
    if (data_ == nullptr && shape_.numel() != 0) {
      detail::raise<value_error>("TensorView: null data pointer for shape " + shape_.str() +
                                 " with " + std::to_string(shape_.numel()) + " elements");
    }
  }

  // A 1-D view over a span.
  explicit TensorView(std::span<T> s) : TensorView(s.data(), Shape{s.size()}) {}

  // TensorView<T> converts to TensorView<const T>.
  template <class U>
    requires(std::is_const_v<T> && std::is_same_v<U, value_type>)
  TensorView(const TensorView<U>& other) noexcept  // NOLINT(google-explicit-constructor)
      : data_(other.data()), shape_(other.shape()) {}

  T* data() const noexcept { return data_; }
  const Shape& shape() const noexcept { return shape_; }
  int rank() const noexcept { return shape_.rank(); }
  std::int64_t size(int k) const { return shape_.at(k); }
  std::int64_t numel() const noexcept { return shape_.numel(); }
  bool empty() const noexcept { return numel() == 0; }
  std::span<T> span() const noexcept {
    return {data_, static_cast<std::size_t>(numel())};
  }

  // The same memory seen with another shape of equal element count.
  TensorView reshape(Shape s) const {
    if (s.numel() != numel()) {
      detail::raise<shape_error>("cannot reshape " + shape_.str() + " (" +
                                 std::to_string(numel()) + " elements) to " + s.str() + " (" +
                                 std::to_string(s.numel()) + " elements)");
    }
    return TensorView(data_, s);
  }

  // Element access for host memory. Unchecked in release builds, as operator[] of std
  // containers (use at()); EMBEDKIT_ASSERT checks the bound in debug builds.
  T& operator[](std::int64_t i) const noexcept {
    EMBEDKIT_ASSERT(i >= 0 && i < numel(), "TensorView::operator[]: index out of range");
    return data_[i];
  }

  // Row r of a view of rank >= 1, as a span over the trailing extents.
  std::span<T> row(std::int64_t r) const {
    if (rank() < 1) detail::raise<shape_error>("row(): the view has rank 0");
    if (r < 0 || r >= shape_[0]) {
      detail::raise<index_error>("row " + std::to_string(r) + " is out of range [0, " +
                                 std::to_string(shape_[0]) + ")");
    }
    const std::int64_t stride = shape_[0] == 0 ? 0 : numel() / shape_[0];
    return {data_ + r * stride, static_cast<std::size_t>(stride)};
  }

 private:
  T* data_ = nullptr;
  Shape shape_{0};  // a default view is empty
};

template <class T>
TensorView(T*, Shape) -> TensorView<T>;

}  // namespace embedkit
