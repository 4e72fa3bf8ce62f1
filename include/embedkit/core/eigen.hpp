// Zero-copy Eigen access to 2-D host data: an Eigen::Map over a view or tensor, row-major as
// embedkit stores it. Kept in its own header so that code which never needs Eigen's dense
// module does not pay for parsing it.
#pragma once

#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {

template <class T>
using EigenRowMajor =
    Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// An Eigen::Map of a rank-2 host view (const view -> read-only map).
template <class T>
  requires std::is_arithmetic_v<std::remove_const_t<T>>
auto as_eigen(TensorView<T> v) {
  if (v.rank() != 2) {
    detail::raise<shape_error>("as_eigen: expected a rank-2 view, got shape " + v.shape().str());
  }
  using Matrix = std::conditional_t<std::is_const_v<T>, const EigenRowMajor<T>, EigenRowMajor<T>>;
  return Eigen::Map<Matrix>(v.data(), static_cast<Eigen::Index>(v.shape()[0]),
                            static_cast<Eigen::Index>(v.shape()[1]));
}

template <class T>
  requires std::is_arithmetic_v<T>
auto as_eigen(Tensor<T, cpu>& t) {
  return as_eigen(t.view());
}

template <class T>
  requires std::is_arithmetic_v<T>
auto as_eigen(const Tensor<T, cpu>& t) {
  return as_eigen(t.cview());
}

}  // namespace embedkit
