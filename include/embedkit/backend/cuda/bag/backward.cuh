// EmbeddingBag backward on the GPU, with the cpu backend's results (backend/cpu/bag/backward.hpp):
// the coalesced table gradient (every distinct non-padding row of the input, ascending) and the
// per-sample-weights gradient. Deterministic by default: entries are grouped by row with a
// stable radix sort and each (row, column) adds its terms in input order, as the cpu does. The
// atomic variant adds them with atomicAdd in whatever order threads run.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/cuda/bag/forward.cuh"
#include "embedkit/backend/cuda/bag/row.cuh"
#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/element.cuh"
#include "embedkit/backend/cuda/embedding.cuh"
#include "embedkit/backend/cuda/fault.cuh"
#include "embedkit/backend/cuda/sort.cuh"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"

namespace embedkit::detail {

// The bag of every input position (-1: in no bag, after the last offset).
template <class S, class I, class J>
__global__ void bag_of_kernel(const BagProblem<S, I, J> p, std::int64_t* bag) {
  for (std::int64_t j = global_thread(); j < p.n; j += grid_threads()) {
    std::int64_t b = p.offsets ? upper_bound(p.offsets, p.offsets_count, j) - 1 : j / p.fixed;
    bag[j] = b >= 0 && b < p.bags ? b : -1;
  }
}

// Per bag, in input order: the number of non-padding entries and the sum of their weights.
template <class S, class I, class J>
__global__ void bag_sizes_kernel(const BagProblem<S, I, J> p, typename storage_traits<S>::acc* count,
                                 typename storage_traits<S>::acc* wsum) {
  using acc = typename storage_traits<S>::acc;
  for (std::int64_t b = global_thread(); b < p.bags; b += grid_threads()) {
    acc c = 0, w = 0;
    for (std::int64_t j = p.start(b); j < p.end(b); ++j) {
      if (static_cast<std::int64_t>(p.indices[j]) == p.padding_row) continue;
      c += 1;
      if (p.weights) w += p.weights[j];
    }
    count[b] = c;
    wsum[b] = w;
  }
}

// The gradient key of each position: its row, or `sentinel` for padding and bag-less entries.
template <class S, class I, class J>
__global__ void bag_keys_kernel(const BagProblem<S, I, J> p, const std::int64_t* bag,
                                std::int64_t sentinel, std::int64_t* keys) {
  for (std::int64_t j = global_thread(); j < p.n; j += grid_threads()) {
    const auto r = static_cast<std::int64_t>(p.indices[j]);
    keys[j] = r == p.padding_row || bag[j] < 0 ? sentinel : r;
  }
}

// The factor of entry j's term: its weight (or 1), over its bag's size for mean.
template <class S, class I, class J>
__device__ inline typename storage_traits<S>::acc entry_coefficient(
    const BagProblem<S, I, J>& p, std::int64_t j, std::int64_t b,
    const typename storage_traits<S>::acc* count, const typename storage_traits<S>::acc* wsum) {
  using acc = typename storage_traits<S>::acc;
  acc coef = p.weights ? p.weights[j] : acc(1);
  if (p.mode == Mode::mean) {
    const acc denom = p.weights ? wsum[b] : count[b];
    coef = denom != acc(0) ? coef / denom : acc(0);
  }
  return coef;
}

template <class G, class S, class I, class J>
__global__ void bag_segment_kernel(const BagProblem<S, I, J> p, const typename storage_traits<S>::acc* go,
                                   const std::int64_t* bag, const typename storage_traits<S>::acc* count,
                                   const typename storage_traits<S>::acc* wsum, const std::int64_t* positions,
                                   const std::int64_t* starts, const std::int64_t* counts, std::int64_t nnz,
                                   bool scale_by_freq, G* values) {
  using acc = typename storage_traits<S>::acc;
  const std::int64_t dim = p.dim, total = nnz * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t s = t / dim, c = t - s * dim;
    const std::int64_t first = starts[s], last = first + counts[s];
    acc a = 0;
    for (std::int64_t k = first; k < last; ++k) {
      const std::int64_t j = positions[k], b = bag[j];
      a += entry_coefficient(p, j, b, count, wsum) * go[b * dim + c];
    }
    if (scale_by_freq) a *= acc(1) / static_cast<acc>(last - first);
    device_element<G>::store(values + t, a);
  }
}

