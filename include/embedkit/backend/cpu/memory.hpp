// Host memory for the cpu backend: 64-byte aligned (a cache line, and the widest SIMD load),
// so that rows of tables the library allocates never straddle more lines than they must.
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

struct cpu_memory {
  static constexpr std::size_t alignment = 64;

  template <class T>
  static T* allocate(std::int64_t count) {
    if (count <= 0) return nullptr;
    if (static_cast<std::uint64_t>(count) > std::numeric_limits<std::size_t>::max() / sizeof(T)) {
      raise<value_error>("cannot allocate " + std::to_string(count) + " elements of " +
                         std::to_string(sizeof(T)) + " bytes: the size overflows");
    }
    const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(T);
    void* p = ::operator new(bytes, std::align_val_t{alignment});
    advise_huge_pages(p, bytes);
    return static_cast<T*>(p);
  }

  // Large tables are read at random rows: with 4 KiB pages nearly every lookup misses the TLB.
  // Ask for transparent huge pages on the 2 MiB-aligned interior of big buffers (a hint; the
  // kernel may decline, and nothing changes where THP is off).
  static void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::size_t huge = std::size_t{2} << 20;
    if (bytes < 8 * huge) return;
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
  }

  template <class T>
  static void deallocate(T* p) noexcept {
    if (p) ::operator delete(static_cast<void*>(p), std::align_val_t{alignment});
  }

  // Copies between host buffers (the only space this backend knows).
  static void copy_bytes(void* dst, const void* src, std::size_t bytes) noexcept {
    if (bytes) std::memcpy(dst, src, bytes);
  }

  // Sets `bytes` bytes to zero; all-zero bits are 0 for every storage type.
  static void zero_bytes(void* dst, std::size_t bytes) noexcept {
    if (bytes) std::memset(dst, 0, bytes);
  }
};

template <>
struct memory_of<cpu> : cpu_memory {};

}  // namespace embedkit::detail
