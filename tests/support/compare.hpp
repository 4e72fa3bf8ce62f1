// Comparing embedkit's results with a golden fixture's: relative tolerances per storage type
// (summation orders may differ from PyTorch's vectorised loops in the last bits) and one
// element-wise check that reports the first mismatch.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include <embedkit/core/dtype.hpp>
#include <embedkit/core/shape.hpp>

#include "support/fixture.hpp"

namespace embedkit_test {

// Relative tolerance for results stored as T; float_tolerance is float's (the bag kernels
// accumulate with fused multiply-adds in another order, so their tests pass a looser one).
template <class T>
double tolerance(double float_tolerance = 2e-6) {
  if constexpr (std::is_same_v<T, double>) return 1e-12;
  if constexpr (std::is_same_v<T, float>) return float_tolerance;
  if constexpr (std::is_same_v<T, embedkit::half>) return 2e-3;
  return 1.6e-2;  // bfloat16: 8 significant bits
}

// Every got[i] (of type V, compared in T's accumulation type) within tol of the fixture's value,
// relative to 1 + |value|.
template <class T, class V>
void check_close(const V* got, const Array& want, const std::string& what, double tol) {
  INFO(what);
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    const double g = static_cast<double>(static_cast<embedkit::acc_t<T>>(got[i]));
    const double w = want.values[static_cast<std::size_t>(i)];
    if (!(std::abs(g - w) <= tol * (1.0 + std::abs(w)))) {
      if (bad++ == 0) MESSAGE(what << "[" << i << "]: got " << g << ", torch " << w);
    }
  }
  CHECK(bad == 0);
}

inline embedkit::Shape shape_of(const Array& a) {
  return embedkit::Shape(std::span<const std::int64_t>(a.shape));
}

}  // namespace embedkit_test
