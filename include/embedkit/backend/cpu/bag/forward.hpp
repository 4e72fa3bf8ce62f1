// The EmbeddingBag forward kernel on the cpu. For each bag and each block of up to 8 registers
// of columns, the accumulators stay in registers for the whole bag while rows stream in; the row
// `prefetch_distance` entries ahead is prefetched; padding entries are skipped on the same path
// (no fallback loop); every index is range-checked as it is read (one unsigned compare), and a
// fault is recorded rather than thrown, since this runs inside a parallel region.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/cpu/bag/row_load.hpp"
#include "embedkit/core/config.hpp"

namespace embedkit {

namespace detail {

// How many input entries ahead a row is prefetched: EMBEDKIT_PREFETCH_DISTANCE (core/config.hpp).
inline constexpr std::int64_t prefetch_distance = EMBEDKIT_PREFETCH_DISTANCE;

// A read prefetch into all cache levels. On x86-64 with GCC or clang it is a volatile asm
// statement: GCC's dead-code elimination removes __builtin_prefetch in branchy code whose only
// other effects are prefetches (measured: the whole prefetch path vanished from the kernel).
inline void prefetch(const void* p) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#elif defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 3);
#else
  (void)p;
#endif
}

// Prefetches the bytes [col_bytes, col_bytes + Bytes) of the row named at input position k,
// if there is such a position and its index is in range (a bad index is reported when read).
template <std::int64_t Bytes, class I>
inline void prefetch_block(const std::uint8_t* table, std::int64_t stride, const I* idx,
                           std::int64_t rows, std::int64_t n, std::int64_t k,
                           std::int64_t col_bytes) noexcept {
  if (k >= n) return;
  const auto r = static_cast<std::uint64_t>(static_cast<std::int64_t>(idx[k]));
  if (r >= static_cast<std::uint64_t>(rows)) return;
  const std::uint8_t* p = table + static_cast<std::int64_t>(r) * stride + col_bytes;
  // Unrolled at compile time: GCC deletes a loop whose only effect is prefetching.
  [p]<std::size_t... L>(std::index_sequence<L...>) {
    (prefetch(p + 64 * static_cast<std::int64_t>(L)), ...);
  }(std::make_index_sequence<static_cast<std::size_t>((Bytes + 63) / 64)>{});
}

// Checked = false drops the index range checks: only for measuring what they cost (bench/).
template <class S, class I, class J, class A, bool Checked = true>
class BagReducer {
  using acc = typename storage_traits<S>::acc;
  using B = xsimd::batch<acc, A>;
  static constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  static constexpr int max_registers = 8;
  static constexpr bool quantized = storage_traits<S>::quantized;

 public:
  explicit BagReducer(const BagProblem<S, I, J>& p) : p_(p) {}

  // Reduces bags [b0, b1).
  void run(std::int64_t b0, std::int64_t b1, BagFault& fault) const {
    for (std::int64_t b = b0; b < b1; ++b) bag(b, fault);
  }

 private:
  // A row pointer for an index known to be valid.
  const std::uint8_t* row(std::int64_t r) const noexcept { return p_.table + r * p_.stride; }

  // Is position j a valid, non-padding entry? Records a fault for out-of-range indices.
  bool usable(std::int64_t j, std::int64_t b, BagFault& fault) const noexcept {
    const auto r = static_cast<std::int64_t>(p_.indices[j]);
    if (Checked && static_cast<std::uint64_t>(r) >= static_cast<std::uint64_t>(p_.rows)) {
      fault.record(j, r, b);
      return false;
    }
    return r != p_.padding_row;
  }

