// The layout of a .npy file (NumPy's format.py, versions 1.0, 2.0 and 3.0):
//   "\x93NUMPY", major, minor, header length (u16 LE for 1.x, u32 LE for 2.x and 3.x),
//   the header dict (latin-1 for 1.x/2.x, UTF-8 for 3.x), then the elements.
// Everything a reader allocates or touches is checked against the file size first.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/convert.hpp"
#include "embedkit/io/detail/npy/dict_literal.hpp"
#include "embedkit/io/npy_info.hpp"

namespace embedkit::io::detail {

inline constexpr std::string_view kNpyMagic{"\x93NUMPY", 6};

struct npy_layout {
  NpyInfo info;
  scalar type = scalar::f32;
  bool swap = false;  // stored in the byte order opposite to this machine's
};

// "npy: 'path': " or "npy: " when the bytes did not come from a named file.
inline std::string npy_prefix(std::string_view name) {
  return name.empty() ? std::string("npy: ") : "npy: '" + std::string(name) + "': ";
}

[[noreturn]] inline void npy_fail(std::string_view name, const std::string& what,
                                  std::int64_t byte) {
  embedkit::detail::raise<format_error>(
      npy_prefix(name) + what + " at byte " + std::to_string(byte), byte);
}

// "(2, 3)" as NumPy writes a shape.
inline std::string npy_shape_str(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

// The element type and byte order of a descr such as "<f4"; format_error otherwise.
inline void npy_parse_descr(std::string_view name, const std::string& descr, npy_layout& out,
                            std::int64_t at) {
  std::string_view d = descr;
  char order = '=';
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    order = d[0];
    d.remove_prefix(1);
  }
  struct entry {
    std::string_view code;
    scalar type;
  };
  static constexpr entry table[] = {
      {"b1", scalar::boolean}, {"u1", scalar::u8},   {"i1", scalar::i8},  {"u2", scalar::u16},
      {"i2", scalar::i16},     {"u4", scalar::u32},  {"i4", scalar::i32}, {"u8", scalar::u64},
      {"i8", scalar::i64},     {"f2", scalar::f16},  {"f4", scalar::f32}, {"f8", scalar::f64},
  };
  for (const entry& e : table) {
    if (e.code != d) continue;
    if (order == '|' && scalar_size(e.type) != 1) {
      npy_fail(name, "descr '" + descr + "' has no byte order ('|') but items of " +
                   std::to_string(scalar_size(e.type)) + " bytes",
               at);
    }
    out.type = e.type;
    const bool big = order == '>' || (order == '=' && std::endian::native == std::endian::big);
    out.swap = scalar_size(e.type) > 1 && big != (std::endian::native == std::endian::big);
    out.info.type = to_dtype(e.type);
    return;
  }
  npy_fail(name, "unsupported dtype '" + descr +
               "' (embedkit reads b1, i1, i2, i4, i8, u1, u2, u4, u8, f2, f4, f8 in either byte "
               "order)",
           at);
}

// Reads and checks the header of a whole .npy file held in `file`; `name` (the path, or
// empty) goes into messages.
inline npy_layout parse_npy(std::span<const std::byte> file, std::string_view name = {}) {
  const auto* p = reinterpret_cast<const unsigned char*>(file.data());
  const std::size_t size = file.size();
  if (size < 10) {
    npy_fail(name, "a file of " + std::to_string(size) + " bytes is too short for a .npy preamble", 0);
  }
  if (std::string_view(reinterpret_cast<const char*>(p), 6) != kNpyMagic) {
    npy_fail(name, "not a .npy file: expected the magic string \\x93NUMPY", 0);
  }
  npy_layout out;
  out.info.version_major = p[6];
  out.info.version_minor = p[7];
  if (p[6] < 1 || p[6] > 3 || p[7] != 0) {
    npy_fail(name, "unsupported format version " + std::to_string(p[6]) + "." + std::to_string(p[7]) +
                 " (embedkit reads 1.0, 2.0 and 3.0)",
             6);
  }
  std::size_t header_len, preamble;
  if (p[6] == 1) {
    header_len = p[8] | (std::size_t{p[9]} << 8);
    preamble = 10;
  } else {
    if (size < 12) {
      npy_fail(name, "a version " + std::to_string(p[6]) + ".0 file needs a 12-byte preamble, this one is " +
                   std::to_string(size) + " bytes",
               0);
    }
    header_len = p[8] | (std::size_t{p[9]} << 8) | (std::size_t{p[10]} << 16) |
                 (std::size_t{p[11]} << 24);
    preamble = 12;
  }
  if (header_len > size - preamble) {
    npy_fail(name, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                 std::to_string(size) + " bytes)",
             8);
  }
  const std::string_view header(reinterpret_cast<const char*>(p) + preamble, header_len);
  npy_dict dict = NpyDictParser(header, static_cast<std::int64_t>(preamble), npy_prefix(name)).parse();
  out.info.descr = std::move(dict.descr);
  out.info.fortran_order = dict.fortran_order;
  out.info.shape = std::move(dict.shape);
  out.info.data_offset = preamble + header_len;
  npy_parse_descr(name, out.info.descr, out, static_cast<std::int64_t>(preamble));

  // Element count and byte count, refusing overflow before anything is allocated. The
  // product of the non-zero extents must fit int64 (ek::Shape's invariant) even when a zero
  // extent makes the count 0, so that every partial product formed later (strides, rows * dim)
  // is exact too.
  const auto item = static_cast<std::int64_t>(scalar_size(out.type));
  std::int64_t nonzero = 1;
  bool zero = false;
  for (std::int64_t d : out.info.shape) {
    if (d == 0) {
      zero = true;
    } else if (!embedkit::detail::mul_fits(nonzero, d, nonzero)) {
      npy_fail(name, "shape " + npy_shape_str(out.info.shape) +
                         " has more elements than int64 can count (the product of its non-zero "
                         "extents must fit int64)",
               static_cast<std::int64_t>(preamble));
    }
  }
  const std::int64_t numel = zero ? 0 : nonzero;
  const std::size_t available = size - out.info.data_offset;
  std::int64_t need = 0;
  const bool overflow = !embedkit::detail::mul_fits(numel, item, need);
  if (overflow || static_cast<std::uint64_t>(need) != available) {
    npy_fail(name, "the data is " + std::to_string(available) + " bytes, but shape " +
                 npy_shape_str(out.info.shape) + " of '" + out.info.descr + "' needs " +
                 (overflow ? std::string("more bytes than int64 can count") : std::to_string(need)),
             static_cast<std::int64_t>(out.info.data_offset));
  }
  out.info.data_bytes = available;
  return out;
}

}  // namespace embedkit::io::detail