template <class S, class I, class J>
__global__ void bag_atomic_kernel(const BagProblem<S, I, J> p, const typename storage_traits<S>::acc* go,
                                  const std::int64_t* bag, const typename storage_traits<S>::acc* count,
                                  const typename storage_traits<S>::acc* wsum, const std::int64_t* slots,
                                  typename storage_traits<S>::acc* acc_out) {
  const std::int64_t dim = p.dim, total = p.n * dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t j = t / dim, c = t - j * dim;
    if (slots[j] < 0) continue;  // padding or no bag
    const std::int64_t b = bag[j];
    atomicAdd(acc_out + slots[j] * dim + c, entry_coefficient(p, j, b, count, wsum) * go[b * dim + c]);
  }
}

// Max: the key of (bag, column) t is slot(argmax row) * dim + column, i.e. the element of the
// gradient it adds to; -1 bags give `sentinel`. The argmax rows have been checked
// (check_argmax_kernel), so each is one of `rows`.
template <class Index>
__global__ void max_keys_kernel(const Index* argmax, std::int64_t total, std::int64_t dim,
                                const std::int64_t* rows, std::int64_t nnz, std::int64_t sentinel,
                                std::int64_t* keys) {
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t r = argmax[t];
    keys[t] = r >= 0 ? lower_bound(rows, nnz, r) * dim + t % dim : sentinel;
  }
}

// A caller's max_indices: element t = (bag, column) must be a row among the bag's usable
// entries, or -1 when the bag has none; the first element that is not is a fault.
template <class S, class I, class J>
__global__ void check_argmax_kernel(const BagProblem<S, I, J> p, const std::int64_t* argmax,
                                    unsigned long long* fault) {
  const std::int64_t total = p.bags * p.dim;
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    const std::int64_t b = t / p.dim, r = argmax[t];
    bool any = false, found = false;
    for (std::int64_t j = p.start(b); j < p.end(b) && !found; ++j) {
      const auto row = static_cast<std::int64_t>(p.indices[j]);
      if (row == p.padding_row) continue;
      any = true;
      found = row == r;
    }
    if (any ? !found : r != -1) record_fault(fault, t);
  }
}

template <class G, class A>
__global__ void max_segment_kernel(const A* go, const std::int64_t* unique, const std::int64_t* positions,
                                   const std::int64_t* starts, const std::int64_t* counts, std::int64_t runs,
                                   std::int64_t sentinel, G* values) {
  for (std::int64_t s = global_thread(); s < runs; s += grid_threads()) {
    const std::int64_t key = unique[s];
    if (key == sentinel) continue;
    A a = 0;
    for (std::int64_t k = starts[s]; k < starts[s] + counts[s]; ++k) a += go[positions[k]];
    device_element<G>::store(values + key, a);
  }
}

template <class A>
__global__ void max_atomic_kernel(const A* go, const std::int64_t* keys, std::int64_t total,
                                  std::int64_t sentinel, A* acc_out) {
  for (std::int64_t t = global_thread(); t < total; t += grid_threads()) {
    if (keys[t] != sentinel) atomicAdd(acc_out + keys[t], go[t]);
  }
}

// d loss / d w_j, one group of lanes per bag (the forward kernel's layout): each entry's dot
// product with the bag's output gradient is reduced across the group with shuffles.
template <class S, class I, class J>
__global__ void bag_weights_kernel(const BagProblem<S, I, J> p, const typename storage_traits<S>::acc* go,
                                   int lanes, typename storage_traits<S>::acc* out) {
  using acc = typename storage_traits<S>::acc;
  const int lane = static_cast<int>(threadIdx.x) & (lanes - 1);
  const int warp_lane = static_cast<int>(threadIdx.x) & 31;
  const unsigned mask =
      lanes == 32 ? 0xffffffffu : ((1u << lanes) - 1u) << (warp_lane & ~(lanes - 1));
  const std::int64_t groups = grid_threads() / lanes;
  for (std::int64_t b = global_thread() / lanes; b < p.bags; b += groups) {
    const acc* g = go + b * p.dim;
    const std::int64_t s = p.start(b), e = p.end(b);
    acc wsum = 0, weighted = 0;
    for (std::int64_t j = s; j < e; ++j) {
      const auto r = static_cast<std::int64_t>(p.indices[j]);
      if (r == p.padding_row) continue;
      const std::uint8_t* row = p.table + r * p.stride;
      acc d = 0;
      for (std::int64_t c = lane; c < p.dim; c += lanes) d += g[c] * row_value<S>(row, p.dim, c);
      for (int o = lanes / 2; o > 0; o /= 2) d += __shfl_xor_sync(mask, d, o, lanes);
      if (lane == 0) out[j] = d;
      wsum += p.weights[j];
      weighted += p.weights[j] * d;
    }
    if (p.mode == Mode::mean && lane == 0) {
      const acc mean = wsum != acc(0) ? weighted / wsum : acc(0);
      for (std::int64_t j = s; j < e; ++j) {
        if (static_cast<std::int64_t>(p.indices[j]) == p.padding_row) continue;
        out[j] = wsum != acc(0) ? (out[j] - mean) / wsum : acc(0);
      }
    }
  }
}

