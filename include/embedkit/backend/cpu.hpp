// The cpu backend policy. Like xsimd's architecture tags, `embedkit::cpu` is a type that
// layers take as a template argument; unlike a bare tag it carries the backend's operations
// as static members, gathered from one header per concern under backend/cpu/.
#pragma once

#include "embedkit/backend/cpu/embedding.hpp"
#include "embedkit/backend/cpu/embedding_bag.hpp"
#include "embedkit/core/host/memory.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/backend_fwd.hpp"

namespace embedkit {

struct cpu : detail::cpu_memory, detail::cpu_embedding_kernels, detail::cpu_bag_kernels {
  static constexpr const char* name = "cpu";

  // Runs body(begin, end) over [0, n) in parallel chunks of at least `grain` elements.
  template <class Body>
  static void parallel_for(std::int64_t n, std::int64_t grain, Body&& body) {
    detail::parallel_for(n, grain, static_cast<Body&&>(body));
  }
  static int max_threads() noexcept { return detail::max_threads(); }
};

}  // namespace embedkit
