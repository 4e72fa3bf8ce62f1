// EmbeddingBag forward throughput on a table far larger than the last-level cache.
//
// For every storage type, mode, dim (32..256), bag length (1, 20, 100) and thread count (1 and
// all), it reports GB/s of rows read, lookups/s, and the ratio to this machine's sequential read
// bandwidth, measured in the same run over a buffer larger than the LLC. Indices are
// splitmix64(k) % rows, the same sequence bench/embedding_bag_torch.py feeds PyTorch, so
// bench/compare_torch.py compares identical workloads.
//
//   build/release/bench/bench_embedding_bag --benchmark_filter=fp32 --benchmark_repetitions=5
//
// Environment: EMBEDKIT_BENCH_ROWS (default 4194304) to shrink the table on small machines.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <embedkit/embedkit.hpp>

#include "workload.hpp"

namespace ek = embedkit;

namespace {

std::int64_t table_rows() {
  const char* env = std::getenv("EMBEDKIT_BENCH_ROWS");
  return env ? std::atoll(env) : std::int64_t{1} << 22;
}

int all_threads() { return ek::detail::max_threads(); }

void set_threads(int n) {
#if defined(_OPENMP)
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

// ---- this machine's sequential read bandwidth ----------------------------------------------

double sequential_read_gbps(int threads) {
  static std::vector<double> cache(64, 0.0);
  if (cache[static_cast<std::size_t>(threads)] > 0) return cache[static_cast<std::size_t>(threads)];
  const std::int64_t n = std::int64_t{1} << 28;  // 1 GiB of floats: far beyond any LLC
  auto buf = ek::Tensor<float>::empty({n});
  float* const data = buf.data();
  set_threads(threads);
  ek::cpu::parallel_for(n, 1 << 20, [&](std::int64_t b, std::int64_t e) {
    std::fill(data + b, data + e, 1.0f);
  });
  std::vector<double> runs;
  for (int rep = 0; rep < 7; ++rep) {
    std::vector<float> partial(64, 0.0f);
    const auto t0 = std::chrono::steady_clock::now();
    ek::cpu::parallel_for(n, 1 << 20, [&](std::int64_t b, std::int64_t e) {
      using B = xsimd::batch<float>;
      B a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f);
      std::int64_t i = b;
      for (; i + 4 * static_cast<std::int64_t>(B::size) <= e; i += 4 * static_cast<std::int64_t>(B::size)) {
        a0 += B::load_unaligned(data + i);
        a1 += B::load_unaligned(data + i + B::size);
        a2 += B::load_unaligned(data + i + 2 * B::size);
        a3 += B::load_unaligned(data + i + 3 * B::size);
      }
      float s = xsimd::hadd(a0 + a1 + a2 + a3);
      const std::int64_t rest = e - i;
      for (std::int64_t k = 0; k < rest; ++k) s += data[i + k];
      partial[static_cast<std::size_t>(b * 63 / n)] += s;
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(partial.data());
    runs.push_back(static_cast<double>(n) * sizeof(float) / secs * 1e-9);
  }
  std::sort(runs.begin(), runs.end());
  return cache[static_cast<std::size_t>(threads)] = runs[runs.size() / 2];
}

// ---- tables: one alive at a time (a 4M x 256 float table is 4 GiB) --------------------------
// The benchmarks are registered dim-major, so each (storage, dim) table is built once; the
// layers for each mode and padding option share it (wrap: no copy).

template <class T>
using TableCache = embedkit_bench::TableCache<typename ek::Parameter<T, ek::cpu>::storage_type,
                                              ek::EmbeddingBag<T>>;

std::vector<float> random_table(std::int64_t rows, std::int64_t dim) {
  std::vector<float> w(static_cast<std::size_t>(rows * dim));
  ek::cpu::parallel_for(rows * dim, 1 << 16, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      w[static_cast<std::size_t>(i)] = embedkit_bench::table_value(static_cast<std::uint64_t>(i));
    }
  });
  return w;
}

template <class T>
ek::EmbeddingBag<T>& table(std::int64_t dim, ek::Mode mode, bool padded) {
  auto& c = TableCache<T>::get();
  if (c.dim != dim) {
    for (auto& clear : embedkit_bench::table_clearers()) clear();
    const std::int64_t rows = table_rows();
    set_threads(all_threads());
    std::vector<float> w = random_table(rows, dim);
    const ek::TensorView<const float> wv(w.data(), {rows, dim});
    if constexpr (ek::Quantized<T>) {
      c.storage = std::make_unique<ek::QuantizedTable<T>>(ek::quantize<T>(wv));
    } else {
      auto t = std::make_unique<ek::Tensor<T>>(ek::Tensor<T>::empty({rows, dim}));
      ek::cpu::parallel_for(rows * dim, 1 << 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) (*t)[i] = ek::convert<T>(w[static_cast<std::size_t>(i)]);
      });
      c.storage = std::move(t);
    }
    c.dim = dim;
    c.mode = -1;
  }
  if (c.mode != static_cast<int>(mode) || c.padded != padded) {
    ek::EmbeddingBagOptions opt{.mode = mode};
    if (padded) opt.padding_idx = 0;
    if constexpr (ek::Quantized<T>) {
      c.bag = std::make_unique<ek::EmbeddingBag<T>>(ek::EmbeddingBag<T>::from_pretrained(*c.storage, opt));
    } else {
      c.bag = std::make_unique<ek::EmbeddingBag<T>>(ek::EmbeddingBag<T>::wrap(c.storage->view(), opt));
    }
    c.mode = static_cast<int>(mode);
    c.padded = padded;
  }
  return *c.bag;
}

