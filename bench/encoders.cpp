// Object2Vec encoder throughput: sequences/s of Object2Vec::encode for each encoder network
// (pooled_embedding, hcnn, bilstm) on a batch of 32 sequences of 50 tokens, token width 300,
// enc_dim 512, vocabulary 20,000; plus full predict() for hcnn pairs.
//
// The batch is fixed: token k (row-major over [32, 50]) is splitmix64(k) % 20000, and the
// variable-length variant keeps the first 10 + splitmix64(2^32 + b) % 41 tokens of sequence b.
// bench/encoders_torch.py builds the same batches for PyTorch, so bench/compare_encoders.py
// compares identical workloads. Each benchmark reports items_per_second = sequences (or pairs)
// per second. The threads are what the process has (OMP_NUM_THREADS); the context also holds
// this machine's peak FMA rate, a large gemm's rate and its sequential read bandwidth, each
// measured in the same run, which the comparison divides by.
//
//   OMP_NUM_THREADS=2 build/release/bench/bench_encoders --benchmark_filter=encode/hcnn

// GCC 12 takes its own _mm512_undefined_ps() (avx512fintrin.h) for an uninitialised read once
// Eigen's AVX-512 gemm kernels are inlined into this file (-march=native on an AVX-512
// machine): a false positive in the compiler's header, silenced for this program only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include <embedkit/backend/cpu.hpp>
#include <embedkit/core/host/parallel.hpp>
#include <embedkit/core/host/simd.hpp>
#include <embedkit/core/tensor.hpp>
#include <embedkit/encoders/object2vec.hpp>

#include "workload.hpp"

namespace ek = embedkit;

