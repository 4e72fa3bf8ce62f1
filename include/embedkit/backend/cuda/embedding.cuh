// The cuda embedding op (backend/common/embedding.hpp): row gather with the widest aligned word,
// the row-sparse backward (sorted and segment-reduced, deterministic; or atomic), and the mask.
// The pieces the bag backward shares (coalesce, gradient slots, finish_rows) live here too.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "embedkit/backend/common/embedding.hpp"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/rows.cuh"
#include "embedkit/backend/cuda/element.cuh"
#include "embedkit/backend/cuda/fault.cuh"
#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/backend/cuda/runtime.cuh"
#include "embedkit/backend/cuda/sort.cuh"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"

namespace embedkit::detail {

// Copies n rows of `words` words each: out row i = table row idx[i].
template <class W, class I>
__global__ void gather_kernel(const W* table, std::int64_t words, const I* idx, std::int64_t n, W* out) {
  const std::int64_t total = n * words;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t i = t / words, k = t - i * words;
    out[t] = table[static_cast<std::int64_t>(idx[i]) * words + k];
  }
}

// Deterministic: one thread per (run, column) adds the run's gradient rows in position order.
template <class T>
__global__ void segment_sum_kernel(const T* grad_output, std::int64_t dim, const std::int64_t* positions,
                                   const std::int64_t* starts, const std::int64_t* counts,
                                   std::int64_t nnz, bool scale_by_freq, T* values) {
  using E = device_element<T>;
  using A = typename E::acc;
  const std::int64_t total = nnz * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t s = t / dim, c = t - s * dim;
    const std::int64_t first = starts[s], count = counts[s];
    A a = 0;
    for (std::int64_t k = first; k < first + count; ++k) a += E::load(grad_output + positions[k] * dim + c);
    if (scale_by_freq) a *= A(1) / static_cast<A>(count);
    E::store(values + t, a);
  }
}

// Atomic variant, step 1: the gradient row (slot) of each position, found once per position
// rather than once per element; -1 for keys equal to `sentinel` (no gradient).
template <class Key>
__global__ void slots_kernel(const Key* keys, std::int64_t n, std::int64_t sentinel,
                             const std::int64_t* rows, std::int64_t nnz, std::int64_t* slots) {
  for (std::int64_t j = global_thread(); j < n; j += grid_threads()) {
    const auto k = static_cast<std::int64_t>(keys[j]);
    slots[j] = k == sentinel ? -1 : lower_bound(rows, nnz, k);
  }
}

// Step 2: every (position, column) adds into its row's accumulator.
template <class T>
__global__ void atomic_rows_kernel(const std::int64_t* slots, std::int64_t n, const T* grad_output,
                                   std::int64_t dim, typename device_element<T>::acc* acc) {
  using E = device_element<T>;
  const std::int64_t total = n * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t i = t / dim, c = t - i * dim;
    if (slots[i] >= 0) atomicAdd(acc + slots[i] * dim + c, E::load(grad_output + t));
  }
}

// Runs `slots_kernel` on the current stream.
inline Tensor<std::int64_t, cuda> gradient_slots(const std::int64_t* keys, std::int64_t n,
                                                 std::int64_t sentinel, const std::int64_t* rows,
                                                 std::int64_t nnz) {
  auto slots = Tensor<std::int64_t, cuda>::empty({n});
  if (n > 0) {
    launch("slots_kernel", n, slots_kernel<std::int64_t>, keys, n, sentinel, rows, nnz, slots.data());
  }
  return slots;
}

// values = acc (scaled by 1 / count per run with scale_by_freq), rounded to T.
template <class T>
__global__ void finish_rows_kernel(const typename device_element<T>::acc* acc, std::int64_t dim,
                                   const std::int64_t* counts, std::int64_t nnz, bool scale_by_freq,
                                   T* values) {
  using E = device_element<T>;
  using A = typename E::acc;
  const std::int64_t total = nnz * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    A a = acc[t];
    if (scale_by_freq) a *= A(1) / static_cast<A>(counts[t / dim]);
    E::store(values + t, a);
  }
}

template <class I>
__global__ void not_equal_mask_kernel(const I* idx, std::int64_t n, std::int64_t a, std::int64_t b,
                                      bool* out) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) {
    const auto v = static_cast<std::int64_t>(idx[i]);
    out[i] = v != a && v != b;
  }
}

