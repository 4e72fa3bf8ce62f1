// The cuda kernels Embedding needs, with the cpu backend's contracts (backend/cpu/embedding.hpp):
// index validation, row gather, max-norm renormalisation, the row-sparse backward (sorted and
// segment-reduced, deterministic; or atomic), scatter into a dense gradient, and the mask.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "embedkit/backend/common/problem.hpp"
#include "embedkit/backend/cuda/basic.cuh"
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

template <class I>
__global__ void find_bad_index_kernel(const I* idx, std::int64_t n, std::int64_t rows,
                                      unsigned long long* fault) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) {
    if (static_cast<std::uint64_t>(static_cast<std::int64_t>(idx[i])) >= static_cast<std::uint64_t>(rows)) {
      record_fault(fault, i);
    }
  }
}

// Copies n rows of `words` words each: out row i = table row idx[i].
template <class W, class I>
__global__ void gather_kernel(const W* table, std::int64_t words, const I* idx, std::int64_t n, W* out) {
  const std::int64_t total = n * words;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t i = t / words, k = t - i * words;
    out[t] = table[static_cast<std::int64_t>(idx[i]) * words + k];
  }
}

template <class I>
__global__ void keys_kernel(const I* idx, std::int64_t n, std::int64_t padding_row,
                            std::int64_t sentinel, std::int64_t* keys) {
  for (std::int64_t i = global_thread(); i < n; i += grid_threads()) {
    const auto r = static_cast<std::int64_t>(idx[i]);
    keys[i] = r == padding_row ? sentinel : r;
  }
}

