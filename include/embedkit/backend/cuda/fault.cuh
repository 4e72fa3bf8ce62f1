// The device side of fault reporting. Kernels never assert and never read out of bounds: a
// thread that meets a bad index (or offset) lowers a 64-bit key in device memory with
// atomicMin, so the smallest key (the first fault, in input order) survives whatever the
// thread schedule, and the host turns it into the error the cpu backend would raise.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/backend/cuda/runtime.cuh"
#include "embedkit/core/tensor.hpp"

namespace embedkit::detail {

// "No fault" is all bits set: every real key is smaller.
inline constexpr unsigned long long no_fault = ~0ull;

__device__ inline void record_fault(unsigned long long* slot, std::int64_t key) {
  atomicMin(slot, static_cast<unsigned long long>(key));
}

// A few fault slots in device memory, all set to no_fault; read() copies them back.
class DeviceFaults {
 public:
  explicit DeviceFaults(int slots = 1)
      : slots_(Tensor<unsigned long long, cuda>::empty({slots})) {
    cuda_check(cudaMemsetAsync(slots_.data(), 0xFF, slots_.bytes(), current_stream_slot()),
               "cudaMemsetAsync");
  }
  unsigned long long* data() noexcept { return slots_.data(); }

  // Waits for the kernels before it; slot 0's key, or -1 for no fault.
  std::int64_t read() const {
    std::int64_t v;
    read_all(&v);
    return v;
  }
  // All slots in one copy (slots still at no_fault read as -1).
  void read_all(std::int64_t* out) const {
    cuda_memory::copy_to_host(out, slots_.data(), slots_.bytes());
  }

 private:
  Tensor<unsigned long long, cuda> slots_;
};

}  // namespace embedkit::detail