// The widest word (16, 8, 4, 2 or 1 bytes) dividing a row and both base addresses.
inline int copy_word_bytes(const void* a, const void* b, std::size_t row_bytes) noexcept {
  const auto bits = reinterpret_cast<std::uintptr_t>(a) | reinterpret_cast<std::uintptr_t>(b) | row_bytes;
  for (int w = 16; w > 1; w /= 2) {
    if (bits % static_cast<unsigned>(w) == 0) return w;
  }
  return 1;
}

// The runs of n gradient keys (entries that get no gradient carry the key num_rows, which
// sorts last) and the coalesced gradient's rows: the distinct keys without that sentinel.
struct Coalesced {
  KeyRuns runs;
  std::int64_t nnz = 0;
  Tensor<std::int64_t, cuda> rows;
};

inline Coalesced coalesce(const std::int64_t* keys, std::int64_t n, std::int64_t num_rows,
                          bool with_positions) {
  Coalesced c{sort_into_runs(keys, n, num_rows, with_positions), 0, {}};
  c.nnz = c.runs.runs;
  if (c.nnz > 0 && cuda_memory::load(c.runs.unique.data() + c.nnz - 1) == num_rows) --c.nnz;
  c.rows = Tensor<std::int64_t, cuda>::empty({c.nnz});
  cuda_memory::copy_bytes(c.rows.data(), c.runs.unique.data(),
                          static_cast<std::size_t>(c.nnz) * sizeof(std::int64_t));
  return c;
}

struct cuda_embedding_ops {
  template <FloatStorage T, IndexType I>
  static void gather(const T* w, std::int64_t dim, TensorView<const I> idx, T* out) {
    const std::int64_t n = idx.numel();
    const std::size_t row_bytes = static_cast<std::size_t>(dim) * sizeof(T);
    if (n == 0 || row_bytes == 0) return;
    const auto copy_rows = [&]<class W>(W*) {
      const std::int64_t words = static_cast<std::int64_t>(row_bytes / sizeof(W));
      launch("gather_kernel", n * words, gather_kernel<W, I>, reinterpret_cast<const W*>(w), words,
             idx.data(), n, reinterpret_cast<W*>(out));
    };
    switch (copy_word_bytes(w, out, row_bytes)) {
      case 16: copy_rows(static_cast<uint4*>(nullptr)); break;
      case 8: copy_rows(static_cast<std::uint64_t*>(nullptr)); break;
      case 4: copy_rows(static_cast<std::uint32_t*>(nullptr)); break;
      case 2: copy_rows(static_cast<std::uint16_t*>(nullptr)); break;
      default: copy_rows(static_cast<std::uint8_t*>(nullptr)); break;
    }
  }

  template <FloatStorage T, IndexType I>
  static SparseGrad<T, cuda> backward(TensorView<const I> idx, const T* grad_output, std::int64_t dim,
                                      std::int64_t num_rows, std::int64_t padding_row,
                                      bool scale_by_freq, bool deterministic = true) {
    const std::int64_t n = idx.numel();
    auto keys = Tensor<std::int64_t, cuda>::empty({n});
    if (n > 0) launch("keys_kernel", n, keys_kernel<I>, idx.data(), n, padding_row, num_rows, keys.data());
    Coalesced c = coalesce(keys.data(), n, num_rows, deterministic);
    const std::int64_t nnz = c.nnz;
    const KeyRuns& runs = c.runs;
    SparseGrad<T, cuda> g{std::move(c.rows), Tensor<T, cuda>::empty({nnz, dim}), num_rows};
    const std::int64_t total = nnz * dim;
    if (total == 0) return g;
    if (deterministic) {
      launch("segment_sum_kernel", total, segment_sum_kernel<T>, grad_output, dim, runs.positions.data(),
             runs.starts.data(), runs.counts.data(), nnz, scale_by_freq, g.values.data());
    } else {
      using A = typename device_element<T>::acc;
      auto acc = Tensor<A, cuda>::zeros({nnz, dim});
      const auto slots = gradient_slots(keys.data(), n, num_rows, g.rows.data(), nnz);
      launch("atomic_rows_kernel", n * dim, atomic_rows_kernel<T>, slots.data(), n, grad_output, dim, acc.data());
      launch("finish_rows_kernel", total, finish_rows_kernel<T>, acc.data(), dim, runs.counts.data(), nnz,
             scale_by_freq, g.values.data());
    }
    return g;
  }

  template <IndexType I>
  static void mask(TensorView<const I> idx, std::int64_t a, std::int64_t b, bool* out) {
    const std::int64_t n = idx.numel();
    if (n == 0) return;
    launch("not_equal_mask_kernel", n, not_equal_mask_kernel<I>, idx.data(), n, a, b, out);
  }
};

}  // namespace embedkit::detail