  void bag(std::int64_t b, BagFault& fault) const {
    const std::int64_t s = p_.start(b), e = p_.end(b);
    acc* out = p_.out + b * p_.dim;
    // One pass over the bag's indices (they are in L1 for the column blocks that follow):
    // validity, the count of non-padding entries and the sum of their weights.
    std::int64_t count = 0;
    acc weight_sum = 0;
    std::int64_t first = -1;
    for (std::int64_t j = s; j < e; ++j) {
      if (!usable(j, b, fault)) continue;
      if (first < 0) first = j;
      ++count;
      if (p_.weights) weight_sum += p_.weights[j];
    }
    if (count == 0) {  // empty or all padding: zeros (and no argmax)
      std::fill(out, out + p_.dim, acc(0));
      if (p_.argmax) std::fill(p_.argmax + b * p_.dim, p_.argmax + (b + 1) * p_.dim, std::int64_t{-1});
      return;
    }
    acc scale = 1;
    if (p_.mode == Mode::mean) {
      if (p_.weights) {
        scale = weight_sum != acc(0) ? acc(1) / weight_sum : acc(0);
      } else {
        scale = acc(1) / static_cast<acc>(count);
      }
    }
    // Max positions ride in float lanes, exact below 2^24 entries; longer bags (never seen in
    // practice) take the scalar path.
    const bool scalar_only = p_.mode == Mode::max && p_.argmax && e - first >= (std::int64_t{1} << 24);
    const std::int64_t full = scalar_only ? 0 : p_.dim / W * W;
    std::int64_t c = 0;
    for (; c + max_registers * W <= full; c += max_registers * W) block<max_registers>(s, e, first, c, scale, b, fault);
    switch ((full - c) / W) {
      case 7: block<7>(s, e, first, c, scale, b, fault); break;
      case 6: block<6>(s, e, first, c, scale, b, fault); break;
      case 5: block<5>(s, e, first, c, scale, b, fault); break;
      case 4: block<4>(s, e, first, c, scale, b, fault); break;
      case 3: block<3>(s, e, first, c, scale, b, fault); break;
      case 2: block<2>(s, e, first, c, scale, b, fault); break;
      case 1: block<1>(s, e, first, c, scale, b, fault); break;
      default: break;
    }
    if (full < p_.dim) tail(s, e, first, full, scale, b, fault);
  }

  // The row of input position j, after prefetching the block of the row 16 entries ahead;
  // null for a padding entry or an out-of-range index (recorded in `fault`). It takes the
  // loop's locals as arguments so that nothing in the hot loop is read through p_.
  template <std::int64_t BlockBytes>
  static const std::uint8_t* entry_row(const std::uint8_t* table, std::int64_t stride, const I* idx,
                                       std::int64_t rows, std::int64_t n, std::int64_t pad,
                                       std::int64_t j, std::int64_t b, std::int64_t col_bytes,
                                       BagFault& fault) noexcept {
    prefetch_block<BlockBytes>(table, stride, idx, rows, n, j + prefetch_distance, col_bytes);
    const auto r = static_cast<std::int64_t>(idx[j]);
    if (Checked && static_cast<std::uint64_t>(r) >= static_cast<std::uint64_t>(rows)) {
      fault.record(j, r, b);
      return nullptr;
    }
    return r == pad ? nullptr : table + r * stride;
  }

  // Columns [c, c + K*W) of bag b. The hot loop reads only locals: vector stores may alias
  // anything (intrinsic types are may_alias), so nothing reached through p_ stays in a register
  // across them. The accumulators are a local array that never escapes, so they live in
  // registers for the whole bag.
  template <int K>
  void block(std::int64_t s, std::int64_t e, std::int64_t first, std::int64_t c, acc scale,
             std::int64_t b, BagFault& fault) const {
    if (p_.mode == Mode::max) {
      max_block<K>(e, first, c, b, fault);
    } else {
      sum_block<K>(s, e, c, scale, b, fault);
    }
  }

  template <int K>
  void sum_block(std::int64_t s, std::int64_t e, std::int64_t c, acc scale, std::int64_t b,
                 BagFault& fault) const {
    const std::uint8_t* const table = p_.table;
    const std::int64_t stride = p_.stride, rows = p_.rows, pad = p_.padding_row, n = p_.n;
    const std::int64_t dim = p_.dim;
    const I* const idx = p_.indices;
    const acc* const weights = p_.weights;
    const bool mean = p_.mode == Mode::mean;
    acc* const out = p_.out + b * dim + c;
    const std::int64_t col_bytes = storage_traits<S>::row_bytes(c);
    constexpr std::int64_t block_bytes = storage_traits<S>::row_bytes(K * W);

    B a[K];
    for (int k = 0; k < K; ++k) a[k] = B(acc(0));
    acc bias_sum = 0;  // quantized rows: sum of w * bias, added once at the end
    for (std::int64_t j = s; j < e; ++j) {
      const std::uint8_t* row = entry_row<block_bytes>(table, stride, idx, rows, n, pad, j, b, col_bytes, fault);
      if (!row) continue;
      if constexpr (quantized) {
        float sc, bi;
        storage_traits<S>::params(row, dim, sc, bi);
        const acc w = weights ? weights[j] : acc(1);
        const B ws(w * sc);
        bias_sum += w * bi;
        for (int k = 0; k < K; ++k) a[k] = xsimd::fma(load_row<S, A>(row, c + k * W), ws, a[k]);
      } else {
        if (weights) {
          const B ws(weights[j]);
          for (int k = 0; k < K; ++k) a[k] = xsimd::fma(load_row<S, A>(row, c + k * W), ws, a[k]);
        } else {
          for (int k = 0; k < K; ++k) a[k] += load_row<S, A>(row, c + k * W);
        }
      }
    }
    const B bias(bias_sum);
    const B sc(scale);
    for (int k = 0; k < K; ++k) {
      B v = a[k];
      if constexpr (quantized) v += bias;
      if (mean) v *= sc;
      v.store_unaligned(out + k * W);
    }
  }

