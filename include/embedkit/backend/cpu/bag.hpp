// The cpu bag op (backend/common/bag.hpp): offsets validation, the forward reduction split
// across threads by entries + bags (not bags alone, so one long bag does not stall a thread's
// share), and the backward pass.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/cpu/bag/backward.hpp"
#include "embedkit/backend/cpu/bag/forward.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

struct cpu_bag_ops {
  template <IndexType J>
  static OffsetFault check_offsets(TensorView<const J> offsets, std::int64_t n) {
    const J* o = offsets.data();
    const std::int64_t m = offsets.numel();
    if (m == 0) return {};
    const auto at = [o](std::int64_t k) { return static_cast<std::int64_t>(o[k]); };
    if (o[0] != 0) return {OffsetFault::first_not_zero, 0, at(0), 0};
    for (std::int64_t b = 1; b < m; ++b) {
      if (o[b] < o[b - 1]) return {OffsetFault::decreasing, b, at(b), at(b - 1)};
    }
    if (at(m - 1) > n) return {OffsetFault::beyond_input, m - 1, at(m - 1), 0};
    return {};
  }

  // Reduces every bag of `p`; returns the first bad index met (position -1: none).
  template <class S, class I, class J, class A = xsimd::default_arch, bool Checked = true>
  static BagFault forward(const BagProblem<S, I, J>& p) {
    const BagReducer<S, I, J, A, Checked> reducer(p);
    // Chunk boundaries balance (entries + bags): cost(b) = start(b) + b is non-decreasing.
    const std::int64_t total = p.n + p.bags;
    const std::int64_t chunks =
        std::min<std::int64_t>(max_threads(), std::max<std::int64_t>(1, total / 4096));
    std::vector<BagFault> faults(static_cast<std::size_t>(chunks));
    auto first_bag_at = [&](std::int64_t target) {
      std::int64_t lo = 0, hi = p.bags;  // smallest b with start(b) + b >= target
      while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (p.start(mid) + mid < target) lo = mid + 1; else hi = mid;
      }
      return lo;
    };
    parallel_for(chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t c = c0; c < c1; ++c) {
        const std::int64_t b0 = first_bag_at(total * c / chunks);
        const std::int64_t b1 = c + 1 == chunks ? p.bags : first_bag_at(total * (c + 1) / chunks);
        reducer.run(b0, b1, faults[static_cast<std::size_t>(c)]);
      }
    });
    BagFault f;
    for (const BagFault& x : faults) {
      if (x.position >= 0) f.record(x.position, x.value, x.bag);
    }
    return f;
  }

  template <class G, class S, class I, class J>
  static SparseGrad<G, cpu> backward(const BagProblem<S, I, J>& p,
                                     const typename storage_traits<S>::acc* grad_output,
                                     const std::int64_t* argmax, bool scale_by_freq,
                                     bool /*deterministic*/ = true) {
    return BagBackward<G, S, I, J>{p, grad_output, argmax, scale_by_freq}.table_gradient();
  }

  template <class S, class I, class J>
  static ArgmaxFault check_argmax(const BagProblem<S, I, J>& p, const std::int64_t* argmax) {
    return detail::check_argmax(p, argmax);
  }

  template <class S, class I, class J>
  static Tensor<typename storage_traits<S>::acc, cpu> weights_backward(
      const BagProblem<S, I, J>& p, const typename storage_traits<S>::acc* grad_output) {
    return BagBackward<float, S, I, J>{p, grad_output, nullptr, false}.weights_gradient();
  }
};

}  // namespace embedkit::detail
