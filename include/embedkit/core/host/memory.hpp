// Host memory: what Tensor<T, cpu> allocates with, and the cpu backend's `memory` family.
// 64-byte aligned (a cache line, and the widest SIMD load), so that rows of tables the library
// allocates never straddle more lines than they must; big buffers huge-page aligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/error.hpp"

namespace embedkit::detail {

// The bytes of `count` (> 0) elements of T, or a value_error when that overflows: every
// backend's allocate starts here.
template <class T>
std::size_t allocation_bytes(std::int64_t count) {
  if (static_cast<std::uint64_t>(count) > std::numeric_limits<std::size_t>::max() / sizeof(T)) {
    raise<value_error>("cannot allocate " + std::to_string(count) + " elements of " +
                       std::to_string(sizeof(T)) + " bytes: the size overflows");
  }
  return static_cast<std::size_t>(count) * sizeof(T);
}

struct host_memory {
  static constexpr std::size_t alignment = 64;
  // Buffers of at least two huge pages start on a huge-page boundary, so that all of them can
  // be backed by 2 MiB pages: big tables are read at random rows, where 4 KiB pages make nearly
  // every lookup miss the TLB, and big outputs fault in 2 MiB at a time instead of 4 KiB.
  static constexpr std::size_t huge_page = std::size_t{2} << 20;

  static constexpr std::size_t alignment_for(std::size_t bytes) noexcept {
    return bytes >= 2 * huge_page ? huge_page : alignment;
  }

  template <class T>
  static T* allocate(std::int64_t count) {
    if (count <= 0) return nullptr;
    const std::size_t bytes = allocation_bytes<T>(count);
    void* p = ::operator new(bytes, std::align_val_t{alignment_for(bytes)});
    advise_huge_pages(p, bytes);
    return static_cast<T*>(p);
  }

  // A hint (transparent huge pages in "madvise" mode); the kernel may decline, and nothing
  // changes where THP is off or always on.
  static void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes < 2 * huge_page) return;
    const auto begin = reinterpret_cast<std::uintptr_t>(p);
    const auto end = (begin + bytes) & ~(huge_page - 1);
    if (end > begin) ::madvise(p, end - begin, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
  }

  // `count` must be the count given to allocate (it decides the alignment used).
  template <class T>
  static void deallocate(T* p, std::int64_t count) noexcept {
    if (p) {
      ::operator delete(static_cast<void*>(p),
                        std::align_val_t{alignment_for(static_cast<std::size_t>(count) * sizeof(T))});
    }
  }

  // Copies between host buffers (the only space this backend knows).
  static void copy_bytes(void* dst, const void* src, std::size_t bytes) noexcept {
    if (bytes) std::memcpy(dst, src, bytes);
  }

  // Copies between this backend's memory and the host: both are host memory here.
  static void copy_to_host(void* dst, const void* src, std::size_t bytes) noexcept {
    copy_bytes(dst, src, bytes);
  }
  static void copy_from_host(void* dst, const void* src, std::size_t bytes) noexcept {
    copy_bytes(dst, src, bytes);
  }

  // One element of this backend's memory, read on the host (an offset for a bounds check,
  // a value for an error message).
  template <class T>
  static T load(const T* p) noexcept {
    return *p;
  }

  // Sets `bytes` bytes to zero; all-zero bits are 0 for every storage type.
  static void zero_bytes(void* dst, std::size_t bytes) noexcept {
    if (bytes) std::memset(dst, 0, bytes);
  }
};

template <>
struct memory_of<cpu> : host_memory {};

}  // namespace embedkit::detail
