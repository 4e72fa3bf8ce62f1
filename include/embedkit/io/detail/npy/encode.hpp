// The bytes of a .npy file for a row-major tensor, laid out exactly as NumPy 1.24's
// np.save writes them: header keys sorted, the spare spaces NumPy leaves for the first
// dimension to grow in place, padding so the data starts on a 64-byte boundary, version 1.0
// unless the header needs the 4-byte length of 2.0.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::io::detail {

// NumPy's descr of each element type; bfloat16 has none (see save_npy).
template <class T>
constexpr const char* npy_descr() noexcept {
  using U = std::remove_const_t<T>;
  if constexpr (std::is_same_v<U, float>) return "<f4";
  else if constexpr (std::is_same_v<U, double>) return "<f8";
  else if constexpr (std::is_same_v<U, half>) return "<f2";
  else if constexpr (std::is_same_v<U, std::int8_t>) return "|i1";
  else if constexpr (std::is_same_v<U, std::uint8_t>) return "|u1";
  else if constexpr (std::is_same_v<U, std::int16_t>) return "<i2";
  else if constexpr (std::is_same_v<U, std::int32_t>) return "<i4";
  else if constexpr (std::is_same_v<U, std::int64_t>) return "<i8";
  else if constexpr (std::is_same_v<U, bool>) return "|b1";
  else return nullptr;
}

inline constexpr std::size_t kNpyAlign = 64;       // NumPy's ARRAY_ALIGN
inline constexpr std::size_t kNpyGrowthDigits = 21;  // NumPy's GROWTH_AXIS_MAX_DIGITS

inline std::vector<std::byte> npy_preamble(const char* descr, const Shape& shape) {
  std::string dims = "(";
  for (int k = 0; k < shape.rank(); ++k) {
    if (k) dims += ", ";
    dims += std::to_string(shape[k]);
  }
  dims += shape.rank() == 1 ? ",)" : ")";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
  if (shape.rank() > 0) {
    const std::size_t digits = std::to_string(shape[0]).size();
    header.append(kNpyGrowthDigits > digits ? kNpyGrowthDigits - digits : 0, ' ');
  }
  // Pad with spaces and end with '\n' so that preamble + header is a multiple of 64.
  const std::size_t hlen = header.size() + 1;
  auto padded = [&](std::size_t preamble) {
    return hlen + (kNpyAlign - (preamble + hlen) % kNpyAlign);
  };
  const bool v1 = padded(10) <= 0xFFFF;
  const std::size_t preamble = v1 ? 10 : 12;
  const std::size_t total = padded(preamble);
  header.append(total - hlen, ' ');
  header += '\n';

  std::vector<std::byte> out;
  out.reserve(preamble + total);
  for (char c : std::string_view("\x93NUMPY", 6)) out.push_back(static_cast<std::byte>(c));
  out.push_back(std::byte{static_cast<unsigned char>(v1 ? 1 : 2)});
  out.push_back(std::byte{0});
  for (std::size_t i = 0; i < preamble - 8; ++i)
    out.push_back(static_cast<std::byte>((total >> (8 * i)) & 0xFF));
  for (char c : header) out.push_back(static_cast<std::byte>(c));
  return out;
}

// Appends the elements little-endian (NumPy's '<' descrs) whatever this machine's order.
template <class T>
void npy_append_data(std::vector<std::byte>& out, TensorView<const T> v) {
  const std::size_t n = static_cast<std::size_t>(v.numel());
  const std::size_t at = out.size();
  out.resize(at + n * sizeof(T));
  if (n == 0) return;
  if constexpr (std::is_same_v<T, bool>) {
    for (std::size_t i = 0; i < n; ++i) out[at + i] = std::byte{static_cast<unsigned char>(v[static_cast<std::int64_t>(i)] ? 1 : 0)};
  } else {
    std::memcpy(out.data() + at, v.data(), n * sizeof(T));
    if constexpr (sizeof(T) > 1 && std::endian::native == std::endian::big) {
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < sizeof(T) / 2; ++j)
          std::swap(out[at + i * sizeof(T) + j], out[at + i * sizeof(T) + sizeof(T) - 1 - j]);
    }
  }
}

}  // namespace embedkit::io::detail
