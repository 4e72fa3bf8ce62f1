// The dtypes of the safetensors format, as the reference (Rust) crate declares them. The
// crate's declaration order is its layout rank: its writer places tensors by descending rank
// (the widest alignment first), then by name, and embedkit's writer does the same.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "embedkit/core/dtype.hpp"
#include "embedkit/io/detail/convert.hpp"

namespace embedkit::io::detail {

struct st_dtype {
  std::string_view name;
  int rank;                       // position in the crate's enum
  std::size_t bits;               // element width; sub-byte types pack
  std::optional<scalar> element;  // what embedkit converts it as, if anything
};

inline constexpr st_dtype kStDtypes[] = {
    {"BOOL", 0, 8, scalar::boolean},  {"F4", 1, 4, std::nullopt},
    {"F6_E2M3", 2, 6, std::nullopt},  {"F6_E3M2", 3, 6, std::nullopt},
    {"U8", 4, 8, scalar::u8},         {"I8", 5, 8, scalar::i8},
    {"F8_E5M2", 6, 8, std::nullopt},  {"F8_E4M3", 7, 8, std::nullopt},
    {"F8_E8M0", 8, 8, std::nullopt},  {"I16", 9, 16, scalar::i16},
    {"U16", 10, 16, scalar::u16},     {"F16", 11, 16, scalar::f16},
    {"BF16", 12, 16, scalar::bf16},   {"I32", 13, 32, scalar::i32},
    {"U32", 14, 32, scalar::u32},     {"F32", 15, 32, scalar::f32},
    {"C64", 16, 64, std::nullopt},    {"F64", 17, 64, scalar::f64},
    {"I64", 18, 64, scalar::i64},     {"U64", 19, 64, scalar::u64},
};

inline const st_dtype* find_st_dtype(std::string_view name) noexcept {
  for (const st_dtype& d : kStDtypes)
    if (d.name == name) return &d;
  return nullptr;
}

// The safetensors dtype of an embedkit dtype.
inline const st_dtype& st_dtype_of(dtype t) noexcept {
  std::string_view n;
  switch (t) {
    case dtype::boolean: n = "BOOL"; break;
    case dtype::u8: n = "U8"; break;
    case dtype::i8: n = "I8"; break;
    case dtype::i16: n = "I16"; break;
    case dtype::f16: n = "F16"; break;
    case dtype::bf16: n = "BF16"; break;
    case dtype::i32: n = "I32"; break;
    case dtype::f32: n = "F32"; break;
    case dtype::f64: n = "F64"; break;
    case dtype::i64: n = "I64"; break;
  }
  return *find_st_dtype(n);
}

// "BOOL, F4, ..." for messages.
inline std::string st_dtype_list() {
  std::string s;
  for (const st_dtype& d : kStDtypes) {
    if (!s.empty()) s += ", ";
    s += d.name;
  }
  return s;
}

}  // namespace embedkit::io::detail