template <class T>
std::int64_t row_bytes(std::int64_t dim) {
  return ek::detail::storage_traits<T>::row_bytes(dim);
}

// Enough lookups per iteration that the rows touched (>= 256 MiB) dwarf the LLC.
std::int64_t lookups_for(std::int64_t rb) {
  return std::max<std::int64_t>(std::int64_t{1} << 16, (std::int64_t{256} << 20) / rb);
}

// into: forward_into a preallocated output (steady state, no allocation); otherwise forward(),
// which allocates its output as PyTorch's embedding_bag does.
template <class T>
void bm_bag(benchmark::State& state, ek::Mode mode, bool padded, bool into) {
  const std::int64_t dim = state.range(0), len = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  auto& bag = table<T>(dim, mode, padded);
  const std::int64_t rows = table_rows();
  const std::int64_t bags = std::max<std::int64_t>(1, lookups_for(row_bytes<T>(dim)) / len);
  std::vector<std::int64_t> input(static_cast<std::size_t>(bags * len)), offsets(static_cast<std::size_t>(bags));
  for (std::size_t k = 0; k < input.size(); ++k) {
    input[k] = embedkit_bench::index_at(k, rows);
  }
  for (std::int64_t b = 0; b < bags; ++b) offsets[static_cast<std::size_t>(b)] = b * len;
  const ek::TensorView<const std::int64_t> iv(input.data(), {bags * len});
  const ek::TensorView<const std::int64_t> ov(offsets.data(), {bags});
  using O = typename ek::EmbeddingBag<T>::output_type;
  auto out = ek::Tensor<O>::zeros({bags, dim});
  set_threads(threads);
  double seconds = 0;
  std::int64_t iterations = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (into) {
      bag.forward_into(out.view(), iv, ov);
      benchmark::DoNotOptimize(out.data());
    } else {
      auto y = bag.forward(iv, ov);
      benchmark::DoNotOptimize(y.data());
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    seconds += dt;
    ++iterations;
  }
  // Plain counters computed from this run's own time, so that medians over repetitions and
  // the ratio to the sequential bandwidth stay meaningful.
  const double gbps = static_cast<double>(bags * len * row_bytes<T>(dim)) * static_cast<double>(iterations) / seconds * 1e-9;
  state.counters["GB/s"] = gbps;
  state.counters["Mlookups/s"] = static_cast<double>(bags * len) * static_cast<double>(iterations) / seconds * 1e-6;
  state.counters["bw_ratio"] = gbps / sequential_read_gbps(threads);
  state.counters["seq_GB/s"] = sequential_read_gbps(threads);
  set_threads(all_threads());
}

