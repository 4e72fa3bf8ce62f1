// Parameter<T, Backend>: one learnable array of a layer (a table, a weight, a bias) and the
// rules every layer shares for it:
//   - owned (a fresh draw, a copy) or wrapped (the caller's memory, no copy; writable or
//     read-only, e.g. a memory-mapped file);
//   - copies are deep for owned memory and share wrapped memory; moves keep the data in place;
//   - frozen or trainable (backward on a frozen parameter is a value_error).
// T is a float storage type (float, double, half, bfloat16), held as Tensor<T, Backend>, or a
// quantized tag (q8, q4), held as QuantizedTable<T, Backend> (logical shape [rows, dim]).
//
// Layers name their parameters as PyTorch's state dicts do ("weight", "bias", "weight_ih_l0")
// and expose them through visit_parameters(f), which calls f(name, parameter) for each: a loader
// fills a layer by name without the layer knowing any file format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/quantized.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"

namespace embedkit {
namespace detail {
// What an owned parameter holds: a Tensor of the storage type, or a QuantizedTable.
template <class T, class Backend, bool Quantized>
struct parameter_storage {
  using type = Tensor<T, Backend>;
};
template <class T, class Backend>
struct parameter_storage<T, Backend, true> {
  using type = QuantizedTable<T, Backend>;
};
}  // namespace detail

template <class T, class Backend = cpu>
class Parameter {
  static_assert((FloatStorage<T> || Quantized<T>) && !std::is_const_v<T>,
                "Parameter holds float, double, ek::half, ek::bfloat16, ek::q8 or ek::q4");

 public:
  static constexpr bool quantized = Quantized<T>;
  using value_type = T;
  using backend_type = Backend;
  // What an owned parameter holds, and what its data() points at.
  using storage_type = typename detail::parameter_storage<T, Backend, quantized>::type;
  using pointer = std::conditional_t<quantized, std::uint8_t*, T*>;

  Parameter() = default;

  // Owns `storage`.
  explicit Parameter(storage_type storage, bool frozen = false)
      : owned_(std::move(storage)), frozen_(frozen) {
    data_ = owned_data();
    if constexpr (quantized) {
      shape_ = Shape{owned_.rows(), owned_.dim};
    } else {
      shape_ = owned_.shape();
    }
  }

  // The caller's memory, without a copy; it must outlive every copy of the parameter.
  static Parameter wrap(TensorView<T> memory, bool frozen = false)
    requires(!quantized)
  {
    return Parameter(memory.data(), memory.shape(), frozen, true);
  }
  static Parameter wrap(TensorView<const T> memory, bool frozen = false)
    requires(!quantized)
  {
    return Parameter(const_cast<T*>(memory.data()), memory.shape(), frozen, false);
  }

  Parameter(const Parameter& other)
      : owned_(other.owned_),
        shape_(other.shape_),
        frozen_(other.frozen_),
        writable_(other.writable_) {
    data_ = other.owns() ? owned_data() : other.data_;
  }
  Parameter(Parameter&& other) noexcept
      : owned_(std::move(other.owned_)),
        data_(std::exchange(other.data_, nullptr)),
        shape_(std::exchange(other.shape_, Shape{0})),
        frozen_(other.frozen_),
        writable_(other.writable_) {}
  Parameter& operator=(const Parameter& other) {
    if (this != &other) *this = Parameter(other);
    return *this;
  }
  Parameter& operator=(Parameter&& other) noexcept {
    if (this != &other) {
      owned_ = std::move(other.owned_);
      data_ = std::exchange(other.data_, nullptr);
      shape_ = std::exchange(other.shape_, Shape{0});
      frozen_ = other.frozen_;
      writable_ = other.writable_;
    }
    return *this;
  }
  ~Parameter() = default;

  const Shape& shape() const noexcept { return shape_; }
  std::int64_t size(int k) const { return shape_.at(k); }
  bool owns() const noexcept { return data_ != nullptr && data_ == owned_data(); }
  bool writable() const noexcept { return writable_; }
  bool frozen() const noexcept { return frozen_; }
  void freeze(bool on = true) noexcept { frozen_ = on; }

  // The elements (float types) or row bytes (q8, q4), in Backend's memory. Layers write through
  // it only where the options allow (max_norm needs writable memory: see require_writable).
  pointer data() const noexcept { return data_; }

  TensorView<const T> view() const
    requires(!quantized)
  {
    return TensorView<const T>(data_, shape_);
  }
  // For writing (an optimizer step, a custom constraint); read-only memory is a value_error.
  TensorView<T> mutable_view(const char* layer)
    requires(!quantized)
  {
    require_writable(layer, "the table wraps read-only memory");
    return TensorView<T>(data_, shape_);
  }
  const storage_type& quantized_table() const
    requires quantized
  {
    return owned_;
  }

  // Copies host values into the parameter (same shape), whatever its memory space.
  void assign(TensorView<const T> host, std::string_view name, const char* layer)
    requires(!quantized)
  {
    if (!(host.shape() == shape_)) {
      detail::raise<shape_error>(std::string(layer) + ": parameter '" + std::string(name) + "' has shape " +
                                 shape_.str() + ", got values of shape " + host.shape().str());
    }
    require_writable(layer, "cannot assign to a parameter that wraps read-only memory");
    detail::transfer_bytes<Backend, cpu>(data_, host.data(), static_cast<std::size_t>(host.numel()) * sizeof(T));
  }

  // A value_error naming the layer and what it was doing when the memory is read-only.
  void require_writable(const char* layer, const char* what) const {
    if (!writable_) detail::raise<value_error>(std::string(layer) + ": " + what);
  }
  // A value_error when frozen; `where` names the call ("Embedding::backward").
  void require_trainable(const char* where) const {
    if (frozen_) {
      detail::raise<value_error>(std::string(where) +
                                 ": the table is frozen (from_pretrained freezes by default; pass "
                                 "freeze = false or call freeze(false))");
    }
  }

 private:
  Parameter(T* data, const Shape& shape, bool frozen, bool writable)
      : data_(data), shape_(shape), frozen_(frozen), writable_(writable) {}

  pointer owned_data() const noexcept {
    if constexpr (quantized) {
      return const_cast<std::uint8_t*>(owned_.bytes.data());
    } else {
      return const_cast<T*>(owned_.data());
    }
  }

  storage_type owned_{};
  pointer data_ = nullptr;  // owned_'s memory or the caller's
  Shape shape_{0};
  bool frozen_ = false;
  bool writable_ = true;
};

// visit_parameters for a layer, const and not, from one list: the layer derives from
// WithParameters<Layer> and writes `template <class Self, class F> static void parameters(Self&
// self, F& f)` calling f(name, self.member) once per parameter, in PyTorch's state-dict order.
template <class Layer>
class WithParameters {
 public:
  template <class F>
  void visit_parameters(F&& f) {
    Layer::parameters(static_cast<Layer&>(*this), f);
  }
  template <class F>
  void visit_parameters(F&& f) const {
    Layer::parameters(static_cast<const Layer&>(*this), f);
  }
};

}  // namespace embedkit
