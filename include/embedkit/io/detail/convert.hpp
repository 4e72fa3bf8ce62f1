// Element conversion for the binary readers (.npy, safetensors): stored elements of any
// supported scalar type and byte order into a C++ element type, with one rule set:
//
//   to float, double, half, bfloat16: from every type (integers and bools convert to the
//       nearest value; half and bfloat16 round from float, as PyTorch does);
//   to an integer type: from integers and bools when every value fits (ek::value_error
//       naming the first that does not); never from floating point (that would drop
//       fractions silently: read as a floating type instead);
//   to bool: from bool only.
//
// Stored bools must be the bytes 0 or 1: anything else is malformed data (format_error),
// and must never reach a C++ bool, for which other bytes are undefined behaviour.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/half.hpp"

namespace embedkit::io::detail {

// Scalar types a file may store. A superset of ek::dtype: files may hold unsigned types
// embedkit has no dtype for, and those still convert.
enum class scalar : std::uint8_t { boolean, u8, i8, u16, i16, u32, i32, u64, i64, f16, bf16, f32, f64 };

constexpr std::size_t scalar_size(scalar s) noexcept {
  switch (s) {
    case scalar::boolean: case scalar::u8: case scalar::i8: return 1;
    case scalar::u16: case scalar::i16: case scalar::f16: case scalar::bf16: return 2;
    case scalar::u32: case scalar::i32: case scalar::f32: return 4;
    case scalar::u64: case scalar::i64: case scalar::f64: return 8;
  }
  return 0;
}

constexpr const char* scalar_name(scalar s) noexcept {
  switch (s) {
    case scalar::boolean: return "bool";
    case scalar::u8: return "uint8";
    case scalar::i8: return "int8";
    case scalar::u16: return "uint16";
    case scalar::i16: return "int16";
    case scalar::u32: return "uint32";
    case scalar::i32: return "int32";
    case scalar::u64: return "uint64";
    case scalar::i64: return "int64";
    case scalar::f16: return "float16";
    case scalar::bf16: return "bfloat16";
    case scalar::f32: return "float32";
    case scalar::f64: return "float64";
  }
  return "?";
}

constexpr bool is_floating(scalar s) noexcept {
  return s == scalar::f16 || s == scalar::bf16 || s == scalar::f32 || s == scalar::f64;
}

constexpr std::optional<dtype> to_dtype(scalar s) noexcept {
  switch (s) {
    case scalar::boolean: return dtype::boolean;
    case scalar::u8: return dtype::u8;
    case scalar::i8: return dtype::i8;
    case scalar::i16: return dtype::i16;
    case scalar::i32: return dtype::i32;
    case scalar::i64: return dtype::i64;
    case scalar::f16: return dtype::f16;
    case scalar::bf16: return dtype::bf16;
    case scalar::f32: return dtype::f32;
    case scalar::f64: return dtype::f64;
    default: return std::nullopt;
  }
}

constexpr scalar from_dtype(dtype t) noexcept {
  switch (t) {
    case dtype::boolean: return scalar::boolean;
    case dtype::u8: return scalar::u8;
    case dtype::i8: return scalar::i8;
    case dtype::i16: return scalar::i16;
    case dtype::i32: return scalar::i32;
    case dtype::i64: return scalar::i64;
    case dtype::f16: return scalar::f16;
    case dtype::bf16: return scalar::bf16;
    case dtype::f32: return scalar::f32;
    case dtype::f64: return scalar::f64;
  }
  return scalar::u8;
}

// The element types the readers produce: those of ek::dtype.
template <class T>
concept Element = requires { embedkit::detail::dtype_of_impl<T>::value; } && !std::is_const_v<T>;

template <class T>
inline constexpr scalar scalar_of = from_dtype(dtype_of<T>);

template <class T>
inline constexpr bool is_floating_element_v = is_float_storage_v<T>;

// The scalar of a C++ type that stored elements are loaded as.
template <class S>
constexpr scalar scalar_of_cpp() noexcept {
  if constexpr (std::is_same_v<S, bool>) return scalar::boolean;
  else if constexpr (std::is_same_v<S, std::uint8_t>) return scalar::u8;
  else if constexpr (std::is_same_v<S, std::int8_t>) return scalar::i8;
  else if constexpr (std::is_same_v<S, std::uint16_t>) return scalar::u16;
  else if constexpr (std::is_same_v<S, std::int16_t>) return scalar::i16;
  else if constexpr (std::is_same_v<S, std::uint32_t>) return scalar::u32;
  else if constexpr (std::is_same_v<S, std::int32_t>) return scalar::i32;
  else if constexpr (std::is_same_v<S, std::uint64_t>) return scalar::u64;
  else if constexpr (std::is_same_v<S, std::int64_t>) return scalar::i64;
  else if constexpr (std::is_same_v<S, half>) return scalar::f16;
  else if constexpr (std::is_same_v<S, bfloat16>) return scalar::bf16;
  else if constexpr (std::is_same_v<S, float>) return scalar::f32;
  else return scalar::f64;
}

// Whether stored `from` elements may be read as T at all (value ranges are checked later).
template <class T>
constexpr bool convertible(scalar from) noexcept {
  if constexpr (is_floating_element_v<T>) {
    return true;
  } else if constexpr (std::is_same_v<T, bool>) {
    return from == scalar::boolean;
  } else {
    return !is_floating(from);
  }
}

// Where the stored elements come from, for messages: "tensor 'emb.weight'" and the byte
// offset of its first element in the file.
struct element_source {
  std::string what;
  std::int64_t byte_offset = 0;
};

template <class S>
inline S load_element(const std::byte* p, bool swap) noexcept {
  using Bits = std::conditional_t<sizeof(S) == 1, std::uint8_t,
               std::conditional_t<sizeof(S) == 2, std::uint16_t,
               std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>>>;
  Bits b;
  std::memcpy(&b, p, sizeof b);  // memcpy: file data need not be aligned
  if constexpr (sizeof(S) > 1) {
    if (swap) {
      Bits r = 0;
      for (std::size_t i = 0; i < sizeof b; ++i) r = static_cast<Bits>((r << 8) | ((b >> (8 * i)) & 0xFF));
      b = r;
    }
  }
  if constexpr (std::is_same_v<S, half>) {
    return half::from_bits(b);
  } else if constexpr (std::is_same_v<S, bfloat16>) {
    return bfloat16::from_bits(b);
  } else {
    return std::bit_cast<S>(b);
  }
}

[[noreturn]] inline void raise_bad_bool(const element_source& src, std::size_t i, unsigned byte) {
  embedkit::detail::raise<format_error>(
      src.what + ": bool element " + std::to_string(i) + " is the byte " + std::to_string(byte) +
          " (bools must be 0 or 1) at byte " +
          std::to_string(src.byte_offset + static_cast<std::int64_t>(i)),
      src.byte_offset + static_cast<std::int64_t>(i));
}

// Checks that n stored bools are 0 or 1.
inline void check_bools(const std::byte* p, std::size_t n, const element_source& src) {
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = static_cast<unsigned>(p[i]);
    if (b > 1) raise_bad_bool(src, i, b);
  }
}

