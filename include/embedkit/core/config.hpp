// Configuration macros: the one place a user changes how embedkit reports errors or checks
// its own invariants. Define any of them before including an embedkit header.
#pragma once

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

// EMBEDKIT_HOST_DEVICE: functions usable from CUDA kernels as well as host code. They call
// constexpr standard-library functions (std::array, std::bit_cast), which nvcc lets device code
// call only under --expt-relaxed-constexpr; without it they stay host functions.
#if defined(__CUDACC__) && defined(__CUDACC_RELAXED_CONSTEXPR__)
#define EMBEDKIT_HOST_DEVICE __host__ __device__
#else
#define EMBEDKIT_HOST_DEVICE
#endif
