// The gemm op: the matrix product every dense layer is made of (Linear, the LSTM's gate
// projections, Conv1d after unfolding). Row-major operands with leading dimensions, so a
// layer can multiply a slice of a larger tensor in place.
#pragma once

#include <concepts>
#include <cstdint>

namespace embedkit::detail {

// c[i, j] = sum_p a[i, p] * B[p, j]  (+ c[i, j] when accumulate)  (+ bias[j] when bias)
//   a: [m, k], row i at a + i * lda.
//   B = b viewed as [k, n] (b_transposed = false: row p at b + p * ldb), or as the transpose of
//   an [n, k] matrix (b_transposed = true: PyTorch's weight layout [out, in], row j at
//   b + j * ldb).
//   c: [m, n], row i at c + i * ldc; it must not overlap a, b or bias.
// m, n or k may be 0 (k = 0 gives bias, or zeros, or leaves c when accumulating).
template <class T>
struct GemmProblem {
  std::int64_t m = 0, n = 0, k = 0;
  const T* a = nullptr;
  std::int64_t lda = 0;
  const T* b = nullptr;
  std::int64_t ldb = 0;
  bool b_transposed = false;
  T* c = nullptr;
  std::int64_t ldc = 0;
  const T* bias = nullptr;
  bool accumulate = false;
};

template <class K>
concept GemmOps = requires(const GemmProblem<float>& p) {
  K::gemm(p);
};

}  // namespace embedkit::detail
