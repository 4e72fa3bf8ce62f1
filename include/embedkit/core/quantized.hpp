// Row-wise quantized tables, in the layouts FBGEMM and PyTorch's quantized embedding_bag use:
//   q8: [dim x uint8][float scale][float bias]             (Fused8BitRowwise)
//   q4: [ceil(dim/2) bytes, element 2k in the low nibble of byte k, 2k+1 in the high nibble]
//       [half scale][half bias]                              (FusedNBitRowwise, 4 bits)
// A value is q * scale + bias. quantize() rounds exactly as torch.ops.quantized.
// embedding_bag_byte_prepack / embedding_bag_4bit_prepack (bit-identical, tested).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "embedkit/core/config.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/half.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit {

namespace detail {
// A little-endian 32-bit word at p, read byte by byte: the parameters of a quantized row are
// aligned only when dim happens to make them so.
EMBEDKIT_HOST_DEVICE constexpr std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
EMBEDKIT_HOST_DEVICE constexpr std::uint16_t load_le16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
}  // namespace detail

// The scale and bias of a quantized row: element j stands for level(j) * scale + bias.
struct RowParams {
  float scale = 0;
  float bias = 0;
};

// Storage tags for quantized tables: used as the T of EmbeddingBag<T>. Each tag is the one
// description of its row layout, for host code and CUDA kernels alike.
struct q8 {
  static constexpr int bits = 8;
  static constexpr const char* name = "q8";
  EMBEDKIT_HOST_DEVICE static constexpr std::int64_t row_bytes(std::int64_t dim) noexcept { return dim + 8; }
  EMBEDKIT_HOST_DEVICE static constexpr std::int64_t data_bytes(std::int64_t dim) noexcept { return dim; }
  // The level of element j (0..255).
  EMBEDKIT_HOST_DEVICE static constexpr unsigned level(const std::uint8_t* row, std::int64_t j) noexcept {
    return row[j];
  }
  EMBEDKIT_HOST_DEVICE static RowParams params(const std::uint8_t* row, std::int64_t dim) noexcept {
    const std::uint8_t* p = row + data_bytes(dim);
    return {detail::bit_cast<float>(detail::load_le32(p)), detail::bit_cast<float>(detail::load_le32(p + 4))};
  }
};
struct q4 {
  static constexpr int bits = 4;
  static constexpr const char* name = "q4";
  EMBEDKIT_HOST_DEVICE static constexpr std::int64_t row_bytes(std::int64_t dim) noexcept { return (dim + 1) / 2 + 4; }
  EMBEDKIT_HOST_DEVICE static constexpr std::int64_t data_bytes(std::int64_t dim) noexcept { return (dim + 1) / 2; }
  // The level of element j (0..15): element 2k is the low nibble of byte k, 2k + 1 the high one.
  EMBEDKIT_HOST_DEVICE static constexpr unsigned level(const std::uint8_t* row, std::int64_t j) noexcept {
    return (row[j / 2] >> ((j % 2) * 4)) & 0xFu;
  }
  EMBEDKIT_HOST_DEVICE static RowParams params(const std::uint8_t* row, std::int64_t dim) noexcept {
    const std::uint8_t* p = row + data_bytes(dim);
    return {static_cast<float>(half::from_bits(detail::load_le16(p))),
            static_cast<float>(half::from_bits(detail::load_le16(p + 2)))};
  }
};

template <class T>
inline constexpr bool is_quantized_v = std::is_same_v<T, q8> || std::is_same_v<T, q4>;

template <class T>
concept Quantized = is_quantized_v<T>;

// A quantized table: `rows` rows of Q::row_bytes(dim) bytes each, in the memory of Backend
// (quantize() and from_packed() make host tables; to<cuda>(table) moves one to the GPU).
template <Quantized Q, class Backend = cpu>
struct QuantizedTable {
  Tensor<std::uint8_t, Backend> bytes;  // [rows, Q::row_bytes(dim)]
  std::int64_t dim = 0;

  std::int64_t rows() const noexcept { return bytes.rank() == 2 ? bytes.shape()[0] : 0; }
  std::int64_t row_bytes() const noexcept { return Q::row_bytes(dim); }

  // The scale and bias of row r, as floats.
  float scale(std::int64_t r) const noexcept
    requires std::is_same_v<Backend, cpu>
  {
    return Q::params(row(r), dim).scale;
  }
  float bias(std::int64_t r) const noexcept
    requires std::is_same_v<Backend, cpu>
  {
    return Q::params(row(r), dim).bias;
  }

