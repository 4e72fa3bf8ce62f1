// The cuda attention op (backend/common/attention.hpp), for float and double: one block per
// (sample, head, tile of query rows), blocks taking tiles grid-stride.
//
// A block walks its sample's valid keys in chunks of up to 512 (all of BERT's keys in one).
// For each chunk it:
//   1. computes the tile's scores against the chunk into shared memory: query and key slices
//      of 32 dimensions staged through shared memory, 32 keys at a time, each thread owning a
//      fixed set of (row, key) sums in registers;
//   2. runs the softmax along each row, one warp per row, online across chunks: the running
//      maximum and sum of each row are kept in shared memory, and what earlier chunks added to
//      the output is rescaled by exp(old max - new max), so any sequence length works with the
//      same fixed shared memory;
//   3. adds the probabilities times V to the output: value slices of 32 keys x 32 dimensions
//      staged through shared memory, each thread owning fixed (row, dimension) sums; the
//      block's output rows are its own, so earlier chunks' partial results are kept in out
//      itself, and divided by the row's sum after the last chunk.
// Sums are fused multiply-adds in key and dimension order; the results differ from the cpu's
// (Eigen's blocked products, a reciprocal of the sum) only by rounding. Padding keys
// (k >= lengths[b]) are never read; a sample without keys gets zero rows. Lengths are checked
// by a kernel of their own before the attention kernel is launched, so a bad one is reported
// (as the cpu reports it) with nothing computed.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "embedkit/backend/common/attention.hpp"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/fault.cuh"
#include "embedkit/backend/cuda/memory.cuh"

