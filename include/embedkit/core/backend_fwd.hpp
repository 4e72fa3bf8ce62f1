// The backend tag types, declared here so that core types can name them. A backend is a policy
// type: its static member functions are the memory operations and kernels the layers call.
// `cpu` is defined in embedkit/backend/cpu.hpp; `cuda` in embedkit/backend/cuda.hpp (nvcc only).
#pragma once

namespace embedkit {
struct cpu;
struct cuda;

namespace detail {
// The memory operations of a backend (allocate(count), deallocate(p, count), copy_bytes, zero_bytes), found
// by Tensor without needing the backend's kernels. Each backend specializes it.
template <class Backend>
struct memory_of;
}  // namespace detail
}  // namespace embedkit