// One warp per distinct referenced row: the row's p-norm, and the rescale when it exceeds
// max_norm (torch.embedding_renorm_'s rule), so a row named twice is rescaled once.
template <class T>
__global__ void renorm_kernel(T* w, std::int64_t dim, const std::int64_t* distinct, std::int64_t n,
                              double max_norm, double p) {
  using E = device_element<T>;
  using A = typename E::acc;
  const int lane = threadIdx.x % 32;
  const std::int64_t warps = grid_threads() / 32;
  for (std::int64_t k = global_thread() / 32; k < n; k += warps) {
    T* row = w + distinct[k] * dim;
    A s = 0;
    for (std::int64_t j = lane; j < dim; j += 32) {
      const A v = fabs(E::load(row + j));
      if (p == 2.0) s = fma(v, v, s);
      else if (p == 1.0) s += v;
      else if (isinf(p)) s = fmax(s, v);
      else if (p == 0.0) s += v != A(0) ? A(1) : A(0);
      else s += pow(v, static_cast<A>(p));
    }
    for (int o = 16; o > 0; o /= 2) {
      const A other = __shfl_xor_sync(0xffffffffu, s, o);
      s = isinf(p) ? fmax(s, other) : s + other;
    }
    A norm = s;
    if (p == 2.0) norm = sqrt(s);
    else if (!(p == 1.0 || isinf(p) || p == 0.0)) norm = pow(s, A(1) / static_cast<A>(p));
    if (static_cast<double>(norm) > max_norm) {
      const A scale = static_cast<A>(max_norm / (static_cast<double>(norm) + 1e-7));
      for (std::int64_t j = lane; j < dim; j += 32) E::store(row + j, E::load(row + j) * scale);
    }
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
    slots_kernel<<<blocks_for(n, threads_per_block), threads_per_block, 0, current_stream_slot()>>>(
        keys, n, sentinel, rows, nnz, slots.data());
    cuda_check_launch("slots_kernel");
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

template <class W>
__global__ void scatter_rows_kernel(const std::int64_t* rows, const W* values, std::int64_t nnz,
                                    std::int64_t dim, W* dense) {
  const std::int64_t total = nnz * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t k = t / dim, c = t - k * dim;
    dense[rows[k] * dim + c] = values[t];
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

struct cuda_embedding_kernels {
  template <IndexType I>
  static IndexFault find_bad_index(TensorView<const I> idx, std::int64_t rows) {
    const std::int64_t n = idx.numel();
    if (n == 0) return {};
    DeviceFaults fault;
    find_bad_index_kernel<<<blocks_for(n, threads_per_block), threads_per_block, 0, current_stream_slot()>>>(
        idx.data(), n, rows, fault.data());
    cuda_check_launch("find_bad_index_kernel");
    const std::int64_t at = fault.read();
    if (at < 0) return {};
    return {at, static_cast<std::int64_t>(cuda_memory::load(idx.data() + at))};
  }

  template <FloatStorage T, IndexType I>
  static void gather(const T* w, std::int64_t dim, TensorView<const I> idx, T* out) {
    const std::int64_t n = idx.numel();
    const std::size_t row_bytes = static_cast<std::size_t>(dim) * sizeof(T);
    if (n == 0 || row_bytes == 0) return;
    const auto launch = [&]<class W>(W*) {
      const std::int64_t words = static_cast<std::int64_t>(row_bytes / sizeof(W));
      gather_kernel<<<blocks_for(n * words, threads_per_block), threads_per_block, 0, current_stream_slot()>>>(
          reinterpret_cast<const W*>(w), words, idx.data(), n, reinterpret_cast<W*>(out));
      cuda_check_launch("gather_kernel");
    };
    switch (copy_word_bytes(w, out, row_bytes)) {
      case 16: launch(static_cast<uint4*>(nullptr)); break;
      case 8: launch(static_cast<std::uint64_t*>(nullptr)); break;
      case 4: launch(static_cast<std::uint32_t*>(nullptr)); break;
      case 2: launch(static_cast<std::uint16_t*>(nullptr)); break;
      default: launch(static_cast<std::uint8_t*>(nullptr)); break;
    }
  }

  template <FloatStorage T, IndexType I>
  static void renorm(T* w, std::int64_t dim, TensorView<const I> idx, double max_norm, double p) {
    const std::int64_t n = idx.numel();
    if (n == 0) return;
    auto keys = Tensor<std::int64_t, cuda>::empty({n});
    const cudaStream_t s = current_stream_slot();
    // The indices widened to int64 keys (no padding here: -1 never occurs in checked indices).
    keys_kernel<<<blocks_for(n, threads_per_block), threads_per_block, 0, s>>>(idx.data(), n, -1, -1, keys.data());
    cuda_check_launch("keys_kernel");
    // The table's row count is not passed here: sort on all non-sign bits (a rare path).
    KeyRuns runs = sort_into_runs(keys.data(), n, std::int64_t{1} << 62, false);
    renorm_kernel<<<blocks_for(runs.runs * 32, threads_per_block), threads_per_block, 0, s>>>(
        w, dim, runs.unique.data(), runs.runs, max_norm, p);
    cuda_check_launch("renorm_kernel");
  }

  template <FloatStorage T, IndexType I>
  static SparseGrad<T, cuda> backward(TensorView<const I> idx, const T* grad_output, std::int64_t dim,
                                      std::int64_t num_rows, std::int64_t padding_row,
                                      bool scale_by_freq, bool deterministic = true) {
    const std::int64_t n = idx.numel();
    const cudaStream_t s = current_stream_slot();
    auto keys = Tensor<std::int64_t, cuda>::empty({n});
    if (n > 0) {
      keys_kernel<<<blocks_for(n, threads_per_block), threads_per_block, 0, s>>>(idx.data(), n, padding_row,
                                                                                  num_rows, keys.data());
      cuda_check_launch("keys_kernel");
    }
    Coalesced c = coalesce(keys.data(), n, num_rows, deterministic);
    const std::int64_t nnz = c.nnz;
    const KeyRuns& runs = c.runs;
    SparseGrad<T, cuda> g{std::move(c.rows), Tensor<T, cuda>::empty({nnz, dim}), num_rows};
    const std::int64_t total = nnz * dim;
    if (total == 0) return g;
    if (deterministic) {
      segment_sum_kernel<<<blocks_for(total, threads_per_block), threads_per_block, 0, s>>>(
          grad_output, dim, runs.positions.data(), runs.starts.data(), runs.counts.data(), nnz, scale_by_freq,
          g.values.data());
      cuda_check_launch("segment_sum_kernel");
    } else {
      using A = typename device_element<T>::acc;
      auto acc = Tensor<A, cuda>::zeros({nnz, dim});
      const auto slots = gradient_slots(keys.data(), n, num_rows, g.rows.data(), nnz);
      atomic_rows_kernel<<<blocks_for(n * dim, threads_per_block), threads_per_block, 0, s>>>(
          slots.data(), n, grad_output, dim, acc.data());
      cuda_check_launch("atomic_rows_kernel");
      finish_rows_kernel<<<blocks_for(total, threads_per_block), threads_per_block, 0, s>>>(
          acc.data(), dim, runs.counts.data(), nnz, scale_by_freq, g.values.data());
      cuda_check_launch("finish_rows_kernel");
    }
    return g;
  }

  template <FloatStorage T>
  static void scatter_rows(const SparseGrad<T, cuda>& g, T* dense) {
    const std::int64_t dim = g.dim();
    cuda_memory::zero_bytes(dense, static_cast<std::size_t>(g.num_rows * dim) * sizeof(T));
    const std::int64_t total = g.nnz() * dim;
    if (total == 0) return;
    using W = typename word_of<sizeof(T)>::type;
    scatter_rows_kernel<<<blocks_for(total, threads_per_block), threads_per_block, 0, current_stream_slot()>>>(
        g.rows.data(), reinterpret_cast<const W*>(g.values.data()), g.nnz(), dim, reinterpret_cast<W*>(dense));
    cuda_check_launch("scatter_rows_kernel");
  }

  template <IndexType I>
  static void not_equal_mask(TensorView<const I> idx, std::int64_t a, std::int64_t b, bool* out) {
    const std::int64_t n = idx.numel();
    if (n == 0) return;
    not_equal_mask_kernel<<<blocks_for(n, threads_per_block), threads_per_block, 0, current_stream_slot()>>>(
        idx.data(), n, a, b, out);
    cuda_check_launch("not_equal_mask_kernel");
  }
};

}  // namespace embedkit::detail
