// ek::io::NpyInfo: what the header of a NumPy .npy file says (read_npy_header() and
// NpyFile::info() in <embedkit/io/npy.hpp> return it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"

namespace embedkit::io {

// What the header of a .npy file says.
struct NpyInfo {
  int version_major = 1;
  int version_minor = 0;
  std::string descr;               // as stored: "<f4", ">i8", "|b1", ...
  std::optional<dtype> type;       // the element type; empty for uint16/32/64, which
                                   // embedkit converts from but has no dtype for
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;     // bytes before the first element (a multiple of 64 or 16)
  std::size_t data_bytes = 0;      // numel() * item size, which is exactly what follows

  // The element count. The reader guarantees the extents are >= 0 and the non-zero ones
  // multiply within int64; an NpyInfo filled in by hand that breaks this is an
  // ek::shape_error here, never a wrapped count.
  std::int64_t numel() const {
    for (std::int64_t d : shape) {
      if (d == 0) return 0;
    }
    std::int64_t n = 1;
    for (std::int64_t d : shape) {
      if (!embedkit::detail::mul_fits(n, d, n)) {
        embedkit::detail::raise<shape_error>(
            "npy: the element count of the shape overflows int64 or has a negative extent");
      }
    }
    return n;
  }
};

}  // namespace embedkit::io