// The kernel without its index checks, into a preallocated output: compared with ".../into"
// it gives the cost of validating every index as it is read.
void bm_unchecked(benchmark::State& state) {
  const std::int64_t dim = state.range(0), len = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  auto& bag = table<float>(dim, ek::Mode::sum, false);
  const std::int64_t rows = table_rows();
  const std::int64_t bags = std::max<std::int64_t>(1, lookups_for(row_bytes<float>(dim)) / len);
  std::vector<std::int64_t> input(static_cast<std::size_t>(bags * len)), offsets(static_cast<std::size_t>(bags));
  for (std::size_t k = 0; k < input.size(); ++k) {
    input[k] = embedkit_bench::index_at(k, rows);
  }
  for (std::int64_t b = 0; b < bags; ++b) offsets[static_cast<std::size_t>(b)] = b * len;
  auto out = ek::Tensor<float>::zeros({bags, dim});
  ek::detail::BagProblem<float, std::int64_t, std::int64_t> p;
  p.table = reinterpret_cast<const std::uint8_t*>(bag.weight().data());
  p.rows = rows;
  p.dim = dim;
  p.stride = row_bytes<float>(dim);
  p.indices = input.data();
  p.n = bags * len;
  p.offsets = offsets.data();
  p.offsets_count = bags;
  p.bags = bags;
  p.mode = ek::Mode::sum;
  p.out = out.data();
  set_threads(threads);
  double seconds = 0;
  std::int64_t iterations = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    ek::cpu::bag::forward<float, std::int64_t, std::int64_t, xsimd::default_arch, false>(p);
    benchmark::DoNotOptimize(out.data());
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(dt);
    seconds += dt;
    ++iterations;
  }
  const double gbps = static_cast<double>(p.n * p.stride) * static_cast<double>(iterations) / seconds * 1e-9;
  state.counters["GB/s"] = gbps;
  state.counters["Mlookups/s"] = static_cast<double>(p.n) * static_cast<double>(iterations) / seconds * 1e-6;
  state.counters["bw_ratio"] = gbps / sequential_read_gbps(threads);
  state.counters["seq_GB/s"] = sequential_read_gbps(threads);
  set_threads(all_threads());
}

template <class T>
void register_type(const char* tname) {
  embedkit_bench::for_each_bag_variant(
      tname,
      [](const embedkit_bench::BagVariant& v, std::int64_t dim) {
        const bool padded = v.padded, into = v.into;
        const int m = v.mode;
        auto* b = benchmark::RegisterBenchmark(v.name.c_str(), [m, padded, into](benchmark::State& s) {
          bm_bag<T>(s, static_cast<ek::Mode>(m), padded, into);
        });
        b->ArgNames({"dim", "len", "threads"})->Unit(benchmark::kMillisecond)->UseManualTime();
        for (std::int64_t len : v.lens) {
          for (int t : {1, all_threads()}) {
            b->Args({dim, len, t});
            if (all_threads() == 1) break;
          }
        }
      },
      [](std::int64_t dim) {
        if constexpr (std::is_same_v<T, float>) {
          auto* u = benchmark::RegisterBenchmark("bag/fp32/sum/unchecked", bm_unchecked);
          u->ArgNames({"dim", "len", "threads"})->Unit(benchmark::kMillisecond)->UseManualTime();
          for (int t : {1, all_threads()}) u->Args({dim, 20, t});
        }
      });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int t : {1, all_threads()}) {
    std::printf("sequential read bandwidth, %d thread(s): %.2f GB/s\n", t, sequential_read_gbps(t));
  }
  std::printf("table rows: %lld\n", static_cast<long long>(table_rows()));
  register_type<float>("fp32");
  register_type<ek::half>("fp16");
  register_type<ek::bfloat16>("bf16");
  register_type<ek::q8>("q8");
  register_type<ek::q4>("q4");
  register_type<double>("fp64");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
