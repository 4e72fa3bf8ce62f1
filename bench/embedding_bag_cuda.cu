// EmbeddingBag<T, ek::cuda> throughput on a table far larger than the GPU's L2 cache.
//
// Forward: every storage type (fp32, fp16, bf16, q8, q4), mode (sum, mean, max), dim (32..256)
// and bag length (1, 20, 100), plus padding_idx = 0 and forward_into a preallocated output at
// length 20, as bench/embedding_bag.cpp does on the cpu. Backward: the dense table gradient,
// fp32, sum and mean, dim 128, length 20, with deterministic (fixed-order) and atomic
// accumulation.
//
// Counters, each computed from the run's own time:
//   GB/s        bytes of table rows read per second (lookups x row bytes, as the cpu bench counts;
//               for backward, the gradient rows accumulated: the same count)
//   Mlookups/s  lookups per second
//   copy_ratio  GB/s divided by copy_GB/s
//   copy_GB/s   this GPU's device-to-device copy bandwidth, measured at start-up in the same run:
//               cudaMemcpyAsync of a 1 GiB buffer, counting read + write, 2 * bytes / time
//   ms/call     time of one layer call
// Times are taken with cudaEvents on ek::cuda::stream() around each call (Google Benchmark's
// manual time); a layer call also returns complete, since it checks its fault flag at the end.
//
// Indices are splitmix64(k) % rows and table values splitmix64(i), the sequences
// bench/embedding_bag_cuda_torch.py feeds PyTorch, so bench/compare_torch_cuda.py compares
// identical workloads. Each call looks up EMBEDKIT_BENCH_CALL_MIB MiB of rows (at least 65536
// lookups).
//
//   build/cuda/bench/bench_embedding_bag_cuda --benchmark_filter='bag/fp32/sum/dim:128'
//
// Environment: EMBEDKIT_BENCH_ROWS (default 8388608: the fp32 table is 1 GiB at dim 32 and
// 4 GiB at dim 128), EMBEDKIT_BENCH_CALL_MIB (default 1024).
// Without a GPU the program says so and exits with status 0, running nothing.
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "workload.hpp"

namespace ek = embedkit;

namespace {

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(call) + " failed: " + cudaGetErrorString(status));
  }
}

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* env = std::getenv(name);
  return env && *env ? std::atoll(env) : fallback;
}

std::int64_t table_rows() {
  static const std::int64_t rows = env_int("EMBEDKIT_BENCH_ROWS", std::int64_t{1} << 23);
  return rows;
}

std::int64_t call_bytes() {
  static const std::int64_t bytes = env_int("EMBEDKIT_BENCH_CALL_MIB", 1024) << 20;
  return bytes;
}

using embedkit_bench::table_value;

void copy_to_device(void* dst, const void* src, std::size_t bytes) {
  const cudaStream_t s = ek::cuda::stream();
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

// Elapsed time of the work queued on ek::cuda::stream() between start() and stop().
class EventTimer {
 public:
  EventTimer() {
    check(cudaEventCreate(&begin_), "cudaEventCreate");
    check(cudaEventCreate(&end_), "cudaEventCreate");
  }
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  ~EventTimer() {
    (void)cudaEventDestroy(begin_);
    (void)cudaEventDestroy(end_);
  }
  void start() { check(cudaEventRecord(begin_, ek::cuda::stream()), "cudaEventRecord"); }
  double stop() {
    check(cudaEventRecord(end_, ek::cuda::stream()), "cudaEventRecord");
    check(cudaEventSynchronize(end_), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, begin_, end_), "cudaEventElapsedTime");
    return static_cast<double>(ms) * 1e-3;
  }

 private:
  cudaEvent_t begin_ = nullptr, end_ = nullptr;
};

// ---- this GPU's device-to-device copy bandwidth ---------------------------------------------

double copy_gbps() {
  static const double gbps = [] {
    const std::int64_t bytes = std::int64_t{1} << 30;  // 1 GiB: far beyond any L2
    auto src = ek::Tensor<std::uint8_t, ek::cuda>::empty({bytes});
    auto dst = ek::Tensor<std::uint8_t, ek::cuda>::empty({bytes});
    const cudaStream_t s = ek::cuda::stream();
    check(cudaMemsetAsync(src.data(), 1, static_cast<std::size_t>(bytes), s), "cudaMemsetAsync");
    check(cudaMemsetAsync(dst.data(), 0, static_cast<std::size_t>(bytes), s), "cudaMemsetAsync");
    EventTimer timer;
    std::vector<double> runs;
    for (int rep = 0; rep < 12; ++rep) {
      timer.start();
      check(cudaMemcpyAsync(dst.data(), src.data(), static_cast<std::size_t>(bytes),
                            cudaMemcpyDeviceToDevice, s),
            "cudaMemcpyAsync");
      const double t = timer.stop();
      if (rep >= 2) runs.push_back(2.0 * static_cast<double>(bytes) / t * 1e-9);  // 2 warm-ups
    }
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
  }();
  return gbps;
}

