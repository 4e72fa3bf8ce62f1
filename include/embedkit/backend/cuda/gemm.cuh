// The cuda gemm op (backend/common/gemm.hpp): a shared-memory tiled matrix product, for float
// and double. The library links nothing beyond the CUDA runtime, so this is its own kernel
// rather than cuBLAS. Each output is one running sum over k in k order (fused multiply-adds),
// so results differ from the cpu's blocked sums only by rounding.
//
// Each block computes 64 x 64 elements of c; each of its 256 threads owns 4 x 4 of them in
// registers. The block walks k in slices of 16: it stages a 64 x 16 slice of a and a 16 x 64
// slice of B in shared memory (zeros outside the matrices, so edge tiles need no special
// path), then every thread adds 16 rank-1 updates of its 4 x 4 outputs. A thread's rows and
// columns are 16 apart (ty + 16 i, tx + 16 j): a warp reads 16 consecutive B values and two
// a values (broadcast) from shared memory, and writes c in runs of 16 consecutive columns.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "embedkit/backend/common/gemm.hpp"
#include "embedkit/backend/cuda/basic.cuh"

namespace embedkit::detail {

inline constexpr int gemm_tile = 64;   // rows and columns of c per block
inline constexpr int gemm_slice = 16;  // depth of the slices of a and B staged in shared memory
inline constexpr int gemm_side = 16;   // threads along each side of a tile: 16 x 16 = a block
inline constexpr int gemm_reg = gemm_tile / gemm_side;  // 4 x 4 outputs per thread
static_assert(gemm_side * gemm_side == threads_per_block,
              "the gemm kernel maps one block of threads_per_block threads onto a 16 x 16 grid");
static_assert(gemm_tile * gemm_slice % threads_per_block == 0,
              "each thread loads a whole number of elements of a slice");

// Tiles of c are numbered row-major (tiles_n of them per row of tiles); blocks take tiles
// grid-stride, so any problem fits the grid. Staged slices are [depth][64 + 1]: the padding
// column spreads the transposing stores of a (and of B when b_transposed) over the banks.
template <class T>
__global__ void __launch_bounds__(threads_per_block)
    gemm_kernel(const GemmProblem<T> p, std::int64_t tiles_n, std::int64_t tiles) {
  __shared__ T as[gemm_slice][gemm_tile + 1];  // as[q][r] = a[row0 + r, k0 + q]
  __shared__ T bs[gemm_slice][gemm_tile + 1];  // bs[q][c] = B[k0 + q, col0 + c]
  constexpr int loads = gemm_tile * gemm_slice / threads_per_block;
  const int tid = static_cast<int>(threadIdx.x);
  const int tx = tid % gemm_side, ty = tid / gemm_side;

  for (std::int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const std::int64_t row0 = (tile / tiles_n) * gemm_tile;
    const std::int64_t col0 = (tile % tiles_n) * gemm_tile;
    T acc[gemm_reg][gemm_reg];
#pragma unroll
    for (int i = 0; i < gemm_reg; ++i) {
#pragma unroll
      for (int j = 0; j < gemm_reg; ++j) acc[i][j] = T(0);
    }

    // k0 and p.k are the same for the whole block, so every thread reaches each barrier.
    for (std::int64_t k0 = 0; k0 < p.k; k0 += gemm_slice) {
      // a's slice: 16 consecutive depths of one row per 16 threads (a row is contiguous in k).
#pragma unroll
      for (int l = 0; l < loads; ++l) {
        const int e = tid + l * threads_per_block;
        const int r = e / gemm_slice, q = e % gemm_slice;
        const std::int64_t gi = row0 + r, gq = k0 + q;
        as[q][r] = gi < p.m && gq < p.k ? p.a[gi * p.lda + gq] : T(0);
      }
      // B's slice, read along whichever of its dimensions is contiguous.
#pragma unroll
      for (int l = 0; l < loads; ++l) {
        const int e = tid + l * threads_per_block;
        if (p.b_transposed) {  // B[q, c] = b[c * ldb + q]: contiguous in q
          const int c = e / gemm_slice, q = e % gemm_slice;
          const std::int64_t gj = col0 + c, gq = k0 + q;
          bs[q][c] = gj < p.n && gq < p.k ? p.b[gj * p.ldb + gq] : T(0);
        } else {  // B[q, c] = b[q * ldb + c]: contiguous in c
          const int q = e / gemm_tile, c = e % gemm_tile;
          const std::int64_t gj = col0 + c, gq = k0 + q;
          bs[q][c] = gj < p.n && gq < p.k ? p.b[gq * p.ldb + gj] : T(0);
        }
      }
      __syncthreads();
#pragma unroll
      for (int q = 0; q < gemm_slice; ++q) {
        T av[gemm_reg], bv[gemm_reg];
#pragma unroll
        for (int i = 0; i < gemm_reg; ++i) av[i] = as[q][ty + gemm_side * i];
#pragma unroll
        for (int j = 0; j < gemm_reg; ++j) bv[j] = bs[q][tx + gemm_side * j];
#pragma unroll
        for (int i = 0; i < gemm_reg; ++i) {
#pragma unroll
          for (int j = 0; j < gemm_reg; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
      }
      __syncthreads();  // the slices are read by all before the next ones overwrite them
    }

    // The product, then c's old value and the bias, as the reference adds them.
#pragma unroll
    for (int i = 0; i < gemm_reg; ++i) {
      const std::int64_t gi = row0 + ty + gemm_side * i;
      if (gi >= p.m) continue;
#pragma unroll
      for (int j = 0; j < gemm_reg; ++j) {
        const std::int64_t gj = col0 + tx + gemm_side * j;
        if (gj >= p.n) continue;
        T* const out = p.c + gi * p.ldc + gj;
        T v = acc[i][j];
        if (p.accumulate) v = *out + v;
        if (p.bias != nullptr) v += p.bias[gj];
        *out = v;
      }
    }
  }
}

struct cuda_gemm_ops {
  template <class T>
  static void gemm(const GemmProblem<T>& p) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "the cuda gemm multiplies float or double matrices");
    if (p.m <= 0 || p.n <= 0) return;  // k = 0 still writes c (bias, zeros or c itself)
    const std::int64_t tiles_n = (p.n + gemm_tile - 1) / gemm_tile;
    const std::int64_t tiles = (p.m + gemm_tile - 1) / gemm_tile * tiles_n;
    launch("gemm_kernel", tiles * threads_per_block, gemm_kernel<T>, p, tiles_n, tiles);
  }
};

}  // namespace embedkit::detail
