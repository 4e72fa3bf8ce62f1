// quantize_embeddings: sentence-transformers' embedding quantisation, to the byte.
//
//   int8 / uint8   per dimension j, with a range [lo_j, hi_j] (given as ranges [2, dim], or the
//                  minimum and maximum of the embeddings themselves): step = (hi - lo) / 255
//                  (1 where hi == lo), q = clip(floor((x - lo) / step), 0, 255), in float as
//                  NumPy computes it; uint8 = q, int8 = q - 128.
//   binary         the signs packed 8 to a byte, first value in the most significant bit
//                  (numpy.packbits(x > 0, axis=-1)), ceil(dim / 8) bytes a row, stored as
//                  int8 (byte - 128); ubinary the same bytes unshifted.
// The result keeps the bytes of one [rows, cols] table; as_int8() / as_uint8() view them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {

enum class Precision { float32, int8, uint8, binary, ubinary };

constexpr const char* precision_name(Precision p) noexcept {
  switch (p) {
    case Precision::float32: return "float32";
    case Precision::int8: return "int8";
    case Precision::uint8: return "uint8";
    case Precision::binary: return "binary";
    case Precision::ubinary: return "ubinary";
  }
  return "?";
}

// "float32", "int8", "uint8", "binary" or "ubinary" (sentence-transformers' names); nullopt
// for anything else.
inline std::optional<Precision> precision_from_name(std::string_view name) noexcept {
  for (Precision p : {Precision::float32, Precision::int8, Precision::uint8, Precision::binary,
                      Precision::ubinary}) {
    if (name == precision_name(p)) return p;
  }
  return std::nullopt;
}

struct QuantizedEmbeddings {
  Precision precision = Precision::int8;
  std::int64_t rows = 0, cols = 0;  // cols: dim for int8 / uint8, ceil(dim / 8) for (u)binary
  std::vector<std::uint8_t> data;   // rows * cols bytes, row-major; int8 values as their bytes

  bool is_signed() const noexcept {
    return precision == Precision::int8 || precision == Precision::binary;
  }
  std::span<const std::uint8_t> as_uint8() const noexcept { return data; }
  std::span<const std::int8_t> as_int8() const noexcept {
    return {reinterpret_cast<const std::int8_t*>(data.data()), data.size()};
  }
  // Row r's bytes.
  std::span<const std::uint8_t> row(std::int64_t r) const {
    return std::span<const std::uint8_t>(data).subspan(static_cast<std::size_t>(r * cols),
                                                       static_cast<std::size_t>(cols));
  }
};

namespace detail {

inline void check_quantize_input(TensorView<const float> e,
                                 std::optional<TensorView<const float>> ranges) {
  if (e.rank() != 2) {
    raise<shape_error>("quantize_embeddings: embeddings have shape " + e.shape().str() +
                       ", expected [rows, dim]");
  }
  if (ranges && !(ranges->shape() == Shape{2, e.size(1)})) {
    raise<shape_error>("quantize_embeddings: ranges have shape " + ranges->shape().str() +
                       ", expected " + Shape{2, e.size(1)}.str() +
                       " (row 0 the minimum, row 1 the maximum of each dimension)");
  }
}

}  // namespace detail

// Quantises `embeddings` ([rows, dim], host memory) to `precision` (not float32). ranges: [2, dim]
// (minimum row, then maximum row) for int8 / uint8; unset: the embeddings' own. Binary kinds
// ignore ranges.
inline QuantizedEmbeddings quantize_embeddings(TensorView<const float> embeddings,
                                               Precision precision,
                                               std::optional<TensorView<const float>> ranges = std::nullopt) {
  detail::check_quantize_input(embeddings, ranges);
  const std::int64_t rows = embeddings.size(0), dim = embeddings.size(1);
  const float* x = embeddings.data();
  QuantizedEmbeddings q;
  q.precision = precision;
  q.rows = rows;
  switch (precision) {
    case Precision::float32:
      detail::raise<value_error>(
          "quantize_embeddings: precision float32 needs no quantisation; expected int8, uint8, "
          "binary or ubinary");
    case Precision::int8:
    case Precision::uint8: {
      std::vector<float> lo(static_cast<std::size_t>(dim)), hi(static_cast<std::size_t>(dim));
      if (ranges) {
        std::copy_n(ranges->data(), dim, lo.data());
        std::copy_n(ranges->data() + dim, dim, hi.data());
      } else if (rows == 0) {
        detail::raise<value_error>(
            "quantize_embeddings: no embeddings to take the ranges from; give ranges [2, " +
            std::to_string(dim) + "]");
      } else {
        std::copy_n(x, dim, lo.data());
        std::copy_n(x, dim, hi.data());
        for (std::int64_t r = 1; r < rows; ++r) {
          for (std::int64_t j = 0; j < dim; ++j) {
            const float v = x[r * dim + j];
            lo[static_cast<std::size_t>(j)] = std::min(lo[static_cast<std::size_t>(j)], v);
            hi[static_cast<std::size_t>(j)] = std::max(hi[static_cast<std::size_t>(j)], v);
          }
        }
      }
      std::vector<float> step(static_cast<std::size_t>(dim));
      for (std::size_t j = 0; j < step.size(); ++j) {
        if (!std::isfinite(lo[j]) || !std::isfinite(hi[j])) {
          detail::raise<value_error>("quantize_embeddings: the range of dimension " +
                                     std::to_string(j) + " is not finite");
        }
        step[j] = (hi[j] - lo[j]) / 255.0f;
        if (step[j] == 0.0f) step[j] = 1.0f;
      }
      const int shift = precision == Precision::int8 ? 128 : 0;
      q.cols = dim;
      q.data.resize(static_cast<std::size_t>(rows * dim));
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t j = 0; j < dim; ++j) {
          const float t = (x[r * dim + j] - lo[static_cast<std::size_t>(j)]) /
                          step[static_cast<std::size_t>(j)];
          // NaN compares false both ways and lands on 0, as numpy's clip(nan) cast does not
          // define; embeddings are finite in practice.
          const float f = std::floor(t);
          const int v = f >= 255.0f ? 255 : (f > 0.0f ? static_cast<int>(f) : 0);
          q.data[static_cast<std::size_t>(r * dim + j)] = static_cast<std::uint8_t>((v - shift) & 0xFF);
        }
      }
      return q;
    }
    case Precision::binary:
    case Precision::ubinary: {
      const std::int64_t cols = (dim + 7) / 8;
      const int shift = precision == Precision::binary ? 128 : 0;
      q.cols = cols;
      q.data.assign(static_cast<std::size_t>(rows * cols), 0);
      for (std::int64_t r = 0; r < rows; ++r) {
        std::uint8_t* out = q.data.data() + r * cols;
        for (std::int64_t j = 0; j < dim; ++j) {
          if (x[r * dim + j] > 0.0f) out[j / 8] = static_cast<std::uint8_t>(out[j / 8] | (0x80u >> (j % 8)));
        }
        for (std::int64_t c = 0; c < cols; ++c) out[c] = static_cast<std::uint8_t>((out[c] - shift) & 0xFF);
      }
      return q;
    }
  }
  return q;
}

}  // namespace embedkit
