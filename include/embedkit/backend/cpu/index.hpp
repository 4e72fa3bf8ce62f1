// The cpu index op (backend/common/index.hpp): one vectorisable pass over the indices.
#pragma once

#include <cstdint>

#include "embedkit/backend/common/index.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

struct cpu_index_ops {
  template <IndexType I>
  static IndexFault first_bad(TensorView<const I> idx, std::int64_t rows) {
    const I* p = idx.data();
    const std::int64_t n = idx.numel();
    // One unsigned compare per index catches negatives too. The scan has no early exit so the
    // loop vectorises; the rare failing case rescans for the first position.
    bool bad = false;
    for (std::int64_t i = 0; i < n; ++i) {
      bad |= static_cast<std::uint64_t>(static_cast<std::int64_t>(p[i])) >=
             static_cast<std::uint64_t>(rows);
    }
    if (!bad) return {};
    for (std::int64_t i = 0; i < n; ++i) {
      if (p[i] < 0 || static_cast<std::int64_t>(p[i]) >= rows) return {i, static_cast<std::int64_t>(p[i])};
    }
    return {};
  }
};

}  // namespace embedkit::detail