template <class G, class S, class I, class J>
struct CudaBagBackward {
  using acc = typename storage_traits<S>::acc;

  const BagProblem<S, I, J>& p;
  const acc* grad_output;
  const std::int64_t* argmax;
  bool scale_by_freq;
  bool deterministic;

  SparseGrad<G, cuda> table_gradient() const {
    const std::int64_t n = p.n, dim = p.dim;
    auto bag = Tensor<std::int64_t, cuda>::empty({n});
    auto keys = Tensor<std::int64_t, cuda>::empty({n});
    if (n > 0) {
      launch("bag_of_kernel", n, bag_of_kernel<S, I, J>, p, bag.data());
      launch("bag_keys_kernel", n, bag_keys_kernel<S, I, J>, p, bag.data(), p.rows, keys.data());
    }
    const bool max = p.mode == Mode::max;
    // Max needs only the distinct rows here; its terms are grouped by (row, column) below.
    Coalesced co = coalesce(keys.data(), n, p.rows, deterministic && !max);
    const std::int64_t nnz = co.nnz;
    SparseGrad<G, cuda> g{std::move(co.rows), Tensor<G, cuda>::empty({nnz, dim}), p.rows};
    if (nnz * dim == 0) return g;
    if (max) {
      max_gradient(g);
      return g;
    }
    auto count = Tensor<acc, cuda>::empty({p.bags});
    auto wsum = Tensor<acc, cuda>::empty({p.bags});
    if (p.bags > 0) {
      launch("bag_sizes_kernel", p.bags, bag_sizes_kernel<S, I, J>, p, count.data(), wsum.data());
    }
    const std::int64_t total = nnz * dim;
    if (deterministic) {
      launch("bag_segment_kernel", total, bag_segment_kernel<G, S, I, J>, p, grad_output, bag.data(),
             count.data(), wsum.data(), co.runs.positions.data(), co.runs.starts.data(),
             co.runs.counts.data(), nnz, scale_by_freq, g.values.data());
    } else {
      auto sums = Tensor<acc, cuda>::zeros({nnz, dim});
      const auto slots = gradient_slots(keys.data(), n, p.rows, g.rows.data(), nnz);
      launch("bag_atomic_kernel", n * dim, bag_atomic_kernel<S, I, J>, p, grad_output, bag.data(),
             count.data(), wsum.data(), slots.data(), sums.data());
      launch("finish_rows_kernel", total, finish_rows_kernel<G>, sums.data(), dim, co.runs.counts.data(), nnz,
             scale_by_freq, g.values.data());
    }
    return g;
  }

  // Max: each (bag, column) gradient goes to that column of the bag's argmax row.
  void max_gradient(SparseGrad<G, cuda>& g) const {
    const std::int64_t dim = p.dim, nnz = g.nnz(), total = p.bags * dim, sentinel = nnz * dim;
    cuda_memory::zero_bytes(g.values.data(), g.values.bytes());
    if (total == 0) return;
    auto keys = Tensor<std::int64_t, cuda>::empty({total});
    launch("max_keys_kernel", total, max_keys_kernel<std::int64_t>, argmax, total, dim, g.rows.data(), nnz,
           sentinel, keys.data());
    if (deterministic) {
      KeyRuns runs = sort_into_runs(keys.data(), total, sentinel, true);
      if (runs.runs == 0) return;
      launch("max_segment_kernel", runs.runs, max_segment_kernel<G, acc>, grad_output, runs.unique.data(),
             runs.positions.data(), runs.starts.data(), runs.counts.data(), runs.runs, sentinel,
             g.values.data());
    } else {
      auto sums = Tensor<acc, cuda>::zeros({nnz, dim});
      launch("max_atomic_kernel", total, max_atomic_kernel<acc>, grad_output, keys.data(), total, sentinel,
             sums.data());
      launch("finish_rows_kernel", nnz * dim, finish_rows_kernel<G>, sums.data(), dim,
             static_cast<const std::int64_t*>(nullptr), nnz, false, g.values.data());
    }
  }

  Tensor<acc, cuda> weights_gradient() const {
    auto out = Tensor<acc, cuda>::zeros({p.n});
    if (p.bags == 0) return out;
    const int lanes = bag_lanes(p.dim, 1);
    launch("bag_weights_kernel", p.bags * lanes, bag_weights_kernel<S, I, J>, p, grad_output, lanes, out.data());
    return out;
  }
};

}  // namespace embedkit::detail
