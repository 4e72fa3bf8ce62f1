// Grouping equal keys, the first step of every gradient on the GPU: a stable radix sort (CUB)
// of (key, position) pairs, then the runs of equal keys with their starts and lengths. The
// sort is stable, so within a run positions stay ascending and a run reduced in order adds
// in the same order as the cpu backend.
#pragma once

#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_run_length_encode.cuh>
#include <cub/device/device_scan.cuh>

#include <bit>
#include <climits>
#include <cstdint>
#include <string>

#include "embedkit/backend/cuda/basic.cuh"
#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/backend/cuda/runtime.cuh"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"

namespace embedkit::detail {

struct KeyRuns {
  Tensor<std::int64_t, cuda> keys;       // [n] sorted
  Tensor<std::int64_t, cuda> positions;  // [n] the position each sorted key came from (pairs only)
  Tensor<std::int64_t, cuda> unique;     // [runs] the distinct keys, ascending
  Tensor<std::int64_t, cuda> counts;     // [runs] how many times each occurs
  Tensor<std::int64_t, cuda> starts;     // [runs] where each run begins in keys
  std::int64_t runs = 0;
};

// Sorts keys[0, n) (each in [0, max_key]) with their positions 0..n-1 when with_positions,
// and finds the runs. Synchronises once (the number of runs sizes what follows).
inline KeyRuns sort_into_runs(const std::int64_t* keys, std::int64_t n, std::int64_t max_key,
                              bool with_positions) {
  if (n > INT_MAX) {
    raise<value_error>("cuda backend: " + std::to_string(n) +
                       " entries in one gradient; at most 2^31 - 1 are supported");
  }
  const cudaStream_t s = current_stream_slot();
  const int end_bit = max_key > 0 ? 64 - std::countl_zero(static_cast<std::uint64_t>(max_key)) : 1;
  const int count = static_cast<int>(n);
  KeyRuns r;
  r.keys = Tensor<std::int64_t, cuda>::empty({n});
  r.unique = Tensor<std::int64_t, cuda>::empty({n});
  r.counts = Tensor<std::int64_t, cuda>::empty({n});
  auto runs = Tensor<std::int64_t, cuda>::zeros({1});
  if (n == 0) return r;

  Tensor<std::int64_t, cuda> iota;
  std::size_t sort_bytes = 0;
  if (with_positions) {
    iota = Tensor<std::int64_t, cuda>::empty({n});
    r.positions = Tensor<std::int64_t, cuda>::empty({n});
    cuda_check(cub::DeviceRadixSort::SortPairs(nullptr, sort_bytes, keys, r.keys.data(), iota.data(),
                                               r.positions.data(), count, 0, end_bit, s),
               "cub::DeviceRadixSort::SortPairs");
  } else {
    cuda_check(cub::DeviceRadixSort::SortKeys(nullptr, sort_bytes, keys, r.keys.data(), count, 0,
                                              end_bit, s),
               "cub::DeviceRadixSort::SortKeys");
  }
  std::size_t rle_bytes = 0, scan_bytes = 0;
  cuda_check(cub::DeviceRunLengthEncode::Encode(nullptr, rle_bytes, r.keys.data(), r.unique.data(),
                                                r.counts.data(), runs.data(), count, s),
             "cub::DeviceRunLengthEncode::Encode");
  cuda_check(cub::DeviceScan::ExclusiveSum(nullptr, scan_bytes, r.counts.data(), r.unique.data(),
                                           count, s),
             "cub::DeviceScan::ExclusiveSum");
  std::size_t temp_bytes = sort_bytes > rle_bytes ? sort_bytes : rle_bytes;
  if (scan_bytes > temp_bytes) temp_bytes = scan_bytes;
  auto temp = Tensor<std::uint8_t, cuda>::empty({static_cast<std::int64_t>(temp_bytes)});

  if (with_positions) {
    fill_iota(iota.data(), n);
    cuda_check(cub::DeviceRadixSort::SortPairs(temp.data(), sort_bytes, keys, r.keys.data(),
                                               iota.data(), r.positions.data(), count, 0, end_bit, s),
               "cub::DeviceRadixSort::SortPairs");
  } else {
    cuda_check(cub::DeviceRadixSort::SortKeys(temp.data(), sort_bytes, keys, r.keys.data(), count, 0,
                                              end_bit, s),
               "cub::DeviceRadixSort::SortKeys");
  }
  cuda_check(cub::DeviceRunLengthEncode::Encode(temp.data(), rle_bytes, r.keys.data(), r.unique.data(),
                                                r.counts.data(), runs.data(), count, s),
             "cub::DeviceRunLengthEncode::Encode");
  r.runs = cuda_memory::load(runs.data());
  r.starts = Tensor<std::int64_t, cuda>::empty({r.runs});
  if (r.runs > 0) {
    cuda_check(cub::DeviceScan::ExclusiveSum(temp.data(), scan_bytes, r.counts.data(), r.starts.data(),
                                             static_cast<int>(r.runs), s),
               "cub::DeviceScan::ExclusiveSum");
  }
  return r;
}

}  // namespace embedkit::detail
