// The EmbeddingBag forward kernel on the GPU. A group of `lanes` threads (a warp, or a part
// of one for small dims) reduces one bag: the group reads the bag's indices (and weights)
// coalesced, one per lane, and passes them round with shuffles; each lane owns V consecutive
// columns per pass and loads them with one vector load per row, four rows in flight before
// any is added, accumulating in registers (fp32, or fp64 for double tables). Entries are added
// in input order, with the cpu kernel's operations (fused multiply-adds for weights and
// quantized scales, bias added once), so results match it to rounding.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/cuda/bag/row.cuh"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/element.cuh"
#include "embedkit/backend/cuda/fault.cuh"

namespace embedkit::detail {

// Rows fetched before the first of them is added: memory-level parallelism per lane.
inline constexpr int bag_rows_in_flight = 4;

template <class S, class I, class J, int V>
__global__ void __launch_bounds__(threads_per_block)
    bag_forward_kernel(const BagProblem<S, I, J> p, int lanes, unsigned long long* fault) {
  using acc = typename storage_traits<S>::acc;
  constexpr bool quantized = storage_traits<S>::quantized;
  constexpr int U = bag_rows_in_flight;
  const int lane = static_cast<int>(threadIdx.x) & (lanes - 1);
  const int warp_lane = static_cast<int>(threadIdx.x) & 31;
  const unsigned mask =
      lanes == 32 ? 0xffffffffu : ((1u << lanes) - 1u) << (warp_lane & ~(lanes - 1));
  const std::int64_t groups = grid_threads() / lanes;
  const bool is_mean = p.mode == Mode::mean, is_max = p.mode == Mode::max;

  for (std::int64_t b = global_thread() / lanes; b < p.bags; b += groups) {
    const std::int64_t s = p.start(b), e = p.end(b);
    acc* const out = p.out + b * p.dim;
    std::int64_t* const argmax = p.argmax ? p.argmax + b * p.dim : nullptr;

    // At least one pass, even for dim 0: the first pass also checks every index.
    for (std::int64_t cb = 0; cb == 0 || cb < p.dim; cb += static_cast<std::int64_t>(lanes) * V) {
      const std::int64_t c = cb + static_cast<std::int64_t>(lane) * V;
      const bool active = c < p.dim;
      acc a[V];
      std::int64_t arg[V];
#pragma unroll
      for (int v = 0; v < V; ++v) {
        a[v] = acc(0);
        arg[v] = -1;
      }
      acc bias_sum = 0, weight_sum = 0;
      std::int64_t count = 0;

      for (std::int64_t base = s; base < e; base += lanes) {
        // This lane's entry: its row, or -1 when padding, bad (recorded once) or past the bag.
        const std::int64_t j = base + lane;
        std::int64_t r = -1;
        acc w = 1;
        if (j < e) {
          r = static_cast<std::int64_t>(p.indices[j]);
          if (p.weights) w = p.weights[j];
          if (static_cast<std::uint64_t>(r) >= static_cast<std::uint64_t>(p.rows)) {
            if (cb == 0) record_fault(fault, j);
            r = -1;
          } else if (r == p.padding_row) {
            r = -1;
          }
        }
        const int m = static_cast<int>(e - base < lanes ? e - base : lanes);
        for (int u0 = 0; u0 < m; u0 += U) {
          std::int64_t ru[U];
          acc wu[U];
          acc x[U][V];
          float sc[U], bi[U];
#pragma unroll
          for (int k = 0; k < U; ++k) {
            const int src = (u0 + k) & (lanes - 1);
            ru[k] = __shfl_sync(mask, r, src, lanes);
            wu[k] = __shfl_sync(mask, w, src, lanes);
            if (u0 + k >= m) ru[k] = -1;
          }
#pragma unroll
          for (int k = 0; k < U; ++k) {
            sc[k] = 1.0f;
            bi[k] = 0.0f;
            if (ru[k] >= 0 && active) {
              const std::uint8_t* row = p.table + ru[k] * p.stride;
              load_elements<S, V>(row, c, x[k]);
              if constexpr (quantized) storage_traits<S>::params(row, p.dim, sc[k], bi[k]);
            }
          }
#pragma unroll
          for (int k = 0; k < U; ++k) {
            if (ru[k] < 0) continue;
            ++count;
            weight_sum += wu[k];
            if (!active) continue;
            if (is_max) {
#pragma unroll
              for (int v = 0; v < V; ++v) {
                acc val = x[k][v];
                if constexpr (quantized) val = fmaf(val, sc[k], bi[k]);
                if (arg[v] < 0 || val > a[v]) {
                  a[v] = val;
                  arg[v] = ru[k];
                }
              }
            } else if constexpr (quantized) {
              const float ws = wu[k] * sc[k];
              bias_sum += wu[k] * bi[k];
#pragma unroll
              for (int v = 0; v < V; ++v) a[v] = fmaf(x[k][v], ws, a[v]);
            } else if (p.weights) {
#pragma unroll
              for (int v = 0; v < V; ++v) a[v] = fma(x[k][v], wu[k], a[v]);
            } else {
#pragma unroll
              for (int v = 0; v < V; ++v) a[v] += x[k][v];
            }
          }
        }
      }
      if (!active) continue;
      acc scale = 1;
      if (is_mean) {
        if (p.weights) {
          scale = weight_sum != acc(0) ? acc(1) / weight_sum : acc(0);
        } else if (count > 0) {
          scale = acc(1) / static_cast<acc>(count);
        }
      }
#pragma unroll
      for (int v = 0; v < V; ++v) {
        acc val = 0;
        if (count > 0) {
          val = a[v];
          if (!is_max) {
            if constexpr (quantized) val += bias_sum;
            if (is_mean) val *= scale;
          }
        }
        out[c + v] = val;
        if (is_max && argmax) argmax[c + v] = count > 0 ? arg[v] : -1;
      }
    }
  }
}

// After the kernel: slot 0 holds the first bad position; fill slot 1 with its index value and
// slot 2 with the bag it belongs to, so one copy brings the whole fault back.
template <class S, class I, class J>
__global__ void resolve_bag_fault_kernel(const BagProblem<S, I, J> p, unsigned long long* slots) {
  if (global_thread() != 0 || slots[0] == no_fault) return;
  const auto pos = static_cast<std::int64_t>(slots[0]);
  slots[1] = static_cast<unsigned long long>(static_cast<std::int64_t>(p.indices[pos]));
  const std::int64_t bag = p.offsets ? upper_bound(p.offsets, p.offsets_count, pos) - 1 : pos / p.fixed;
  slots[2] = static_cast<unsigned long long>(bag);
}

// Lanes per bag: enough for one pass over the columns, a power of two, at most a warp.
inline int bag_lanes(std::int64_t dim, int v) noexcept {
  const std::int64_t needed = (dim + v - 1) / v;
  int lanes = 1;
  while (lanes < 32 && lanes < needed) lanes *= 2;
  return lanes;
}

template <class S, class I, class J, int V>
void launch_bag_forward(const BagProblem<S, I, J>& p, unsigned long long* fault) {
  const int lanes = bag_lanes(p.dim, V);
  launch("bag_forward_kernel", p.bags * lanes, bag_forward_kernel<S, I, J, V>, p, lanes, fault);
}

// Reduces every bag of p; returns the first bad index met (position -1: none).
template <class S, class I, class J>
BagFault cuda_bag_forward(const BagProblem<S, I, J>& p) {
  if (p.bags == 0) return {};
  DeviceFaults fault(3);
  if (vector_width<S>(p.table, p.stride, p.dim) > 1) {
    launch_bag_forward<S, I, J, wide_width<S>>(p, fault.data());
  } else {
    launch_bag_forward<S, I, J, 1>(p, fault.data());
  }
  launch("resolve_bag_fault_kernel", 1, resolve_bag_fault_kernel<S, I, J>, p, fault.data());
  std::int64_t slots[3];
  fault.read_all(slots);
  BagFault f;
  if (slots[0] >= 0) f.record(slots[0], slots[1], slots[2]);
  return f;
}

}  // namespace embedkit::detail
