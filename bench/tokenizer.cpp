// BertTokenizer throughput on one thread: texts per second over a fixed corpus of generated
// sentences mixing ASCII, accented Latin and CJK, with the MiniLM vocabulary
// (tests/data/text/minilm, or $EMBEDKIT_BENCH_TOKENIZER_DIR). bench/tokenizer_py.py builds the
// same corpus and times the pure-Python reference tokenizer on it; both print the total number
// of ids, which must agree.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <embedkit/text/bert_tokenizer.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

fs::path vocab_dir() {
  if (const char* env = std::getenv("EMBEDKIT_BENCH_TOKENIZER_DIR")) return env;
  return fs::path(__FILE__).parent_path().parent_path() / "tests" / "data" / "text" / "minilm";
}

const ek::BertTokenizer& tokenizer() {
  static const ek::BertTokenizer tok = ek::BertTokenizer::load(vocab_dir());
  return tok;
}

// The corpus of bench/tokenizer_py.py: the same word lists, the same 64-bit LCG.
std::vector<std::string> corpus() {
  // clang-format off
  static const char* const words[] = {
      "the", "of", "and", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as",
      "model", "embedding", "sentence", "tokenizer", "vector", "search", "query", "document",
      "The", "Neural", "Network", "Paris", "London", "running", "unbelievable", "transformers",
      "café", "naïve", "résumé", "Zürich", "São", "Paulo", "Ångström", "façade", "über",
      "中文", "日本語", "北京", "東京", "한국어", "ελληνικά", "Москва",
      "2024", "3.14", "42", "1,000", "(see", "below)", "e-mail:", "user@example.com", "—",
      "\"quoted\"", "it's", "don't", "!", "?", ",", "."};
  // clang-format on
  const std::uint64_t nwords = sizeof(words) / sizeof(words[0]);
  std::uint64_t state = 42;
  auto next = [&](std::uint64_t bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % bound;
  };
  std::vector<std::string> out;
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t n = 8 + next(33);
    std::string text;
    for (std::uint64_t k = 0; k < n; ++k) {
      if (k) text += ' ';
      text += words[next(nwords)];
    }
    out.push_back(std::move(text));
  }
  return out;
}

void BM_encode(benchmark::State& state) {
  const ek::BertTokenizer& tok = tokenizer();
  const std::vector<std::string> texts = corpus();
  std::int64_t ids = 0;
  for (auto _ : state) {
    ids = 0;
    for (const std::string& t : texts) {
      const std::vector<std::int64_t> e = tok.encode(t);
      ids += static_cast<std::int64_t>(e.size());
      benchmark::DoNotOptimize(e.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts.size()));
  state.counters["ids"] = static_cast<double>(ids);
}
BENCHMARK(BM_encode)->Unit(benchmark::kMillisecond);

void BM_encode_with_offsets(benchmark::State& state) {
  const ek::BertTokenizer& tok = tokenizer();
  const std::vector<std::string> texts = corpus();
  for (auto _ : state) {
    for (const std::string& t : texts) {
      const ek::Encoding e = tok.encode_with_offsets(t);
      benchmark::DoNotOptimize(e.ids.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts.size()));
}
BENCHMARK(BM_encode_with_offsets)->Unit(benchmark::kMillisecond);

// One long document (the whole corpus) truncated to 512: right truncation stops early.
void BM_encode_long_truncated(benchmark::State& state) {
  const ek::BertTokenizer& tok = tokenizer();
  std::string doc;
  for (const std::string& t : corpus()) (doc += t) += ' ';
  for (auto _ : state) {
    const std::vector<std::int64_t> e = tok.encode(doc);
    benchmark::DoNotOptimize(e.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(doc.size()));
}
BENCHMARK(BM_encode_long_truncated)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
