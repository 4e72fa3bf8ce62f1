// Parallel loops on the host (cpu kernels, initializers, parsers): OpenMP when the translation
// unit is compiled with it, a plain loop otherwise. The body receives a half-open range [begin, end) so that per-range
// setup (accumulators, scratch) is paid once per chunk, not per element.
#pragma once

#include <algorithm>
#include <cstdint>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace embedkit::detail {

inline int max_threads() noexcept {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Calls body(begin, end) over [0, n) split into chunks of at least `grain` elements. Runs
// serially when the work is small or when called from inside another parallel region.
// `body` must not throw (exceptions cannot leave an OpenMP region): callers validate input
// before the loop.
template <class Body>
void parallel_for(std::int64_t n, std::int64_t grain, Body&& body) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(grain, 1);
#if defined(_OPENMP)
  const std::int64_t threads =
      std::min<std::int64_t>(max_threads(), (n + grain - 1) / grain);
  if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads(static_cast<int>(threads))
    {
      const std::int64_t t = omp_get_thread_num();
      const std::int64_t nt = omp_get_num_threads();
      const std::int64_t begin = n * t / nt;
      const std::int64_t end = n * (t + 1) / nt;
      if (begin < end) body(begin, end);
    }
    return;
  }
#endif
  body(std::int64_t{0}, n);
}

}  // namespace embedkit::detail