namespace embedkit::detail {

// Query rows per block: 16 floats or 8 doubles, so that a chunk's scores take 32 KiB of shared
// memory either way (with the staged slices, under the 48 KiB a block may hold statically).
template <class T>
inline constexpr int attention_rows = static_cast<int>(64 / sizeof(T));
inline constexpr int attention_chunk = 512;  // keys whose scores a block holds at once
inline constexpr int attention_keys = 32;    // keys staged per slice of K or V
inline constexpr int attention_dims = 32;    // dimensions staged per slice of Q, K or V

// The first sample whose length is outside [0, seq], as a fault key (its index).
template <class I>
__global__ void check_lengths_kernel(const I* lengths, std::int64_t batch, std::int64_t seq,
                                     unsigned long long* fault) {
  for (std::int64_t b = global_thread(); b < batch; b += grid_threads()) {
    const std::int64_t n = lengths[b];
    if (n < 0 || n > seq) record_fault(fault, b);
  }
}

template <class T>
__device__ inline T warp_max(T v) {
  for (int o = 16; o > 0; o /= 2) {
    const T other = __shfl_xor_sync(0xffffffffu, v, o);
    v = other > v ? other : v;
  }
  return v;
}

template <class T>
__device__ inline T warp_sum(T v) {
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Every loop bound below is the same for all threads of a block (it depends on the tile, the
// sample and the chunk only), so every thread reaches every barrier.
template <class T>
__global__ void __launch_bounds__(threads_per_block)
    attention_kernel(const AttentionProblem<T> p, std::int64_t tiles_per_pair, std::int64_t tiles) {
  constexpr int QT = attention_rows<T>, KC = attention_chunk, KT = attention_keys,
                DT = attention_dims;
  constexpr int score_sums = QT * KT / threads_per_block;   // (row, key) sums per thread
  constexpr int output_sums = QT * DT / threads_per_block;  // (row, dimension) sums per thread
  static_assert(score_sums >= 1 && QT * KT % threads_per_block == 0, "whole score tiles per block");
  static_assert(output_sums >= 1 && QT * DT % threads_per_block == 0, "whole output tiles per block");
  __shared__ T scores[QT][KC];
  __shared__ T q_slice[QT][DT];
  __shared__ T kv_slice[KT][DT + 1];  // + 1: threads reading one dimension of 32 keys hit 32 banks
  __shared__ T row_max[QT], row_sum[QT], row_rescale[QT];

  const int tid = static_cast<int>(threadIdx.x);
  const int lane = tid % 32, warp = tid / 32, warps = threads_per_block / 32;
  const std::int64_t d = p.head_dim, width = p.heads * d;

  for (std::int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const std::int64_t pair = tile / tiles_per_pair;
    const std::int64_t t0 = (tile % tiles_per_pair) * QT;
    const std::int64_t b = pair / p.heads, h = pair % p.heads;
    const std::int64_t rows = p.seq - t0 < QT ? p.seq - t0 : QT;
    // Validated before the launch; clamped all the same, so that nothing is read out of bounds.
    std::int64_t n = p.lengths != nullptr ? p.lengths[b] : p.seq;
    n = n < 0 ? 0 : (n > p.seq ? p.seq : n);
    const T* q = p.qkv + (b * p.seq + t0) * p.ld_qkv + h * d;  // row i at q + i * ld_qkv
    const T* k = p.qkv + b * p.seq * p.ld_qkv + width + h * d;   // key s at k + s * ld_qkv
    const T* v = k + width;
    T* out = p.out + (b * p.seq + t0) * p.ld_out + h * d;

    if (n == 0) {  // no keys: zero rows
      for (std::int64_t e = tid; e < rows * d; e += threads_per_block) out[(e / d) * p.ld_out + e % d] = T(0);
      continue;
    }
    if (tid < QT) {
      row_max[tid] = static_cast<T>(-INFINITY);
      row_sum[tid] = T(0);
    }

    for (std::int64_t c0 = 0; c0 < n; c0 += KC) {
      const int cn = static_cast<int>(n - c0 < KC ? n - c0 : KC);
      const T* kc = k + c0 * p.ld_qkv;
      const T* vc = v + c0 * p.ld_qkv;
      const bool first = c0 == 0, last = c0 + KC >= n;

      // 1. Scores of the chunk: scale * Q K^T, 32 keys at a time.
      for (int k0 = 0; k0 < cn; k0 += KT) {
        T acc[score_sums];
#pragma unroll
        for (int r = 0; r < score_sums; ++r) acc[r] = T(0);
        for (std::int64_t j0 = 0; j0 < d; j0 += DT) {
          for (int e = tid; e < QT * DT; e += threads_per_block) {
            const int i = e / DT, c = e % DT;
            q_slice[i][c] = i < rows && j0 + c < d ? q[i * p.ld_qkv + j0 + c] : T(0);
          }
          for (int e = tid; e < KT * DT; e += threads_per_block) {
            const int s = e / DT, c = e % DT;
            kv_slice[s][c] = k0 + s < cn && j0 + c < d ? kc[(k0 + s) * p.ld_qkv + j0 + c] : T(0);
          }
          __syncthreads();
#pragma unroll
          for (int r = 0; r < score_sums; ++r) {
            const int e = tid + r * threads_per_block, i = e / KT, s = e % KT;
            T a = acc[r];
#pragma unroll 8
            for (int c = 0; c < DT; ++c) a = fma(q_slice[i][c], kv_slice[s][c], a);
            acc[r] = a;
          }
          __syncthreads();  // the slices are read by all before the next ones overwrite them
        }
#pragma unroll
        for (int r = 0; r < score_sums; ++r) {
          const int e = tid + r * threads_per_block, i = e / KT, s = e % KT;
          if (k0 + s < cn) scores[i][k0 + s] = p.scale * acc[r];
        }
      }
      __syncthreads();

      // 2. Softmax along each row, one warp per row, online across chunks.
      for (int i = warp; i < QT; i += warps) {
        T m = static_cast<T>(-INFINITY);
        for (int s = lane; s < cn; s += 32) m = scores[i][s] > m ? scores[i][s] : m;
        m = warp_max(m);
        const T previous = row_max[i];
        const T top = previous > m ? previous : m;
        T sum = T(0);
        for (int s = lane; s < cn; s += 32) {
          const T e = exp(scores[i][s] - top);
          scores[i][s] = e;
          sum += e;
        }
        sum = warp_sum(sum);
        if (lane == 0) {
          const T rescale = first ? T(0) : exp(previous - top);
          row_rescale[i] = rescale;
          row_sum[i] = row_sum[i] * rescale + sum;
          row_max[i] = top;
        }
      }
      __syncthreads();

      // 3. out = out * rescale + P V, 32 keys x 32 dimensions at a time; divided by the row's
      // sum after the last chunk.
      for (std::int64_t j0 = 0; j0 < d; j0 += DT) {
        T acc[output_sums];
#pragma unroll
        for (int r = 0; r < output_sums; ++r) acc[r] = T(0);
        for (int k0 = 0; k0 < cn; k0 += KT) {
          const int kn = cn - k0 < KT ? cn - k0 : KT;
          for (int e = tid; e < KT * DT; e += threads_per_block) {
            const int s = e / DT, c = e % DT;
            kv_slice[s][c] = s < kn && j0 + c < d ? vc[(k0 + s) * p.ld_qkv + j0 + c] : T(0);
          }
          __syncthreads();
#pragma unroll
          for (int r = 0; r < output_sums; ++r) {
            const int e = tid + r * threads_per_block, i = e / DT, c = e % DT;
            T a = acc[r];
            for (int s = 0; s < kn; ++s) a = fma(scores[i][k0 + s], kv_slice[s][c], a);
            acc[r] = a;
          }
          __syncthreads();
        }
#pragma unroll
        for (int r = 0; r < output_sums; ++r) {
          const int e = tid + r * threads_per_block, i = e / DT, c = e % DT;
          if (i >= rows || j0 + c >= d) continue;
          T* o = out + i * p.ld_out + j0 + c;
          T value = acc[r];
          if (!first) value += *o * row_rescale[i];
          if (last) value /= row_sum[i];
          *o = value;
        }
      }
      __syncthreads();  // scores and row statistics are read by all before the next chunk
    }
  }
}

struct cuda_attention_ops {
  template <class T>
  static AttentionFault self_attention(const AttentionProblem<T>& p) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "the cuda attention op computes in float or double");
    const AttentionSizes sizes = check_attention_sizes(p);
    if (p.lengths != nullptr && p.batch > 0) {
      DeviceFaults fault;
      launch("check_lengths_kernel", p.batch, check_lengths_kernel<std::int64_t>, p.lengths,
             p.batch, p.seq, fault.data());
      const std::int64_t b = fault.read();
      if (b >= 0) return {b, cuda_memory::load(p.lengths + b)};
    }
    if (sizes.rows == 0 || sizes.width == 0) return {};
    const std::int64_t tiles_per_pair = (p.seq + attention_rows<T> - 1) / attention_rows<T>;
    const std::int64_t tiles = p.batch * p.heads * tiles_per_pair;
    // One block per tile up to the grid's cap (blocks loop over the rest).
    const std::int64_t blocks = tiles < std::int64_t{65535} * 8 ? tiles : std::int64_t{65535} * 8;
    launch("attention_kernel", blocks * threads_per_block, attention_kernel<T>, p, tiles_per_pair,
           tiles);
    return {};
  }
};

}  // namespace embedkit::detail