namespace {

constexpr std::int64_t kBatch = 32;
constexpr std::int64_t kLength = 50;
constexpr std::int64_t kVocab = 20000;
constexpr std::int64_t kTokenDim = 300;
constexpr std::int64_t kEncDim = 512;
constexpr std::uint64_t kSeed = 20181126;

using Sequences = std::vector<std::vector<std::int64_t>>;

// Sequence b's length in the variable-length batch: 10..50.
std::int64_t drawn_length(std::int64_t b) {
  const std::uint64_t x = embedkit_bench::splitmix64((std::uint64_t{1} << 32) + static_cast<std::uint64_t>(b));
  return 10 + static_cast<std::int64_t>(x % 41);
}

// The batch both sides encode: `first` offsets the token stream (in1 of predict reads the
// tokens after in0's); varlen cuts each sequence to its drawn length.
Sequences make_batch(std::uint64_t first, bool varlen) {
  Sequences s(static_cast<std::size_t>(kBatch));
  for (std::int64_t b = 0; b < kBatch; ++b) {
    const std::int64_t len = varlen ? drawn_length(b) : kLength;
    for (std::int64_t t = 0; t < len; ++t) {
      s[static_cast<std::size_t>(b)].push_back(
          embedkit_bench::index_at(first + static_cast<std::uint64_t>(b * kLength + t), kVocab));
    }
  }
  return s;
}

ek::Object2VecHyperparameters hyperparameters(ek::EncoderNetwork network, std::int64_t layers) {
  ek::Object2VecHyperparameters hp;
  auto& e = hp.enc[0];
  e.network = network;
  e.max_seq_len = kLength;
  e.vocab_size = kVocab;
  e.token_embedding_dim = kTokenDim;
  e.layers = layers;
  hp.enc[1] = e;  // enc1_network = enc0: the same architecture, weights of its own
  hp.enc1_network_is_enc0 = true;
  hp.enc_dim = kEncDim;
  return hp;
}

// One model per configuration, built on first use: Google Benchmark calls a benchmark
// function several times while it sizes the iteration count.
const ek::Object2Vec& model(ek::EncoderNetwork network, std::int64_t layers) {
  static std::map<std::pair<int, std::int64_t>, std::unique_ptr<ek::Object2Vec>> cache;
  auto& slot = cache[{static_cast<int>(network), layers}];
  if (!slot) {
    slot = std::make_unique<ek::Object2Vec>(ek::Object2Vec::create(hyperparameters(network, layers), kSeed));
  }
  return *slot;
}

void bm_encode(benchmark::State& state, ek::EncoderNetwork network, std::int64_t layers, bool varlen) {
  const ek::Object2Vec& m = model(network, layers);
  const Sequences batch = make_batch(0, varlen);
  for (auto _ : state) {
    auto e = m.encode(0, batch);
    benchmark::DoNotOptimize(e.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void bm_predict(benchmark::State& state, ek::EncoderNetwork network, std::int64_t layers) {
  const ek::Object2Vec& m = model(network, layers);
  const Sequences in0 = make_batch(0, false);
  const Sequences in1 = make_batch(static_cast<std::uint64_t>(kBatch * kLength), false);
  for (auto _ : state) {
    auto s = m.predict(in0, in1);
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// ---- this machine, measured in the same run -------------------------------------------------

template <class F>
double best_of(int runs, F&& f) {
  double best = 0;
  for (int r = 0; r < runs; ++r) best = std::max(best, f());
  return best;
}

// Peak fp32 multiply-add rate of all threads: 12 independent FMA chains per thread in
// registers (enough to cover the FMA latency on two pipes), at the widest vectors this
// translation unit is compiled for. Two flops per lane per FMA. Many short runs, the best
// kept: on a shared machine some of them run without being preempted.
double peak_fma_gflops() {
  using B = xsimd::batch<float>;
  constexpr int kChains = 12;
  const std::int64_t iters = std::int64_t{1} << 20;
  const int threads = ek::detail::max_threads();
  std::vector<float> sink(static_cast<std::size_t>(threads), 0.0f);
  return best_of(11, [&] {
    const auto t0 = std::chrono::steady_clock::now();
    ek::detail::parallel_for(threads, 1, [&](std::int64_t t0i, std::int64_t t1i) {
      for (std::int64_t t = t0i; t < t1i; ++t) {
        B acc[kChains];
        for (int c = 0; c < kChains; ++c) acc[c] = B(1.0f + 1e-3f * static_cast<float>(c + t));
        const B mul(0.999999f), add(1e-7f);
        for (std::int64_t i = 0; i < iters; ++i) {
          for (int c = 0; c < kChains; ++c) acc[c] = xsimd::fma(acc[c], mul, add);
        }
        B s = acc[0];
        for (int c = 1; c < kChains; ++c) s += acc[c];
        sink[static_cast<std::size_t>(t)] = ek::detail::horizontal_sum(s);
      }
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(sink.data());
    return 2.0 * kChains * static_cast<double>(B::size) * static_cast<double>(iters) * threads / secs * 1e-9;
  });
}

// What embedkit's gemm op reaches on a large square product (1024^3), the shape gemm kernels
// are tuned for: the attainable rate the encoders' smaller products are measured against.
double large_gemm_gflops() {
  const std::int64_t n = 1024;
  auto a = ek::Tensor<float>::empty({n, n});
  auto b = ek::Tensor<float>::empty({n, n});
  auto c = ek::Tensor<float>::empty({n, n});
  for (std::int64_t i = 0; i < n * n; ++i) {
    a[i] = embedkit_bench::table_value(static_cast<std::uint64_t>(i));
    b[i] = embedkit_bench::table_value(static_cast<std::uint64_t>(i + n * n));
  }
  ek::detail::GemmProblem<float> p;
  p.m = p.n = p.k = n;
  p.a = a.data();
  p.lda = n;
  p.b = b.data();
  p.ldb = n;
  p.b_transposed = true;
  p.c = c.data();
  p.ldc = n;
  ek::cpu::gemm::gemm(p);  // warm up
  return best_of(5, [&] {
    const auto t0 = std::chrono::steady_clock::now();
    ek::cpu::gemm::gemm(p);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(c.data());
    return 2.0 * static_cast<double>(n * n * n) / secs * 1e-9;
  });
}

// Sequential read bandwidth of all threads over 256 MiB (far beyond the last-level cache):
// the roof of the gathers (token rows) the encoders start with. Median of 5.
double sequential_read_gbps() {
  const std::int64_t n = std::int64_t{1} << 26;
  auto buf = ek::Tensor<float>::empty({n});
  float* const data = buf.data();
  ek::cpu::parallel_for(n, 1 << 20, [&](std::int64_t b, std::int64_t e) { std::fill(data + b, data + e, 1.0f); });
  std::vector<double> runs;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<float> partial(64, 0.0f);
    const auto t0 = std::chrono::steady_clock::now();
    ek::cpu::parallel_for(n, 1 << 20, [&](std::int64_t b, std::int64_t e) {
      using B = xsimd::batch<float>;
      constexpr auto w = static_cast<std::int64_t>(B::size);
      B a0(0.0f), a1(0.0f), a2(0.0f), a3(0.0f);
      std::int64_t i = b;
      for (; i + 4 * w <= e; i += 4 * w) {
        a0 += B::load_unaligned(data + i);
        a1 += B::load_unaligned(data + i + w);
        a2 += B::load_unaligned(data + i + 2 * w);
        a3 += B::load_unaligned(data + i + 3 * w);
      }
      float s = ek::detail::horizontal_sum(a0 + a1 + a2 + a3);
      // A count rather than `i < e`: GCC otherwise proves an absurd trip count and warns.
      const std::int64_t rest = e - i;
      for (std::int64_t k = 0; k < rest; ++k) s += data[i + k];
      partial[static_cast<std::size_t>(b * 63 / n)] += s;
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(partial.data());
    runs.push_back(static_cast<double>(n) * sizeof(float) / secs * 1e-9);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const int threads = ek::detail::max_threads();
  const char* omp = std::getenv("OMP_NUM_THREADS");
  const double peak = peak_fma_gflops(), gemm = large_gemm_gflops(), seq = sequential_read_gbps();
  std::printf("threads: %d (OMP_NUM_THREADS=%s)\n", threads, omp ? omp : "unset");
  std::printf("peak fp32 FMA rate: %.1f GFLOP/s (%d-lane vectors); 1024^3 gemm: %.1f GFLOP/s; "
              "sequential read: %.1f GB/s\n",
              peak, static_cast<int>(xsimd::batch<float>::size), gemm, seq);
  benchmark::AddCustomContext("embedkit_threads", std::to_string(threads));
  benchmark::AddCustomContext("peak_fma_gflops", fixed(peak));
  benchmark::AddCustomContext("gemm_1024_gflops", fixed(gemm));
  benchmark::AddCustomContext("seq_read_gbps", fixed(seq));
  benchmark::AddCustomContext("simd_lanes_fp32", std::to_string(xsimd::batch<float>::size));

  struct Net {
    const char* name;
    ek::EncoderNetwork network;
    std::vector<std::int64_t> layers;
  };
  const Net nets[] = {{"pooled_embedding", ek::EncoderNetwork::pooled_embedding, {1}},
                      {"hcnn", ek::EncoderNetwork::hcnn, {1, 2}},
                      {"bilstm", ek::EncoderNetwork::bilstm, {1, 2}}};
  for (const Net& n : nets) {
    for (std::int64_t layers : n.layers) {
      for (bool varlen : {false, true}) {
        if (varlen && layers != 1) continue;
        const std::string name = std::string("encode/") + n.name + "/layers:" + std::to_string(layers) +
                                 (varlen ? "/varlen" : "/len50");
        const ek::EncoderNetwork network = n.network;
        benchmark::RegisterBenchmark(name.c_str(), [network, layers, varlen](benchmark::State& s) {
          bm_encode(s, network, layers, varlen);
        })->Unit(benchmark::kMillisecond)->UseRealTime();
      }
    }
  }
  benchmark::RegisterBenchmark("predict/hcnn/layers:1/len50", [](benchmark::State& s) {
    bm_predict(s, ek::EncoderNetwork::hcnn, 1);
  })->Unit(benchmark::kMillisecond)->UseRealTime();

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
