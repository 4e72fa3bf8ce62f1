// SentenceEncoder beyond the golden numbers: what load refuses (and how it says so), option
// checks, batch independence, concurrent encode calls, and the no-modules.json fallback.
// The folders are the tiny sentence-transformers fixtures of tests/data/sentence/, copied into a
// temporary folder and edited where a case needs a broken one.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <embedkit/encoders/sentence_encoder.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;
using embedkit_test::TempDir;

namespace {

const fs::path data_dir = fs::path(EMBEDKIT_TEST_DATA_DIR) / "sentence";

// A writable copy of a fixture folder, symlinks resolved into plain files.
fs::path copy_fixture(const TempDir& tmp, const std::string& name) {
  const fs::path to = tmp.path / name;
  fs::copy(data_dir / name, to, fs::copy_options::recursive);
  return to;
}

std::string error_of(const fs::path& dir) {
  try {
    (void)ek::SentenceEncoder::load(dir);
  } catch (const ek::error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::vector<std::string> sentences = {
    "A man is eating food.", "Short.", "A much longer sentence, with several clauses, that pads the others.",
    "Héllo wörld", "", "数学 and more"};

double max_abs_diff(const ek::Tensor<float>& a, const ek::Tensor<float>& b) {
  REQUIRE(a.shape() == b.shape());
  double d = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) d = std::max(d, double(std::abs(a.data()[i] - b.data()[i])));
  return d;
}

}  // namespace

TEST_CASE("SentenceEncoder: a text's embedding does not depend on its batch") {
  const auto model = ek::SentenceEncoder::load(data_dir / "mean_normalize");
  const ek::Tensor<float> all = model.encode(sentences, {.batch_size = 32});
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const ek::Tensor<float> one = model.encode(std::vector<std::string>{sentences[i]});
    REQUIRE(one.shape() == ek::Shape{1, all.size(1)});
    for (std::int64_t j = 0; j < all.size(1); ++j) {
      CHECK(std::abs(one.data()[j] - all.data()[std::int64_t(i) * all.size(1) + j]) <= 1e-6f);
    }
  }
  // Batches of 1, 2 and 4 (different padding and grouping) give the same rows.
  for (std::int64_t bs : {1, 2, 4}) {
    CHECK(max_abs_diff(model.encode(sentences, {.batch_size = bs}), all) <= 1e-6);
  }
}

TEST_CASE("SentenceEncoder: concurrent encode calls on one model") {
  const auto model = ek::SentenceEncoder::load(data_dir / "mean_normalize");
  const ek::Tensor<float> expected = model.encode(sentences);
  std::vector<double> diff(4, -1.0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < diff.size(); ++t) {
    threads.emplace_back([&, t] {
      double worst = 0;
      for (int round = 0; round < 3; ++round) {
        worst = std::max(worst, max_abs_diff(model.encode(sentences, {.batch_size = std::int64_t(t) + 1}), expected));
      }
      diff[t] = worst;
    });
  }
  for (auto& th : threads) th.join();
  for (double d : diff) CHECK(d >= 0.0);
  for (double d : diff) CHECK(d <= 1e-6);
}

TEST_CASE("SentenceEncoder: options are checked") {
  const auto model = ek::SentenceEncoder::load(data_dir / "mean_normalize");
  CHECK_THROWS_WITH_AS(model.encode(sentences, {.batch_size = 0}), doctest::Contains("batch_size 0"), ek::value_error);
  CHECK_THROWS_WITH_AS(model.encode(sentences, {.truncate_dim = 0}), doctest::Contains("truncate_dim 0"), ek::value_error);
  CHECK_THROWS_WITH_AS(model.encode(sentences, {.hidden_layer = 3}), doctest::Contains("hidden_layer 3 is out of range [-3, 2]"), ek::value_error);
  CHECK_THROWS_WITH_AS(model.encode(sentences, {.prompt_name = "query"}), doctest::Contains("it has none"), ek::value_error);
  ek::SentenceEncodeOptions q;
  q.precision = ek::Precision::int8;
  CHECK_THROWS_WITH_AS(model.encode(sentences, q), doctest::Contains("encode_quantized"), ek::value_error);
  CHECK_THROWS_AS((void)model.encode_quantized(sentences, {}), ek::value_error);
  // truncate = false: a text past max_seq_length is refused, naming it.
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "word ";
  ek::SentenceEncodeOptions strict;
  strict.truncate = false;
  CHECK_THROWS_WITH_AS(model.encode(std::vector<std::string>{"fine", long_text}, strict),
                       doctest::Contains("text 1 has"), ek::value_error);
  CHECK(model.encode(std::vector<std::string>{"fine"}, strict).size(0) == 1);
  // An empty list gives [0, dim].
  CHECK(model.encode(std::vector<std::string>{}).shape() == ek::Shape{0, model.dimension()});
}