// ---- tables: one alive at a time (an 8M x 256 fp32 table is 8 GiB) --------------------------
// Benchmarks are registered dim-major, so each (storage, dim) table is built once, on the
// device; the layers of every mode and padding option are made from it.

template <class T>
using Storage = typename ek::Parameter<T, ek::cuda>::storage_type;

template <class T>
using Bag = ek::EmbeddingBag<T, ek::cuda>;

template <class T>
std::int64_t row_bytes(std::int64_t dim) {
  return ek::detail::storage_traits<T>::row_bytes(dim);
}

// The [rows, dim] table on the device, built a slice of rows at a time on the host (values
// converted or quantized there, by the library's own conversions) and copied over.
template <class T>
Storage<T> build_table(std::int64_t rows, std::int64_t dim) {
  const std::int64_t slice = std::max<std::int64_t>(1, (std::int64_t{64} << 20) / dim);
  const std::int64_t rb = row_bytes<T>(dim);
  std::vector<float> w(static_cast<std::size_t>(std::min(slice, rows) * dim));
  std::vector<T> converted;
  if constexpr (!ek::Quantized<T> && !std::is_same_v<T, float>) converted.resize(w.size());
  Storage<T> table;
  if constexpr (ek::Quantized<T>) {
    table = Storage<T>{ek::Tensor<std::uint8_t, ek::cuda>::empty({rows, rb}), dim};
  } else {
    table = ek::Tensor<T, ek::cuda>::empty({rows, dim});
  }
  for (std::int64_t r0 = 0; r0 < rows; r0 += slice) {
    const std::int64_t nr = std::min(slice, rows - r0), count = nr * dim;
    const auto base = static_cast<std::uint64_t>(r0 * dim);
    ek::cpu::parallel_for(count, 1 << 16, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        w[static_cast<std::size_t>(i)] = table_value(base + static_cast<std::uint64_t>(i));
      }
    });
    if constexpr (ek::Quantized<T>) {
      const auto q = ek::quantize<T>(ek::TensorView<const float>(w.data(), {nr, dim}));
      copy_to_device(table.bytes.data() + r0 * rb, q.bytes.data(), q.bytes.bytes());
    } else if constexpr (std::is_same_v<T, float>) {
      copy_to_device(table.data() + r0 * dim, w.data(), static_cast<std::size_t>(count) * sizeof(float));
    } else {
      ek::cpu::parallel_for(count, 1 << 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) {
          converted[static_cast<std::size_t>(i)] = ek::convert<T>(w[static_cast<std::size_t>(i)]);
        }
      });
      copy_to_device(table.data() + r0 * dim, converted.data(), static_cast<std::size_t>(count) * sizeof(T));
    }
  }
  return table;
}

template <class T>
using TableCache = embedkit_bench::TableCache<Storage<T>, Bag<T>>;

template <class T>
const Storage<T>& storage(std::int64_t dim) {
  auto& c = TableCache<T>::get();
  if (c.dim != dim) {
    for (auto& clear : embedkit_bench::table_clearers()) clear();
    ek::cuda::synchronize();  // the freed tables go back to the pool before the next one
    c.storage = std::make_unique<Storage<T>>(build_table<T>(table_rows(), dim));
    c.dim = dim;
  }
  return *c.storage;
}

template <class T>
Bag<T> make_layer(const Storage<T>& s, ek::EmbeddingBagOptions opt, bool freeze) {
  if constexpr (ek::Quantized<T>) {
    (void)freeze;  // quantized tables are not trained
    return Bag<T>::from_pretrained(ek::QuantizedTable<T, ek::cuda>{s.bytes, s.dim}, std::move(opt));
  } else {
    return Bag<T>::from_pretrained(s.cview(), std::move(opt), freeze);
  }
}

template <class T>
const Bag<T>& forward_layer(std::int64_t dim, ek::Mode mode, bool padded) {
  const auto& s = storage<T>(dim);
  auto& c = TableCache<T>::get();
  if (!c.bag || c.mode != static_cast<int>(mode) || c.padded != padded) {
    c.bag.reset();
    ek::EmbeddingBagOptions opt{.mode = mode};
    if (padded) opt.padding_idx = 0;
    c.bag = std::make_unique<Bag<T>>(make_layer<T>(s, opt, true));
    c.mode = static_cast<int>(mode);
    c.padded = padded;
  }
  return *c.bag;
}

