// Loading pretrained tables: word2vec text and binary load throughput (MB/s of file), with all
// threads and with one, and a most_similar query on the loaded table.
//
// The files are $EMBEDKIT_BENCH_IO_DIR/vectors.txt and vectors.bin, as bench/io_vs_gensim.py
// writes them (it also times gensim on the same files and writes docs/performance-io.md).
// Without that variable, a 50000 x 100 random table is written to the temp folder first.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <embedkit/io/word2vec.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

fs::path data_dir() {
  static const fs::path dir = [] {
    if (const char* env = std::getenv("EMBEDKIT_BENCH_IO_DIR")) return fs::path(env);
    const fs::path d = fs::temp_directory_path() / "embedkit_bench_io";
    fs::create_directories(d);
    if (!fs::exists(d / "vectors.txt") || !fs::exists(d / "vectors.bin")) {
      const std::int64_t rows = 50000, dim = 100;
      std::mt19937_64 rng(1);
      std::normal_distribution<float> normal(0.0f, 0.15f);
      auto t = ek::Tensor<float>::empty({rows, dim});
      for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = normal(rng);
      std::vector<std::string> words;
      for (std::int64_t i = 0; i < rows; ++i) words.push_back(std::string("w").append(std::to_string(i)));
      const ek::KeyedVectors kv(ek::Vocabulary(words), std::move(t));
      ek::io::save_word2vec(d / "vectors.txt", kv, false);
      ek::io::save_word2vec(d / "vectors.bin", kv, true);
    }
    return d;
  }();
  return dir;
}

// Arg: threads (0 = all that OpenMP offers).
void set_threads(std::int64_t n) {
#if defined(_OPENMP)
  static const int all = omp_get_max_threads();
  omp_set_num_threads(n > 0 ? static_cast<int>(n) : all);
#else
  (void)n;
#endif
}

void load(benchmark::State& state, const char* name) {
  set_threads(state.range(0));
  const fs::path path = data_dir() / name;
  const auto bytes = static_cast<double>(fs::file_size(path));
  std::int64_t rows = 0;
  for (auto _ : state) {
    const auto kv = ek::io::load_word2vec(path);
    rows = kv.size();
    benchmark::DoNotOptimize(kv.vectors().data());
  }
  set_threads(0);
  state.counters["MB/s"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["file_MB"] = bytes / 1e6;
}

void BM_LoadWord2VecText(benchmark::State& state) { load(state, "vectors.txt"); }
void BM_LoadWord2VecBinary(benchmark::State& state) { load(state, "vectors.bin"); }
BENCHMARK(BM_LoadWord2VecText)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LoadWord2VecBinary)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MostSimilar(benchmark::State& state) {
  static const ek::KeyedVectors kv = ek::io::load_word2vec(data_dir() / "vectors.bin");
  (void)kv.unit_vectors();  // built once, outside the timing
  std::int64_t q = 0;
  for (auto _ : state) {
    auto top = kv.most_similar(kv.vocabulary().token(q), 10);
    benchmark::DoNotOptimize(top.data());
    q = (q + 7919) % kv.size();
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(kv.size()),
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MostSimilar)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
