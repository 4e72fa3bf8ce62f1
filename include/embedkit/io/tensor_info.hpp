// ek::io::TensorInfo: one tensor of a safetensors file as its header describes it (what
// SafeTensors::info() and SafeTensors::tensors() in <embedkit/io/safetensors.hpp> return).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "embedkit/core/dtype.hpp"

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
  std::int64_t numel() const noexcept {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;  // cannot overflow: checked when read
    return n;
  }
};

}  // namespace embedkit::io
