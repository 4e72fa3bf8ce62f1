// The cpu pointwise op (backend/common/pointwise.hpp): activations, LayerNorm, softmax, L2
// normalisation and padding masks, parallel over elements or rows. Row statistics (mean,
// variance, sums of exponentials, norms) are accumulated in double: one rounding at the end,
// as close to PyTorch's float results as a different summation order allows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "embedkit/backend/common/pointwise.hpp"
#include "embedkit/core/activation.hpp"
#include "embedkit/core/comparator.hpp"
#include "embedkit/core/host/parallel.hpp"

#include <xsimd/xsimd.hpp>

namespace embedkit::detail {

// One activation of one value, as torch.nn computes it.
template <class T>
inline T activation_value(Activation a, T x) noexcept {
  switch (a) {
    case Activation::linear: return x;
    case Activation::relu: return x > T(0) ? x : T(0);
    case Activation::tanh: return std::tanh(x);
    case Activation::sigmoid: return T(1) / (T(1) + std::exp(-x));
    case Activation::gelu: return x * T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
  }
  return x;
}

struct cpu_pointwise_ops {
  template <class T>
  static void activate(Activation a, T* x, std::int64_t n) {
    if (a == Activation::linear) return;
    parallel_for(n, 16384, [&](std::int64_t b, std::int64_t e) {
      switch (a) {  // the switch outside the loop, so each loop vectorises on its own
        case Activation::relu:
          for (std::int64_t i = b; i < e; ++i) x[i] = x[i] > T(0) ? x[i] : T(0);
          break;
        case Activation::gelu: {
          // xsimd's erf (a few ulp from libm's, as PyTorch's own vectorised erf is): the
          // scalar libm call was a sixth of a BERT layer.
          using batch = xsimd::batch<T>;
          constexpr auto W = static_cast<std::int64_t>(batch::size);
          const batch half(T(0.5)), one(T(1)), rsqrt2(T(0.70710678118654752440));
          std::int64_t i = b;
          for (; i + W <= e; i += W) {
            const batch v = batch::load_unaligned(x + i);
            (v * half * (one + xsimd::erf(v * rsqrt2))).store_unaligned(x + i);
          }
          for (; i < e; ++i) x[i] = activation_value(a, x[i]);
          break;
        }
        default:
          for (std::int64_t i = b; i < e; ++i) x[i] = activation_value(a, x[i]);
      }
    });
  }

  template <class T>
  static void layer_norm(const T* x, std::int64_t rows, std::int64_t dim, const T* gamma,
                         const T* beta, double eps, T* out) {
    parallel_for(rows, std::max<std::int64_t>(1, 8192 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const T* in = x + r * dim;
        T* o = out + r * dim;
        double sum = 0;
        for (std::int64_t j = 0; j < dim; ++j) sum += in[j];
        double mean = sum / static_cast<double>(dim);
        // The corrected two-pass algorithm: the residuals' own sum repairs the rounding of the
        // first mean, which matters for double rows far from zero (1000 + noise).
        double sq = 0, drift = 0;
        for (std::int64_t j = 0; j < dim; ++j) {
          const double d = in[j] - mean;
          drift += d;
          sq += d * d;
        }
        sq -= drift * drift / static_cast<double>(dim);
        mean += drift / static_cast<double>(dim);
        const double rstd = 1.0 / std::sqrt(std::max(sq, 0.0) / static_cast<double>(dim) + eps);
        for (std::int64_t j = 0; j < dim; ++j) {
          double v = (in[j] - mean) * rstd;
          if (gamma != nullptr) v *= gamma[j];
          if (beta != nullptr) v += beta[j];
          o[j] = static_cast<T>(v);
        }
      }
    });
  }

  template <class T>
  static void softmax(T* x, std::int64_t rows, std::int64_t dim) {
    parallel_for(rows, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        T* v = x + r * dim;
        if (dim == 0) continue;
        const T top = *std::max_element(v, v + dim);
        double sum = 0;
        for (std::int64_t j = 0; j < dim; ++j) sum += std::exp(static_cast<double>(v[j] - top));
        for (std::int64_t j = 0; j < dim; ++j) {
          v[j] = static_cast<T>(std::exp(static_cast<double>(v[j] - top)) / sum);
        }
      }
    });
  }

  template <class T>
  static void normalize(T* x, std::int64_t rows, std::int64_t dim, double eps) {
    parallel_for(rows, std::max<std::int64_t>(1, 8192 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        T* v = x + r * dim;
        double sq = 0;
        for (std::int64_t j = 0; j < dim; ++j) sq += static_cast<double>(v[j]) * v[j];
        // PyTorch divides by the clamped norm, rounded to T first.
        const T norm = static_cast<T>(std::max(std::sqrt(sq), eps));
        for (std::int64_t j = 0; j < dim; ++j) v[j] = v[j] / norm;
      }
    });
  }

  template <class T>
  static void add_tiled(const T* tile, std::int64_t tile_size, T* x, std::int64_t n) {
    if (n <= 0 || tile_size <= 0) return;
    // Whole tiles are split among threads; each adds its tiles with one vectorisable loop.
    const std::int64_t tiles = (n + tile_size - 1) / tile_size;
    parallel_for(tiles, std::max<std::int64_t>(1, 16384 / tile_size),
                 [&](std::int64_t t0, std::int64_t t1) {
      for (std::int64_t t = t0; t < t1; ++t) {
        T* row = x + t * tile_size;
        const std::int64_t m = std::min(tile_size, n - t * tile_size);
        for (std::int64_t i = 0; i < m; ++i) row[i] += tile[i];
      }
    });
  }

  template <class T>
  static void zero_masked(T* x, std::int64_t rows, std::int64_t dim, const bool* keep) {
    parallel_for(rows, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        if (!keep[r]) std::fill_n(x + r * dim, dim, T(0));
      }
    });
  }

  template <class T>
  static void compare(Comparator kind, const T* u, const T* v, std::int64_t rows, std::int64_t dim,
                      T* out, std::int64_t out_stride) {
    parallel_for(rows, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(dim, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const T* a = u + r * dim;
        const T* b = v + r * dim;
        T* o = out + r * out_stride;
        switch (kind) {
          case Comparator::hadamard:
            for (std::int64_t j = 0; j < dim; ++j) o[j] = a[j] * b[j];
            break;
          case Comparator::concat:
            std::copy_n(a, dim, o);
            std::copy_n(b, dim, o + dim);
            break;
          case Comparator::abs_diff:
            for (std::int64_t j = 0; j < dim; ++j) o[j] = std::abs(a[j] - b[j]);
            break;
        }
      }
    });
  }
};

}  // namespace embedkit::detail