template <class T, class S>
inline T convert_element(S s, std::size_t i, const element_source& src) {
  if constexpr (std::is_same_v<T, S>) {
    return s;
  } else if constexpr (is_floating_element_v<T>) {
    if constexpr (std::is_same_v<S, bool>) {
      return T(s ? 1.0f : 0.0f);
    } else if constexpr (std::is_same_v<S, half> || std::is_same_v<S, bfloat16>) {
      return T(static_cast<float>(s));
    } else if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16>) {
      return T(static_cast<float>(s));
    } else {
      return static_cast<T>(s);
    }
  } else if constexpr (std::is_same_v<S, bool>) {
    return static_cast<T>(s ? 1 : 0);
  } else {
    // Integer target from an integer source: exact when it fits.
    if (!std::in_range<T>(s)) {
      embedkit::detail::raise<value_error>(src.what + ": element " + std::to_string(i) + " = " +
                                           std::to_string(s) + " does not fit " +
                                           std::string(name(dtype_of<T>)));
    }
    return static_cast<T>(s);
  }
}

// Converts n stored elements of type `from` (byte-swapped when `swap`) at `src` into dst.
// The caller has checked that the n elements lie within the input.
template <Element T>
void convert_elements(const std::byte* data, scalar from, bool swap, T* dst, std::size_t n,
                      const element_source& src) {
  if (!convertible<T>(from)) {
    embedkit::detail::raise<value_error>(
        src.what + " holds " + scalar_name(from) + " elements, which cannot be read as " +
        std::string(name(dtype_of<T>)) +
        (is_floating(from) ? " without dropping fractions: read it as a floating-point type"
                           : ": bools are read from bool data only"));
  }
  if (from == scalar::boolean) check_bools(data, n, src);
  if (from == scalar_of<T> && (!swap || sizeof(T) == 1)) {
    if (n) std::memcpy(dst, data, n * sizeof(T));
    return;
  }
  auto run = [&]<class S>() {
    for (std::size_t i = 0; i < n; ++i) {
      S s;
      if constexpr (std::is_same_v<S, bool>) {
        s = static_cast<unsigned>(data[i]) != 0;
      } else {
        s = load_element<S>(data + i * sizeof(S), swap);
      }
      if constexpr (convertible<T>(scalar_of_cpp<S>())) dst[i] = convert_element<T>(s, i, src);
    }
  };
  switch (from) {
    case scalar::boolean: run.template operator()<bool>(); break;
    case scalar::u8: run.template operator()<std::uint8_t>(); break;
    case scalar::i8: run.template operator()<std::int8_t>(); break;
    case scalar::u16: run.template operator()<std::uint16_t>(); break;
    case scalar::i16: run.template operator()<std::int16_t>(); break;
    case scalar::u32: run.template operator()<std::uint32_t>(); break;
    case scalar::i32: run.template operator()<std::int32_t>(); break;
    case scalar::u64: run.template operator()<std::uint64_t>(); break;
    case scalar::i64: run.template operator()<std::int64_t>(); break;
    case scalar::f16: run.template operator()<half>(); break;
    case scalar::bf16: run.template operator()<bfloat16>(); break;
    case scalar::f32: run.template operator()<float>(); break;
    case scalar::f64: run.template operator()<double>(); break;
  }
}

}  // namespace embedkit::io::detail