// Enough lookups per call that the rows touched (EMBEDKIT_BENCH_CALL_MIB) dwarf the L2.
std::int64_t lookups_for(std::int64_t rb) {
  return std::max<std::int64_t>(std::int64_t{1} << 16, call_bytes() / rb);
}

// Device indices splitmix64(k) % rows for `bags` bags of `len`, and their offsets.
struct Input {
  ek::Tensor<std::int64_t, ek::cuda> indices, offsets;
  std::int64_t bags = 0, n = 0;
};

Input make_input(std::int64_t bags, std::int64_t len) {
  const std::int64_t n = bags * len;
  const auto rows = static_cast<std::uint64_t>(table_rows());
  auto idx = ek::Tensor<std::int64_t>::empty({n});
  auto off = ek::Tensor<std::int64_t>::empty({bags});
  std::int64_t* const ip = idx.data();
  ek::cpu::parallel_for(n, 1 << 16, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t k = b; k < e; ++k) {
      ip[k] = embedkit_bench::index_at(static_cast<std::uint64_t>(k), rows);
    }
  });
  for (std::int64_t b = 0; b < bags; ++b) off[b] = b * len;
  return {ek::to<ek::cuda>(std::move(idx)), ek::to<ek::cuda>(std::move(off)), bags, n};
}

