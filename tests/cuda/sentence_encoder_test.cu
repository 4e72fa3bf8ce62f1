// BERT and the sentence-transformers pipeline on ek::cuda: every model folder of
// tests/data/sentence loaded on both backends gives the same sentence and token embeddings as
// on the cpu (which tests/encoders checks against the PyTorch reference), for every hidden layer.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <embedkit/backend/cuda.hpp>
#include <embedkit/encoders/sentence_encoder.hpp>

namespace ek = embedkit;

namespace {

double max_abs_diff(const ek::Tensor<float>& a, const ek::Tensor<float>& b) {
  REQUIRE(a.shape() == b.shape());
  double d = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) d = std::max(d, double(std::abs(a.data()[i] - b.data()[i])));
  return d;
}

}  // namespace

TEST_CASE("cuda: every sentence-transformers fixture encodes as on the cpu") {
  const std::filesystem::path root = std::filesystem::path(EMBEDKIT_TEST_DATA_DIR) / "sentence";
  const std::vector<std::string> sentences = {
      "A man is eating food.", "Short.", "", "Héllo wörld, 数学 🙂",
      "A much longer sentence, with several clauses, that pads the others out to the end."};
  int models = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory() || !std::filesystem::exists(entry.path() / "config.json")) continue;
    CAPTURE(entry.path().filename().string());
    const auto cpu_model = ek::SentenceEncoder::load(entry.path());
    const auto gpu_model = ek::BasicSentenceEncoder<ek::cuda>::load(entry.path());
    for (const std::int64_t bs : {1, 32}) {
      CHECK(max_abs_diff(gpu_model.encode(sentences, {.batch_size = bs}), cpu_model.encode(sentences)) <= 2e-5);
    }
    for (std::int64_t layer = 0; layer <= cpu_model.transformer().num_layers(); ++layer) {
      CHECK(max_abs_diff(gpu_model.encode(sentences, {.hidden_layer = layer}),
                         cpu_model.encode(sentences, {.hidden_layer = layer})) <= 2e-5);
    }
    const auto a = gpu_model.encode_tokens(sentences), b = cpu_model.encode_tokens(sentences);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(max_abs_diff(a[i], b[i]) <= 2e-5);
    ++models;
  }
  CHECK(models >= 4);
}
