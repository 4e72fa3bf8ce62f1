// Comparing a backend's results with the cpu backend's (the reference proven against PyTorch):
// host tensors element by element, within the accuracy the backends promise each other, and
// error messages.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>

#include <embedkit/embedkit.hpp>

namespace embedkit_test {

// Relative tolerance between two backends' results for tables of type T: sums may be taken in
// another order (float, double and the quantized types, which accumulate in float); 16-bit
// results may round the other way once, so they get the golden tests' tolerances.
template <class T>
constexpr double backend_tolerance() {
  if constexpr (std::is_same_v<T, double>) return 1e-12;
  else if constexpr (std::is_same_v<T, embedkit::half>) return 2e-3;
  else if constexpr (std::is_same_v<T, embedkit::bfloat16>) return 1.6e-2;
  else return 1e-5;  // float, q8, q4
}

// A stored value as double (16-bit types through float, exactly).
template <class V>
double as_double(V v) {
  if constexpr (std::is_same_v<V, embedkit::half> || std::is_same_v<V, embedkit::bfloat16>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

// Every got[i] within tol of want[i], relative to 1 + |want[i]|; reports the first mismatch.
template <class V>
void check_near(const embedkit::Tensor<V>& got, const embedkit::Tensor<V>& want,
                const std::string& what, double tol) {
  INFO(what);
  REQUIRE(got.shape() == want.shape());
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    const double g = as_double(got[i]), w = as_double(want[i]);
    if (!(std::abs(g - w) <= tol * (1.0 + std::abs(w)))) {
      if (bad++ == 0) MESSAGE(what << "[" << i << "]: got " << g << ", cpu " << w);
    }
  }
  CHECK(bad == 0);
}

// Every element equal (integers, masks, lookups that copy rows); reports the first mismatch.
template <class V>
void check_equal(const embedkit::Tensor<V>& got, const embedkit::Tensor<V>& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.shape() == want.shape());
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    if (!(as_double(got[i]) == as_double(want[i]))) {
      if (bad++ == 0) MESSAGE(what << "[" << i << "]: got " << as_double(got[i]) << ", cpu " << as_double(want[i]));
    }
  }
  CHECK(bad == 0);
}

// The message of the E that f() throws, or nothing (with a failed check) if it throws none
// or another type.
template <class E, class F>
std::optional<std::string> message_of(F&& f, const char* side) {
  INFO("on the " << std::string(side));
  try {
    f();
  } catch (const E& e) {
    return std::string(e.what());
  } catch (const std::exception& e) {
    FAIL_CHECK("threw another type than expected: " << e.what());
    return std::nullopt;
  }
  FAIL_CHECK("threw nothing");
  return std::nullopt;
}

// Both calls throw E, with the same message.
template <class E, class Cpu, class Device>
void check_same_error(Cpu&& on_cpu, Device&& on_device) {
  const auto want = message_of<E>(on_cpu, "cpu layer");
  const auto got = message_of<E>(on_device, "device layer");
  REQUIRE(want.has_value());
  REQUIRE(got.has_value());
  CHECK(*got == *want);
}

}  // namespace embedkit_test