TEST_CASE("SentenceEncoder: left truncation keeps a long text's end") {
  const auto model = ek::SentenceEncoder::load(data_dir / "truncate");
  const std::string text = "one two three four five six seven eight nine ten";
  ek::SentenceEncodeOptions left;
  left.truncation_side = ek::TruncationSide::left;
  const auto r = model.input_ids(text);
  const auto l = model.input_ids(text, left);
  REQUIRE(std::int64_t(r.size()) == model.max_seq_length());
  REQUIRE(l.size() == r.size());
  const auto full = model.tokenizer().encode(text, {.max_length = 1000});
  CHECK(l.front() == full.front());
  CHECK(l.back() == full.back());
  CHECK(l[l.size() - 2] == full[full.size() - 2]);  // the last word survives
  CHECK(r[1] == full[1]);                            // the first word survives
}

TEST_CASE("SentenceEncoder::load: refusals name the file and the field") {
  TempDir tmp("embedkit_sentence");

  SUBCASE("not a folder") {
    CHECK(contains(error_of(tmp.path / "absent"), "not a folder"));
  }
  SUBCASE("another architecture") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    std::string config = embedkit_test::read_all(dir / "config.json");
    const auto at = config.find("\"bert\"");
    REQUIRE(at != std::string::npos);
    config.replace(at, 6, "\"mpnet\"");
    embedkit_test::write_all(dir / "config.json", config);
    const std::string e = error_of(dir);
    CHECK(contains(e, "config.json"));
    CHECK(contains(e, "\"mpnet\""));
    CHECK(contains(e, "model_type"));
  }
  SUBCASE("weights only as pytorch_model.bin") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    fs::rename(dir / "model.safetensors", dir / "pytorch_model.bin");
    const std::string e = error_of(dir);
    CHECK(contains(e, "pytorch_model.bin"));
    CHECK(contains(e, "safe_serialization=True"));
  }
  SUBCASE("a tensor of the wrong shape") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    std::string config = embedkit_test::read_all(dir / "config.json");
    const auto at = config.find("\"intermediate_size\"");
    REQUIRE(at != std::string::npos);
    const auto colon = config.find(':', at), end = config.find_first_of(",}", colon);
    config.replace(colon + 1, end - colon - 1, " 48");
    embedkit_test::write_all(dir / "config.json", config);
    const std::string e = error_of(dir);
    CHECK(contains(e, "model.safetensors"));
    CHECK(contains(e, "intermediate.dense.weight"));
    CHECK(contains(e, "expected [48,"));
  }
  SUBCASE("an unknown module type") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    std::string modules = embedkit_test::read_all(dir / "modules.json");
    const auto at = modules.find("models.Normalize");
    REQUIRE(at != std::string::npos);
    modules.replace(at, 16, "models.LSTM");
    embedkit_test::write_all(dir / "modules.json", modules);
    const std::string e = error_of(dir);
    CHECK(contains(e, "modules.json (module 2)"));
    CHECK(contains(e, "LSTM"));
  }
  SUBCASE("max_seq_length beyond the positions") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    embedkit_test::write_all(dir / "sentence_bert_config.json",
                             R"({"max_seq_length": 4096, "do_lower_case": false})");
    const std::string e = error_of(dir);
    CHECK(contains(e, "max_seq_length 4096"));
    CHECK(contains(e, "max_position_embeddings"));
  }
  SUBCASE("malformed JSON names the file") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    embedkit_test::write_all(dir / "1_Pooling" / "config.json", "{\"pooling_mode_mean_tokens\": tru");
    CHECK(contains(error_of(dir), "config.json"));
  }
  SUBCASE("a folder without modules.json: transformer + mean pooling") {
    const fs::path dir = copy_fixture(tmp, "mean_normalize");
    const auto with = ek::SentenceEncoder::load(dir);
    fs::remove(dir / "modules.json");
    const auto without = ek::SentenceEncoder::load(dir);
    // The fixture is mean + Normalize: without the modules it is mean pooling alone.
    ek::Tensor<float> a = with.encode(sentences);
    ek::Tensor<float> b = without.encode(sentences, {.normalize_embeddings = true});
    CHECK(max_abs_diff(a, b) <= 1e-6);
  }
}
