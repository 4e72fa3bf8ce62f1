// The cuda index op (backend/common/index.hpp): every index checked by one thread, the first
// bad position kept with atomicMin, its value read back.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "embedkit/backend/common/index.hpp"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/fault.cuh"
#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

template <class I>
__global__ void find_bad_index_kernel(const I* idx, std::int64_t n, std::int64_t rows,
                                      unsigned long long* fault) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) {
    if (static_cast<std::uint64_t>(static_cast<std::int64_t>(idx[i])) >= static_cast<std::uint64_t>(rows)) {
      record_fault(fault, i);
    }
  }
}

struct cuda_index_ops {
  template <IndexType I>
  static IndexFault first_bad(TensorView<const I> idx, std::int64_t rows) {
    const std::int64_t n = idx.numel();
    if (n == 0) return {};
    DeviceFaults fault;
    launch("find_bad_index_kernel", n, find_bad_index_kernel<I>, idx.data(), n, rows, fault.data());
    const std::int64_t at = fault.read();
    if (at < 0) return {};
    return {at, static_cast<std::int64_t>(cuda_memory::load(idx.data() + at))};
  }
};

}  // namespace embedkit::detail
