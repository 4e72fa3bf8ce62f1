// Host memory: what Tensor<T, cpu> allocates with, and the cpu backend's `memory` family.
// 64-byte aligned (a cache line, and the widest SIMD load), so that rows of tables the library
// allocates never straddle more lines than they must; big buffers huge-page aligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "embedkit/core/backend_fwd.hpp"
#include "embedkit/core/config.hpp"
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

// Large freed host buffers kept for reuse (EMBEDKIT_HOST_CACHE_BYTES): a fresh buffer from the
// system is unmapped memory, and touching it takes a page fault per 4 KiB page, which costs
// more than the work of a layer call on it (measured: 5.8 MiB first touched in 7.7 ms, written
// again in 1.0 ms). Buffers are matched by exact size and alignment, so a model called on
// same-shaped batches reuses its temporaries; the oldest buffer goes back to the system when
// the cache is full. Never destroyed: a Tensor freed during static destruction still finds it.
class host_block_cache {
 public:
  static constexpr std::size_t min_bytes = std::size_t{1} << 20;
  static constexpr std::size_t max_blocks = 16;

  static host_block_cache& instance() {
    static host_block_cache* cache = new host_block_cache;  // NOLINT: intentionally immortal
    return *cache;
  }

  static constexpr bool enabled() noexcept {
#if defined(__SANITIZE_ADDRESS__)
    return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return false;
#else
    return EMBEDKIT_HOST_CACHE_BYTES > 0;
#endif
#else
    return EMBEDKIT_HOST_CACHE_BYTES > 0;
#endif
  }

  // A kept buffer of exactly `bytes` bytes and `align` alignment, or null.
  void* take(std::size_t bytes, std::size_t align) noexcept {
    if (!enabled() || bytes < min_bytes) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = blocks_.size(); i-- > 0;) {
      if (blocks_[i].bytes == bytes && blocks_[i].align == align) {
        void* p = blocks_[i].p;
        held_ -= bytes;
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
        return p;
      }
    }
    return nullptr;
  }

  // Keeps `p` for reuse; false when it is too small or too large to keep (the caller frees).
  bool put(void* p, std::size_t bytes, std::size_t align) noexcept {
    if (!enabled() || bytes < min_bytes || bytes > EMBEDKIT_HOST_CACHE_BYTES) return false;
    Block evicted[max_blocks];  // freed outside the lock
    std::size_t n_evicted = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (!blocks_.empty() && (blocks_.size() >= max_blocks || held_ + bytes > EMBEDKIT_HOST_CACHE_BYTES)) {
        held_ -= blocks_.front().bytes;
        evicted[n_evicted++] = blocks_.front();
        blocks_.erase(blocks_.begin());
      }
      blocks_.push_back(Block{p, bytes, align});  // within the capacity reserved: no allocation
      held_ += bytes;
    }
    for (std::size_t i = 0; i < n_evicted; ++i) {
      ::operator delete(evicted[i].p, std::align_val_t{evicted[i].align});
    }
    return true;
  }

 private:
  struct Block {
    void* p;
    std::size_t bytes, align;
  };
  host_block_cache() { blocks_.reserve(max_blocks + 1); }

  std::mutex mutex_;
  std::vector<Block> blocks_;  // oldest first
  std::size_t held_ = 0;
};

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
    if (void* kept = host_block_cache::instance().take(bytes, alignment_for(bytes))) {
      return static_cast<T*>(kept);
    }
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
      const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(T);
      if (host_block_cache::instance().put(static_cast<void*>(p), bytes, alignment_for(bytes))) return;
      ::operator delete(static_cast<void*>(p), std::align_val_t{alignment_for(bytes)});
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
