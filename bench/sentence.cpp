// Sentence embedding throughput: SentenceEncoder::encode of one batch of 32 texts with a model the
// size of all-MiniLM-L6-v2 (BERT, hidden 384, 6 layers, 12 heads, mean pooling, Normalize), at
// texts of exactly 16, 128 and 256 tokens ([CLS] and [SEP] included).
//
// The model folder and the texts are written by bench/make_sentence_model.py (random weights,
// the real tokenizer; the texts in its bench_texts.json), which bench/sentence_torch.py reads as
// well, so bench/compare_sentence.py compares identical workloads. Timed: encode() from the
// strings (tokenizer included) to the normalised embeddings. Each benchmark reports
// items_per_second (sentences/s) and tokens_per_second. The threads are what the process has
// (OMP_NUM_THREADS).
//
//   /usr/bin/python3 bench/make_sentence_model.py build/sentence-model
//   OMP_NUM_THREADS=2 build/release/bench/bench_sentence --model=build/sentence-model
//
// The folder comes from --model=DIR or the environment variable EMBEDKIT_SENTENCE_MODEL.

// GCC 12 takes its own _mm512_undefined_ps() (avx512fintrin.h) for an uninitialised read once
// Eigen's AVX-512 kernels (the gemm's, and the transposes of the attention) are inlined into this
// file (-march=native on an AVX-512 machine): a false positive in the compiler's header, silenced
// for this program only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/core/host/parallel.hpp>
#include <embedkit/encoders/sentence_encoder.hpp>
#include <embedkit/json/json.hpp>

namespace ek = embedkit;

namespace {

constexpr std::size_t kBatch = 32;
constexpr std::int64_t kLengths[] = {16, 128, 256};

struct Workload {
  std::unique_ptr<ek::SentenceEncoder> model;
  ek::json::Value texts;  // {"<tokens>": [32 texts]}
};

// --model=DIR (removed from argv, so that Google Benchmark does not see it), else
// $EMBEDKIT_SENTENCE_MODEL.
std::string model_dir(int& argc, char** argv) {
  std::string dir;
  const std::string_view flag = "--model=";
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.substr(0, flag.size()) == flag) {
      dir = a.substr(flag.size());
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  if (dir.empty()) {
    if (const char* env = std::getenv("EMBEDKIT_SENTENCE_MODEL")) dir = env;
  }
  return dir;
}

std::vector<std::string> batch_of(const Workload& w, std::int64_t tokens) {
  std::vector<std::string> out;
  for (const ek::json::Value& t : w.texts.at(std::to_string(tokens)).as_array())
    out.push_back(t.as_string());
  return out;
}

void bm_encode(benchmark::State& state, const Workload& w, std::int64_t tokens) {
  const std::vector<std::string> batch = batch_of(w, tokens);
  for (const std::string& t : batch) {
    if (w.model->count_tokens(t) != tokens || batch.size() != kBatch) {
      state.SkipWithError(
          "bench_texts.json does not hold 32 texts of that many tokens for this tokenizer");
      return;
    }
  }
  for (auto _ : state) {
    ek::Tensor<float> e = w.model->encode(batch);
    benchmark::DoNotOptimize(e.data());
    benchmark::ClobberMemory();
  }
  const auto sentences = static_cast<double>(state.iterations()) * static_cast<double>(kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(sentences));
  state.counters["tokens_per_second"] =
      benchmark::Counter(sentences * static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = model_dir(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (dir.empty()) {
    std::fprintf(stderr,
                 "bench_sentence: no model folder; give --model=DIR or set EMBEDKIT_SENTENCE_MODEL "
                 "(write one with: /usr/bin/python3 bench/make_sentence_model.py DIR)\n");
    return 2;
  }
  Workload w;
  try {
    w.model = std::make_unique<ek::SentenceEncoder>(ek::SentenceEncoder::load(dir));
    const std::filesystem::path texts = std::filesystem::path(dir) / "bench_texts.json";
    std::ifstream in(texts, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "bench_sentence: cannot open %s\n", texts.string().c_str());
      return 2;
    }
    w.texts = ek::json::parse(
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sentence: %s\n", e.what());
    return 2;
  }
  const int threads = ek::detail::max_threads();
  const char* omp = std::getenv("OMP_NUM_THREADS");
  std::printf("threads: %d (OMP_NUM_THREADS=%s); model %s: dimension %lld, max_seq_length %lld\n",
              threads, omp ? omp : "unset", dir.c_str(),
              static_cast<long long>(w.model->dimension()),
              static_cast<long long>(w.model->max_seq_length()));
  benchmark::AddCustomContext("embedkit_threads", std::to_string(threads));
  benchmark::AddCustomContext("model", dir);

  for (const std::int64_t tokens : kLengths) {
    const std::string name = "encode/tokens:" + std::to_string(tokens);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&w, tokens](benchmark::State& s) { bm_encode(s, w, tokens); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
