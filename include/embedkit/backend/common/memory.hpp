// The memory op: how a backend allocates, frees, copies and reads its memory. Tensor<T, B>
// reaches it through detail::memory_of<B> (core/backend_fwd.hpp), so core types need a
// backend's memory family and nothing else of it; layers reach it as B::memory.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace embedkit::detail {

// Faults: allocate raises ek::value_error on overflow (and the backend's error when memory runs
// out); deallocate never throws (it runs in destructors).
template <class M>
concept MemoryOps = requires(void* dst, const void* src, std::size_t bytes, float* p,
                             const float* cp, std::int64_t count) {
  { M::template allocate<float>(count) } -> std::same_as<float*>;  // count <= 0: nullptr
  { M::deallocate(p, count) } noexcept;                            // the count given to allocate
  M::copy_bytes(dst, src, bytes);      // within this backend's memory
  M::copy_to_host(dst, src, bytes);    // complete when it returns
  M::copy_from_host(dst, src, bytes);  // the host buffer is reusable when it returns
  { M::load(cp) } -> std::same_as<float>;  // one element, read on the host
  M::zero_bytes(dst, bytes);
};

}  // namespace embedkit::detail
