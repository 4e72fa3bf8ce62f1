// The backend tag types, declared here so that core types can name them. A backend is a policy
// type naming one kernel family per op (backend/common/policy.hpp). `cpu` is defined in
// embedkit/backend/cpu.hpp; `cuda` in embedkit/backend/cuda.hpp (nvcc only).
#pragma once

namespace embedkit {
struct cpu;
struct cuda;

namespace detail {
// A backend's memory family (backend/common/memory.hpp), found by Tensor without the rest of
// the backend: core/host/memory.hpp specializes it for cpu, backend/cuda/memory.cuh for cuda.
template <class Backend>
struct memory_of;
}  // namespace detail
}  // namespace embedkit
