// Table elements on the device: loading a storage type widened to its accumulation type, and
// storing an accumulated value rounded back (round to nearest even, as the host conversions
// and PyTorch do). ek::half and ek::bfloat16 are handled through their 16-bit patterns with
// CUDA's own conversion intrinsics, since the host types' members are not device functions.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/half.hpp"

namespace embedkit::detail {

template <class S>
struct device_element;  // float, double, half, bfloat16

template <>
struct device_element<float> {
  using acc = float;
  __device__ static float load(const float* p) { return *p; }
  __device__ static void store(float* p, float v) { *p = v; }
};
template <>
struct device_element<double> {
  using acc = double;
  __device__ static double load(const double* p) { return *p; }
  __device__ static void store(double* p, double v) { *p = v; }
};
template <>
struct device_element<half> {
  using acc = float;
  __device__ static float load(const half* p) {
    return __half2float(__ushort_as_half(*reinterpret_cast<const unsigned short*>(p)));
  }
  __device__ static void store(half* p, float v) {
    *reinterpret_cast<unsigned short*>(p) = __half_as_ushort(__float2half_rn(v));
  }
};
template <>
struct device_element<bfloat16> {
  using acc = float;
  __device__ static float load(const bfloat16* p) {
    return __uint_as_float(static_cast<unsigned>(*reinterpret_cast<const unsigned short*>(p)) << 16);
  }
  __device__ static void store(bfloat16* p, float v) {
    *reinterpret_cast<unsigned short*>(p) = __bfloat16_as_ushort(__float2bfloat16_rn(v));
  }
};

// An unsigned integer of N bytes: rows are copied as words of the element's size.
template <std::size_t N>
struct word_of;
template <> struct word_of<1> { using type = std::uint8_t; };
template <> struct word_of<2> { using type = std::uint16_t; };
template <> struct word_of<4> { using type = std::uint32_t; };
template <> struct word_of<8> { using type = std::uint64_t; };
template <> struct word_of<16> { using type = uint4; };

}  // namespace embedkit::detail
