// Tensor<T, Backend>: owning, contiguous, row-major storage of any rank in a backend's memory
// space. Copies are deep; moves are cheap. Data moves between spaces only through the
// explicit to<Backend>() (embedkit/core/transfer.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "embedkit/core/host/memory.hpp"
#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/config.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {

template <class T, class Backend = cpu>
class Tensor {
  static_assert(!std::is_const_v<T> && !std::is_reference_v<T>,
                "Tensor owns its elements: use a non-const value type");
  static_assert(std::is_trivially_copyable_v<T>, "Tensor elements must be trivially copyable");

 using memory = detail::memory_of<Backend>;

 public:
  using value_type = T;
  using backend_type = Backend;

  // An empty tensor of shape [0].
  Tensor() : shape_{0} {}

  // Uninitialised storage of the given shape.
  static Tensor empty(Shape shape) { return Tensor(shape); }

  static Tensor zeros(Shape shape) {
    Tensor t(shape);
    memory::zero_bytes(t.data_, t.bytes());
    return t;
  }

  // A copy of the elements a view describes (in this backend's space).
  static Tensor copy_of(TensorView<const T> v) {
    Tensor t(v.shape());
    memory::copy_bytes(t.data_, v.data(), t.bytes());
    return t;
  }

  // Host-only conveniences.
  static Tensor full(Shape shape, T value)
    requires std::is_same_v<Backend, cpu>
  {
    Tensor t(shape);
    std::fill_n(t.data_, t.numel(), value);
    return t;
  }

  Tensor(const Tensor& other) : Tensor(other.shape_) {
    memory::copy_bytes(data_, other.data_, bytes());
  }
  Tensor(Tensor&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), shape_(std::exchange(other.shape_, Shape{0})) {}
  Tensor& operator=(const Tensor& other) {
    if (this != &other) *this = Tensor(other);
    return *this;
  }
  Tensor& operator=(Tensor&& other) noexcept {
    if (this != &other) {
      memory::deallocate(data_, shape_.numel());
      data_ = std::exchange(other.data_, nullptr);
      shape_ = std::exchange(other.shape_, Shape{0});
    }
    return *this;
  }
  ~Tensor() { memory::deallocate(data_, shape_.numel()); }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  const Shape& shape() const noexcept { return shape_; }
  int rank() const noexcept { return shape_.rank(); }
  std::int64_t size(int k) const { return shape_.at(k); }
  std::int64_t numel() const noexcept { return shape_.numel(); }
  std::size_t bytes() const noexcept { return static_cast<std::size_t>(numel()) * sizeof(T); }
  bool empty() const noexcept { return numel() == 0; }

  TensorView<T> view() { return TensorView<T>(data_, shape_); }
  TensorView<const T> view() const { return cview(); }
  TensorView<const T> cview() const { return TensorView<const T>(data_, shape_); }
  operator TensorView<const T>() const { return cview(); }  // NOLINT

  // Reinterprets the extents; the element count must stay the same.
  Tensor& reshape(Shape s) & {
    shape_ = view().reshape(s).shape();
    return *this;
  }
  Tensor&& reshape(Shape s) && { return std::move(reshape(s)); }

  // Host element access (unchecked in release builds, as std::vector::operator[];
  // EMBEDKIT_ASSERT checks the bound in debug builds).
  T& operator[](std::int64_t i) noexcept
    requires std::is_same_v<Backend, cpu>
  {
    EMBEDKIT_ASSERT(i >= 0 && i < numel(), "Tensor::operator[]: index out of range");
    return data_[i];
  }
  const T& operator[](std::int64_t i) const noexcept
    requires std::is_same_v<Backend, cpu>
  {
    EMBEDKIT_ASSERT(i >= 0 && i < numel(), "Tensor::operator[]: index out of range");
    return data_[i];
  }

 private:
  explicit Tensor(Shape shape) : data_(memory::template allocate<T>(shape.numel())), shape_(shape) {}

  T* data_ = nullptr;
  Shape shape_;
};

}  // namespace embedkit
