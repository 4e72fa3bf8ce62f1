// The cuda bag op (backend/common/bag.hpp): offsets validation, the forward reduction and the
// backward, with the cpu backend's results.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/cuda/bag/backward.cuh"
#include "embedkit/backend/cuda/bag/forward.cuh"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/fault.cuh"
#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

// Offset faults keyed so that the smallest key is the one the cpu's in-order scan reports
// first: offsets[0] != 0 is key 0; offsets[k] < offsets[k - 1] is 2k; the last offset beyond
// the input (k = m - 1) is 2k + 1, after a decrease at the same k.
template <class J>
__global__ void check_offsets_kernel(const J* o, std::int64_t m, std::int64_t n, unsigned long long* fault) {
  for (std::int64_t k = global_thread(); k < m; k += grid_threads()) {
    if (k == 0 && o[0] != 0) record_fault(fault, 0);
    if (k > 0 && o[k] < o[k - 1]) record_fault(fault, 2 * k);
    if (k == m - 1 && static_cast<std::int64_t>(o[k]) > n) record_fault(fault, 2 * k + 1);
  }
}

struct cuda_bag_ops {
  template <IndexType J>
  static OffsetFault check_offsets(TensorView<const J> offsets, std::int64_t n) {
    const std::int64_t m = offsets.numel();
    if (m == 0) return {};
    DeviceFaults fault;
    launch("check_offsets_kernel", m, check_offsets_kernel<J>, offsets.data(), m, n, fault.data());
    const std::int64_t key = fault.read();
    if (key < 0) return {};
    const J* o = offsets.data();
    const auto at = [o](std::int64_t k) { return static_cast<std::int64_t>(cuda_memory::load(o + k)); };
    if (key == 0) return {OffsetFault::first_not_zero, 0, at(0), 0};
    const std::int64_t k = key / 2;
    if (key % 2 == 0) return {OffsetFault::decreasing, k, at(k), at(k - 1)};
    return {OffsetFault::beyond_input, k, at(k), 0};
  }

  template <class S, class I, class J>
  static BagFault forward(const BagProblem<S, I, J>& p) {
    return cuda_bag_forward(p);
  }

  template <class G, class S, class I, class J>
  static SparseGrad<G, cuda> backward(const BagProblem<S, I, J>& p,
                                      const typename storage_traits<S>::acc* grad_output,
                                      const std::int64_t* argmax, bool scale_by_freq,
                                      bool deterministic = true) {
    return CudaBagBackward<G, S, I, J>{p, grad_output, argmax, scale_by_freq, deterministic}.table_gradient();
  }

  template <class S, class I, class J>
  static ArgmaxFault check_argmax(const BagProblem<S, I, J>& p, const std::int64_t* argmax) {
    const std::int64_t total = p.bags * p.dim;
    if (total == 0) return {};
    DeviceFaults fault;
    launch("check_argmax_kernel", total, check_argmax_kernel<S, I, J>, p, argmax, fault.data());
    const std::int64_t t = fault.read();
    if (t < 0) return {};
    return {t, cuda_memory::load(argmax + t)};
  }

  template <class S, class I, class J>
  static Tensor<typename storage_traits<S>::acc, cuda> weights_backward(
      const BagProblem<S, I, J>& p, const typename storage_traits<S>::acc* grad_output) {
    return CudaBagBackward<float, S, I, J>{p, grad_output, nullptr, false, true}.weights_gradient();
  }
};

}  // namespace embedkit::detail