  // Max: the first usable row sets the accumulators; a later row replaces a column only when
  // strictly greater, so the first maximum wins (and NaN behaves as in PyTorch's loop).
  template <int K>
  void max_block(std::int64_t e, std::int64_t first, std::int64_t c, std::int64_t b,
                 BagFault& fault) const {
    const std::uint8_t* const table = p_.table;
    const std::int64_t stride = p_.stride, rows = p_.rows, pad = p_.padding_row, n = p_.n;
    const std::int64_t dim = p_.dim;
    const I* const idx = p_.indices;
    acc* const out = p_.out + b * dim + c;
    std::int64_t* const argmax = p_.argmax ? p_.argmax + b * dim + c : nullptr;
    const std::int64_t col_bytes = storage_traits<S>::row_bytes(c);
    constexpr std::int64_t block_bytes = storage_traits<S>::row_bytes(K * W);

    B a[K], pos[K];  // pos: position in the bag of each column's maximum, as acc
    {
      const std::uint8_t* r0 = table + static_cast<std::int64_t>(idx[first]) * stride;
      float sc0 = 1, bi0 = 0;
      if constexpr (quantized) storage_traits<S>::params(r0, dim, sc0, bi0);
      for (int k = 0; k < K; ++k) {
        a[k] = load_row<S, A>(r0, c + k * W);
        if constexpr (quantized) a[k] = xsimd::fma(a[k], B(sc0), B(bi0));
        pos[k] = B(acc(0));
      }
    }
    for (std::int64_t j = first + 1; j < e; ++j) {
      const std::uint8_t* row = entry_row<block_bytes>(table, stride, idx, rows, n, pad, j, b, col_bytes, fault);
      if (!row) continue;
      float sc = 1, bi = 0;
      if constexpr (quantized) storage_traits<S>::params(row, dim, sc, bi);
      const B here(static_cast<acc>(j - first));
      for (int k = 0; k < K; ++k) {
        B v = load_row<S, A>(row, c + k * W);
        if constexpr (quantized) v = xsimd::fma(v, B(sc), B(bi));
        const auto gt = v > a[k];
        a[k] = xsimd::select(gt, v, a[k]);
        if (argmax) pos[k] = xsimd::select(gt, here, pos[k]);
      }
    }
    for (int k = 0; k < K; ++k) a[k].store_unaligned(out + k * W);
    if (argmax) {
      alignas(64) acc ps[W];
      for (int k = 0; k < K; ++k) {
        pos[k].store_aligned(ps);
        for (std::int64_t l = 0; l < W; ++l) {
          argmax[k * W + l] = static_cast<std::int64_t>(idx[first + static_cast<std::int64_t>(ps[l])]);
        }
      }
    }
  }

  // Columns [c, dim) that do not fill a register, one at a time.
  void tail(std::int64_t s, std::int64_t e, std::int64_t first, std::int64_t c, acc scale,
            std::int64_t b, BagFault& fault) const {
    for (std::int64_t col = c; col < p_.dim; ++col) {
      acc v = 0;
      std::int64_t arg = static_cast<std::int64_t>(p_.indices[first]);
      bool started = false;
      for (std::int64_t j = s; j < e; ++j) {
        if (!usable(j, b, fault)) continue;
        const std::uint8_t* r = row(static_cast<std::int64_t>(p_.indices[j]));
        acc x = storage_traits<S>::element(r, col);
        if constexpr (quantized) {
          float sc, bi;
          storage_traits<S>::params(r, p_.dim, sc, bi);
          x = std::fma(x, sc, bi);
        }
        if (p_.mode == Mode::max) {
          if (!started || x > v) {
            v = x;
            arg = static_cast<std::int64_t>(p_.indices[j]);
          }
          started = true;
        } else {
          v = p_.weights ? std::fma(x, p_.weights[j], v) : v + x;
        }
      }
      if (p_.mode == Mode::mean) v *= scale;
      p_.out[b * p_.dim + col] = v;
      if (p_.mode == Mode::max && p_.argmax) p_.argmax[b * p_.dim + col] = arg;
    }
  }

  const BagProblem<S, I, J>& p_;
};

}  // namespace detail
}  // namespace embedkit
