// What the table parsers produce before the words become a Vocabulary: one word per row, as
// views into the parsed file, and the rows themselves.
#pragma once

#include <string_view>
#include <vector>

#include "embedkit/core/tensor.hpp"

namespace embedkit::io::detail {

struct RawTable {
  std::vector<std::string_view> words;  // views into the parsed bytes
  Tensor<float> vectors;                // [words.size(), dim]
};

}  // namespace embedkit::io::detail