// Times `call` once per benchmark iteration with cudaEvents and sets the counters. `setup`
// prepares the call (tables, inputs) and returns it; an exception from either (an ek::error,
// out of device memory) skips the benchmark with its message instead of ending the run.
template <class Setup>
void timed(benchmark::State& state, Setup&& setup) {
  try {
    auto work = setup();
    work.call();  // warm-up: module load, pool growth
    EventTimer timer;
    double seconds = 0;
    std::int64_t iterations = 0;
    for (auto _ : state) {
      timer.start();
      work.call();
      const double dt = timer.stop();
      state.SetIterationTime(dt);
      seconds += dt;
      ++iterations;
    }
    const double calls = static_cast<double>(iterations);
    const double gbps = work.bytes * calls / seconds * 1e-9;
    state.counters["GB/s"] = gbps;
    state.counters["Mlookups/s"] = work.lookups * calls / seconds * 1e-6;
    state.counters["copy_ratio"] = gbps / copy_gbps();
    state.counters["copy_GB/s"] = copy_gbps();
    state.counters["ms/call"] = seconds / calls * 1e3;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// A prepared call and what one call reads.
template <class Call>
struct Work {
  Call call;
  double bytes;    // table row bytes touched
  double lookups;  // entries of the input
};
template <class Call>
Work(Call, double, double) -> Work<Call>;

// into: forward_into a preallocated output; otherwise forward(), which allocates its output
// (from the stream-ordered pool) as torch's embedding_bag does (from its caching allocator).
template <class T>
void bm_bag(benchmark::State& state, ek::Mode mode, bool padded, bool into) {
  const std::int64_t dim = state.range(0), len = state.range(1);
  timed(state, [&] {
    const Bag<T>* bag = &forward_layer<T>(dim, mode, padded);
    const std::int64_t bags = std::max<std::int64_t>(1, lookups_for(row_bytes<T>(dim)) / len);
    auto in = std::make_shared<Input>(make_input(bags, len));
    using O = typename Bag<T>::output_type;
    auto out = std::make_shared<ek::Tensor<O, ek::cuda>>(ek::Tensor<O, ek::cuda>::zeros({bags, dim}));
    auto call = [bag, in, out, into] {
      if (into) {
        bag->forward_into(out->view(), in->indices.cview(), in->offsets.cview());
      } else {
        auto y = bag->forward(in->indices.cview(), in->offsets.cview());
        benchmark::DoNotOptimize(y.data());
      }  // y is released (stream-ordered) before the timer stops
    };
    return Work{call, static_cast<double>(in->n * row_bytes<T>(dim)), static_cast<double>(in->n)};
  });
}

// The dense table gradient [rows, dim] (allocated by each call, as autograd's is), fp32.
void bm_backward(benchmark::State& state, ek::Mode mode, bool deterministic) {
  const std::int64_t dim = state.range(0), len = state.range(1);
  timed(state, [&] {
    const auto& s = storage<float>(dim);
    auto& cache = TableCache<float>::get();
    cache.bag.reset();  // no forward layer here: its copy of the table is freed
    cache.mode = -1;
    auto bag = std::make_shared<Bag<float>>(
        make_layer<float>(s, {.mode = mode, .deterministic = deterministic}, false));
    const std::int64_t bags = std::max<std::int64_t>(1, lookups_for(row_bytes<float>(dim)) / len);
    auto in = std::make_shared<Input>(make_input(bags, len));
    auto go = ek::Tensor<float>::empty({bags, dim});
    for (std::int64_t i = 0; i < bags * dim; ++i) go[i] = table_value(~static_cast<std::uint64_t>(i));
    auto grad_output = std::make_shared<ek::Tensor<float, ek::cuda>>(ek::to<ek::cuda>(std::move(go)));
    auto call = [bag, in, grad_output] {
      auto g = bag->backward(in->indices.cview(), in->offsets.cview(), grad_output->cview());
      benchmark::DoNotOptimize(g.data());
    };
    return Work{call, static_cast<double>(in->n * row_bytes<float>(dim)), static_cast<double>(in->n)};
  });
}

template <class T>
void register_type(const char* tname) {
  embedkit_bench::for_each_bag_variant(
      tname,
      [](const embedkit_bench::BagVariant& v, std::int64_t dim) {
        const bool padded = v.padded, into = v.into;
        const int m = v.mode;
        auto* b = benchmark::RegisterBenchmark(v.name.c_str(), [m, padded, into](benchmark::State& st) {
          bm_bag<T>(st, static_cast<ek::Mode>(m), padded, into);
        });
        b->ArgNames({"dim", "len"})->Unit(benchmark::kMillisecond)->UseManualTime();
        for (std::int64_t len : v.lens) b->Args({dim, len});
      },
      [](std::int64_t) {});
}

void register_backward() {
  const char* modes[] = {"sum", "mean"};
  for (int m = 0; m < 2; ++m) {
    for (bool deterministic : {true, false}) {
      const std::string name = std::string("bag_backward/fp32/") + modes[m] +
                               (deterministic ? "/deterministic" : "/atomic");
      auto* b = benchmark::RegisterBenchmark(name.c_str(), [m, deterministic](benchmark::State& st) {
        bm_backward(st, static_cast<ek::Mode>(m), deterministic);
      });
      b->ArgNames({"dim", "len"})->Unit(benchmark::kMillisecond)->UseManualTime()->Args({128, 20});
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (ek::cuda::device_count() == 0) {
    std::printf("bench_embedding_bag_cuda needs a CUDA GPU and found none (no device or no driver): "
                "nothing was run\n");
    return 0;
  }
  try {
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
    int runtime = 0, driver = 0;
    check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
    check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
    const auto version = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
    const double copy = copy_gbps();
    char copy_text[32];
    std::snprintf(copy_text, sizeof copy_text, "%.1f", copy);
    benchmark::AddCustomContext("gpu", prop.name);
    benchmark::AddCustomContext("gpu_memory_GiB", std::to_string(prop.totalGlobalMem >> 30));
    benchmark::AddCustomContext("gpu_l2_MiB", std::to_string(prop.l2CacheSize >> 20));
    benchmark::AddCustomContext("compute_capability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
    benchmark::AddCustomContext("cuda_runtime", version(runtime));
    benchmark::AddCustomContext("cuda_driver", version(driver));
    benchmark::AddCustomContext("copy_GB/s", copy_text);
    benchmark::AddCustomContext("copy_GB/s_counts", "read + write: 2 * bytes / time, 1 GiB cudaMemcpyAsync D2D");
    benchmark::AddCustomContext("table_rows", std::to_string(table_rows()));
    benchmark::AddCustomContext("call_MiB", std::to_string(call_bytes() >> 20));
    std::printf("GPU: %s (%d MiB L2, %zu GiB)\n", prop.name, prop.l2CacheSize >> 20,
                static_cast<std::size_t>(prop.totalGlobalMem >> 30));
    std::printf("device-to-device copy bandwidth (read + write, 1 GiB): %.1f GB/s\n", copy);
    std::printf("table rows: %lld, rows read per call: %lld MiB\n", static_cast<long long>(table_rows()),
                static_cast<long long>(call_bytes() >> 20));
    register_type<float>("fp32");
    register_type<ek::half>("fp16");
    register_type<ek::bfloat16>("bf16");
    register_type<ek::q8>("q8");
    register_type<ek::q4>("q4");
    register_backward();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_embedding_bag_cuda: %s\n", e.what());
    return 1;
  }
  return 0;
}
