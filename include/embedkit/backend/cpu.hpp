// The cpu backend policy. Like xsimd's architecture tags, `embedkit::cpu` is a type that layers
// take as a template argument; unlike a bare tag it names one kernel family per op, each in its
// own header under backend/cpu/, checked against the op's contract (backend/common/<op>.hpp).
// Layers call cpu::bag::forward(p), cpu::embedding::gather(...), cpu::memory::allocate<T>(n).
#pragma once

#include <cstdint>

#include "embedkit/backend/common/policy.hpp"
#include "embedkit/backend/cpu/attention.hpp"
#include "embedkit/backend/cpu/bag.hpp"
#include "embedkit/backend/cpu/conv.hpp"
#include "embedkit/backend/cpu/embedding.hpp"
#include "embedkit/backend/cpu/gemm.hpp"
#include "embedkit/backend/cpu/index.hpp"
#include "embedkit/backend/cpu/pointwise.hpp"
#include "embedkit/backend/cpu/pool.hpp"
#include "embedkit/backend/cpu/recurrent.hpp"
#include "embedkit/backend/cpu/rows.hpp"
#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/host/memory.hpp"
#include "embedkit/core/host/parallel.hpp"

namespace embedkit {

struct cpu {
  static constexpr const char* name = "cpu";

  // The op families: one line each.
  using memory = detail::host_memory;
  using index = detail::cpu_index_ops;
  using rows = detail::cpu_row_ops;
  using embedding = detail::cpu_embedding_ops;
  using bag = detail::cpu_bag_ops;
  using gemm = detail::cpu_gemm_ops;
  using pointwise = detail::cpu_pointwise_ops;
  using conv = detail::cpu_conv_ops;
  using recurrent = detail::cpu_recurrent_ops;
  using pool = detail::cpu_pool_ops;
  using attention = detail::cpu_attention_ops;

  // Runs body(begin, end) over [0, n) in parallel chunks of at least `grain` elements.
  template <class Body>
  static void parallel_for(std::int64_t n, std::int64_t grain, Body&& body) {
    detail::parallel_for(n, grain, static_cast<Body&&>(body));
  }
  static int max_threads() noexcept { return detail::max_threads(); }
};

static_assert(detail::BackendPolicy<cpu>, "ek::cpu must provide every op of backend/common/");

}  // namespace embedkit
