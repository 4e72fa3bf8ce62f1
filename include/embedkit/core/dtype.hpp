// Element types: which types a table may store, which types indices may have, the type each
// storage type accumulates in, and their names for messages and file formats.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "embedkit/core/half.hpp"

namespace embedkit {

enum class dtype : std::uint8_t { f32, f64, f16, bf16, i8, u8, i16, i32, i64, boolean };

template <class T>
inline constexpr bool is_float_storage_v =
    std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, half> ||
    std::is_same_v<T, bfloat16>;

// A type an embedding table can hold as plain floating-point values.
template <class T>
concept FloatStorage = is_float_storage_v<std::remove_const_t<T>>;

// A type indices and offsets can have (torch accepts int32 and int64).
template <class T>
concept IndexType = std::same_as<std::remove_const_t<T>, std::int32_t> ||
                    std::same_as<std::remove_const_t<T>, std::int64_t>;

// The type a storage type is accumulated in: float for the 16- and 32-bit types, double for
// double (as PyTorch's opmath_type on the CPU).
template <class T>
using acc_t = std::conditional_t<std::is_same_v<std::remove_const_t<T>, double>, double, float>;

namespace detail {
template <class T>
struct dtype_of_impl;
template <> struct dtype_of_impl<float> { static constexpr dtype value = dtype::f32; };
template <> struct dtype_of_impl<double> { static constexpr dtype value = dtype::f64; };
template <> struct dtype_of_impl<half> { static constexpr dtype value = dtype::f16; };
template <> struct dtype_of_impl<bfloat16> { static constexpr dtype value = dtype::bf16; };
template <> struct dtype_of_impl<std::int8_t> { static constexpr dtype value = dtype::i8; };
template <> struct dtype_of_impl<std::uint8_t> { static constexpr dtype value = dtype::u8; };
template <> struct dtype_of_impl<std::int16_t> { static constexpr dtype value = dtype::i16; };
template <> struct dtype_of_impl<std::int32_t> { static constexpr dtype value = dtype::i32; };
template <> struct dtype_of_impl<std::int64_t> { static constexpr dtype value = dtype::i64; };
template <> struct dtype_of_impl<bool> { static constexpr dtype value = dtype::boolean; };
}  // namespace detail

template <class T>
inline constexpr dtype dtype_of = detail::dtype_of_impl<std::remove_const_t<T>>::value;

constexpr std::string_view name(dtype t) noexcept {
  switch (t) {
    case dtype::f32: return "float32";
    case dtype::f64: return "float64";
    case dtype::f16: return "float16";
    case dtype::bf16: return "bfloat16";
    case dtype::i8: return "int8";
    case dtype::u8: return "uint8";
    case dtype::i16: return "int16";
    case dtype::i32: return "int32";
    case dtype::i64: return "int64";
    case dtype::boolean: return "bool";
  }
  return "?";
}

constexpr std::size_t size_of(dtype t) noexcept {
  switch (t) {
    case dtype::f64: case dtype::i64: return 8;
    case dtype::f32: case dtype::i32: return 4;
    case dtype::f16: case dtype::bf16: case dtype::i16: return 2;
    case dtype::i8: case dtype::u8: case dtype::boolean: return 1;
  }
  return 0;
}

// Converts between storage and accumulation types (half and bfloat16 go through float).
template <class To, class From>
EMBEDKIT_HOST_DEVICE constexpr To convert(From v) noexcept {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, half> || std::is_same_v<To, bfloat16>) {
    return To(static_cast<float>(v));
  } else {
    return static_cast<To>(static_cast<acc_t<From>>(v));
  }
}

}  // namespace embedkit
