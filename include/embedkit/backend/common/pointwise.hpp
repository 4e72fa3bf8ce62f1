// The pointwise op: element- and row-wise transforms of dense activations, each in place or
// from x to out (which may alias x).
//
// activate(a, x, n): x[i] = a(x[i]) for i < n (core/activation.hpp).
// layer_norm(x, rows, dim, gamma, beta, eps, out): per row, out = (x - mean) / sqrt(var + eps)
//   * gamma + beta, var the biased variance (torch.nn.LayerNorm); gamma / beta may be null
//   (no affine part).
// softmax(x, rows, dim): per row, x = exp(x - max) / sum(exp(x - max)).
// normalize(x, rows, dim, eps): per row, x = x / max(||x||_2, eps) (torch.nn.functional.normalize).
// add_tiled(tile, tile_size, x, n): x[i] += tile[i % tile_size] for i < n (a row or a block of
//   rows added to every row or block of x: BERT's token-type and position embeddings).
// zero_masked(x, rows, dim, keep): x[r, :] = 0 for every row r with keep[r] false (padding
//   positions of a [B, L, D] tensor seen as B * L rows).
// compare(kind, u, v, rows, dim, out, out_stride): per row r, writes at out + r * out_stride
//   u * v (hadamard, dim values), [u, v] (concat, 2 * dim) or |u - v| (abs_diff, dim) of
//   u[r, :], v[r, :] (a pair model's comparator, core/comparator.hpp).
#pragma once

#include <concepts>
#include <cstdint>

#include "embedkit/core/activation.hpp"
#include "embedkit/core/comparator.hpp"

namespace embedkit::detail {

template <class K>
concept PointwiseOps = requires(float* x, const float* cx, std::int64_t n, const bool* keep) {
  K::activate(Activation::relu, x, n);
  K::layer_norm(cx, n, n, cx, cx, 1e-5, x);
  K::softmax(x, n, n);
  K::normalize(x, n, n, 1e-12);
  K::zero_masked(x, n, n, keep);
  K::add_tiled(cx, n, x, n);
  K::compare(Comparator::hadamard, cx, cx, n, n, x, n);
};

}  // namespace embedkit::detail
