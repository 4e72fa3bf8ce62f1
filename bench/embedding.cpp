// Embedding forward (a gather of random rows) and backward, in rows/s and GB/s of rows read.
// The side-by-side comparison with PyTorch and the bandwidth ratios live with the
// EmbeddingBag benchmarks (docs/performance.md); this program tracks the lookup itself.
//
//   build/release/bench/bench_embedding --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

namespace {

constexpr std::int64_t kRows = 1 << 20;
constexpr std::int64_t kLookups = 1 << 16;

std::vector<std::int64_t> random_ids(std::int64_t n, std::int64_t rows) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> d(0, rows - 1);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (auto& v : ids) v = d(rng);
  return ids;
}

void BM_EmbeddingForward(benchmark::State& state) {
  const std::int64_t dim = state.range(0);
  ek::Embedding<float> emb(kRows, dim, {.init = ek::init::uniform(-0.05, 0.05), .seed = 1});
  const auto ids = random_ids(kLookups, kRows);
  const ek::TensorView<const std::int64_t> iv(ids.data(), {kLookups});
  for (auto _ : state) {
    auto y = emb.forward(iv);
    benchmark::DoNotOptimize(y.data());
  }
  const auto bytes = static_cast<double>(kLookups * dim) * sizeof(float);
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(kLookups), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EmbeddingForward)->Arg(32)->Arg(128)->Arg(512)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_EmbeddingBackwardSparse(benchmark::State& state) {
  const std::int64_t dim = state.range(0);
  auto emb = ek::Embedding<float>(kRows, dim, {.seed = 1});
  const auto ids = random_ids(kLookups, kRows);
  std::vector<float> go(static_cast<std::size_t>(kLookups * dim), 1.0f);
  const ek::TensorView<const std::int64_t> iv(ids.data(), {kLookups});
  const ek::TensorView<const float> gv(go.data(), {kLookups, dim});
  for (auto _ : state) {
    auto g = emb.backward_sparse(iv, gv);
    benchmark::DoNotOptimize(g.values.data());
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(kLookups), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EmbeddingBackwardSparse)->Arg(32)->Arg(128)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
