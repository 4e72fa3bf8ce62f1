// Configuration macros: the one place a user changes how embedkit reports errors or checks
// its own invariants. Define any of them before including an embedkit header.
#pragma once

#include <cstddef>

#define EMBEDKIT_VERSION_MAJOR 0
#define EMBEDKIT_VERSION_MINOR 1
#define EMBEDKIT_VERSION_PATCH 0

// EMBEDKIT_THROW(x): how an ek::error leaves the library. By default it is thrown; a program
// built without exceptions can route it to its own handler (which must not return).
#ifndef EMBEDKIT_THROW
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define EMBEDKIT_THROW(x) throw x
#else
#include <cstdio>
#include <cstdlib>
#define EMBEDKIT_THROW(x) \
  (std::fprintf(stderr, "embedkit: %s\n", (x).what()), std::abort())
#endif
#endif

// EMBEDKIT_ASSERT(cond, msg): internal invariants (never user input, which always gets an
// ek::error). Active in debug builds, or when EMBEDKIT_ENABLE_ASSERTS is defined.
#ifndef EMBEDKIT_ASSERT
#if !defined(NDEBUG) || defined(EMBEDKIT_ENABLE_ASSERTS)
#include <cstdio>
#include <cstdlib>
#define EMBEDKIT_ASSERT(cond, msg)                                                   \
  ((cond) ? (void)0                                                                  \
          : (std::fprintf(stderr, "%s:%d: embedkit assertion failed: %s\n", __FILE__, \
                          __LINE__, (msg)),                                          \
             std::abort()))
#else
#define EMBEDKIT_ASSERT(cond, msg) ((void)0)
#endif
#endif

// EMBEDKIT_RESTRICT: no-alias hint for kernel pointers.
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define EMBEDKIT_RESTRICT __restrict
#else
#define EMBEDKIT_RESTRICT
#endif

// EMBEDKIT_HOST_DEVICE: functions written once for host code and CUDA kernels (descriptors such
// as BagProblem, the q8/q4 row layouts, the 16-bit conversions). Such functions call only other
// EMBEDKIT_HOST_DEVICE functions and compiler builtins (detail::bit_cast, not std::bit_cast), so
// nvcc needs no --expt-relaxed-constexpr.
#if defined(__CUDACC__)
#define EMBEDKIT_HOST_DEVICE __host__ __device__
#else
#define EMBEDKIT_HOST_DEVICE
#endif

// Tuning knobs. Define before including an embedkit header to override.
//
// EMBEDKIT_PREFETCH_DISTANCE: how many input entries ahead the cpu EmbeddingBag kernel
// prefetches a row (FBGEMM uses 16; 8 to 48 measured on this project's machines, 16 best).
#ifndef EMBEDKIT_PREFETCH_DISTANCE
#define EMBEDKIT_PREFETCH_DISTANCE 16
#endif
//
// EMBEDKIT_HOST_CACHE_BYTES: host buffers of 1 MiB or more that Tensors free are kept, up to
// this many bytes in all (and 16 buffers), and handed to the next allocation of the same size:
// a layer's temporaries (unfolded inputs, gate projections, outputs) then cost no page faults
// from the second call on. 0 turns the cache off; it is always off under AddressSanitizer, so
// that use-after-free of a buffer is still caught.
#ifndef EMBEDKIT_HOST_CACHE_BYTES
#define EMBEDKIT_HOST_CACHE_BYTES (std::size_t{256} << 20)
#endif
//
// EMBEDKIT_CUDA_KEEP_POOL_THRESHOLD: when defined, the cuda backend leaves the release threshold
// of each device's default memory pool as the application set it. By default it raises it once
// per device, so that memory freed by one layer call is reused by the next instead of being
// returned to the driver at every synchronisation (docs/guide/cuda.md).

namespace embedkit::detail {

// std::bit_cast for functions that also run on the device (std::bit_cast is a host function
// to nvcc). Both types must be trivially copyable and of the same size.
template <class To, class From>
EMBEDKIT_HOST_DEVICE constexpr To bit_cast(const From& v) noexcept {
  static_assert(sizeof(To) == sizeof(From), "bit_cast: the types differ in size");
  return __builtin_bit_cast(To, v);
}

}  // namespace embedkit::detail