  // Wraps existing packed rows (e.g. the output of torch's prepack ops, saved to a file).
  static QuantizedTable from_packed(TensorView<const std::uint8_t> packed, std::int64_t dim) {
    if (dim < 0) {
      detail::raise<value_error>(std::string("QuantizedTable<") + Q::name + ">::from_packed: dim " +
                                 std::to_string(dim) + " is negative");
    }
    if (packed.rank() != 2 || packed.shape()[1] != Q::row_bytes(dim)) {
      detail::raise<shape_error>(std::string("QuantizedTable<") + Q::name + ">: packed rows of shape " +
                                 packed.shape().str() + " do not hold dim " + std::to_string(dim) +
                                 " (expected [rows, " + std::to_string(Q::row_bytes(dim)) + "])");
    }
    return {Tensor<std::uint8_t, Backend>::copy_of(packed), dim};
  }

 private:
  const std::uint8_t* row(std::int64_t r) const noexcept { return bytes.data() + r * row_bytes(); }
};

// A copy of a quantized table in the memory of backend To.
template <class To, Quantized Q, class From>
QuantizedTable<Q, To> to(const QuantizedTable<Q, From>& t) {
  return {to<To>(t.bytes), t.dim};
}
template <class To, Quantized Q>
QuantizedTable<Q, To> to(QuantizedTable<Q, cpu>&& t) {
  return {to<To>(std::move(t.bytes)), t.dim};
}

// Quantizes a float table row by row.
template <Quantized Q>
QuantizedTable<Q> quantize(TensorView<const float> w) {
  if (w.rank() != 2) {
    detail::raise<shape_error>(std::string("quantize<") + Q::name +
                               ">: expected a [rows, dim] table, got shape " + w.shape().str());
  }
  const std::int64_t rows = w.shape()[0], dim = w.shape()[1];
  QuantizedTable<Q> t{Tensor<std::uint8_t>::zeros({rows, Q::row_bytes(dim)}), dim};
  const float* src = w.data();
  std::uint8_t* dst = t.bytes.data();
  const std::int64_t rb = Q::row_bytes(dim);
  detail::parallel_for(rows, 256, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const float* x = src + r * dim;
      std::uint8_t* out = dst + r * rb;
      float lo = dim ? *std::min_element(x, x + dim) : 0.0f;
      const float hi = dim ? *std::max_element(x, x + dim) : 0.0f;
      if constexpr (std::is_same_v<Q, q8>) {
        const float range = hi - lo;
        const float scale = range / 255.0f;
        const float inverse = 255.0f / (range + 1e-8f);
        for (std::int64_t j = 0; j < dim; ++j) {
          out[j] = static_cast<std::uint8_t>(std::lrintf((x[j] - lo) * inverse));
        }
        std::memcpy(out + dim, &scale, 4);
        std::memcpy(out + dim + 4, &lo, 4);
      } else {
        lo = static_cast<float>(half(lo));  // the bias is stored as half: quantize against it
        const float range = hi - lo;
        // The scale is stored as half too, and the levels are computed from that stored scale
        // (as FBGEMM's and PyTorch's 4-bit prepack do), so dequantization is consistent.
        float scale = static_cast<float>(half(range == 0.0f ? 1.0f : range / 15.0f));
        float inverse = 1.0f / scale;
        if (std::isinf(inverse)) {  // a range too small for half: any scale reproduces the row
          scale = 1.0f;
          inverse = 1.0f;
        }
        for (std::int64_t j = 0; j < dim; ++j) {
          const long q = std::lrintf((x[j] - lo) * inverse);
          const auto v = static_cast<std::uint8_t>(std::clamp<long>(q, 0, 15));
          out[j / 2] = static_cast<std::uint8_t>(out[j / 2] | (v << ((j % 2) * 4)));
        }
        const std::uint16_t s = half(scale).bits(), b = half(lo).bits();
        std::memcpy(out + Q::data_bytes(dim), &s, 2);
        std::memcpy(out + Q::data_bytes(dim) + 2, &b, 2);
      }
    }
  });
  return t;
}

// The float table a quantized one stands for.
template <Quantized Q>
Tensor<float> dequantize(const QuantizedTable<Q>& t) {
  const std::int64_t rows = t.rows(), dim = t.dim, rb = t.row_bytes();
  auto out = Tensor<float>::empty({rows, dim});
  detail::parallel_for(rows, 256, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::uint8_t* q = t.bytes.data() + r * rb;
      const RowParams rp = Q::params(q, dim);
      for (std::int64_t j = 0; j < dim; ++j) {
        out[r * dim + j] = static_cast<float>(Q::level(q, j)) * rp.scale + rp.bias;
      }
    }
  });
  return out;
}

}  // namespace embedkit
