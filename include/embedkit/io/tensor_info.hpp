// ek::io::TensorInfo: one tensor of a safetensors file as its header describes it (what
// SafeTensors::info() and SafeTensors::tensors() in <embedkit/io/safetensors.hpp> return).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"

namespace embedkit::io {

// One tensor of a safetensors file.
struct TensorInfo {
  std::string name;
  std::string dtype_name;            // as stored: "F32", "BF16", "U16", "F8_E4M3", ...
  std::optional<dtype> type;         // embedkit's dtype for it, when there is one
  std::vector<std::int64_t> shape;   // may exceed ek::Shape's rank limit; get() checks
  std::uint64_t begin = 0;           // [begin, end): bytes within the data buffer
  std::uint64_t end = 0;
  std::uint64_t file_offset = 0;     // where `begin` lies in the file

  std::uint64_t bytes() const noexcept { return end - begin; }
  // The element count. The reader guarantees the extents are >= 0 and the non-zero ones
  // multiply within int64; a TensorInfo filled in by hand that breaks this is an
  // ek::shape_error here, never a wrapped count.
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape) {
      if (d == 0) return 0;
    }
    for (std::int64_t d : shape) {
      if (!embedkit::detail::mul_fits(n, d, n)) {
        embedkit::detail::raise<shape_error>("tensor \"" + name + "\": the element count of its shape " +
                                             "overflows int64 or has a negative extent");
      }
    }
    return n;
  }
};

}  // namespace embedkit::io
