// Object2Vec beyond the golden cases (tests/encoders/object2vec_golden_test.cpp): the API
// contract lines of docs/guide/encoders.md as written, save/load, the documented input rules
// (truncation, empty sequences, unknown ids), pretrained tables from an auxiliary folder, and
// the demo model.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <embedkit/encoders/object2vec.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
using Seqs = std::vector<std::vector<std::int64_t>>;

namespace {

void check_same(const ek::Tensor<float>& a, const ek::Tensor<float>& b) {
  REQUIRE(a.shape() == b.shape());
  for (std::int64_t i = 0; i < a.numel(); ++i) CHECK(a[i] == b[i]);
}

// Row r of a [B, D] tensor as a [1, D] tensor.
ek::Tensor<float> row(const ek::Tensor<float>& t, std::int64_t r) {
  const std::int64_t d = t.shape()[1];
  return ek::Tensor<float>::copy_of(ek::TensorView<const float>(t.data() + r * d, {1, d}));
}

std::string hp_for(const std::string& network, const std::string& extra = "") {
  return R"({"enc0_max_seq_len": "6", "enc0_vocab_size": "50", "enc0_token_embedding_dim": "5",
             "enc_dim": "7", "mlp_dim": 9, "num_classes": 3, "enc0_network": ")" + network + "\"" + extra + "}";
}

}  // namespace

TEST_CASE("Object2Vec: the API contract lines run as written") {
  embedkit_test::TempDir tmp;
  const std::string hyperparameters_json_text = hp_for("bilstm");
  const std::filesystem::path dir = tmp.path / "model";
  // --- the contract lines (docs/guide/encoders.md) ---
  ek::Object2Vec m = ek::Object2Vec::create(hyperparameters_json_text, /*seed=*/7);  // random weights
  m.save(dir);
  ek::Object2Vec l = ek::Object2Vec::load(dir);
  std::vector<std::vector<std::int64_t>> a = {{6, 17, 36}, {44, 14, 21, 26}}, b = {{1, 2}, {3}};
  ek::Tensor<float> e = l.encode(0, a);                      // encoder 0 (in0): [2, enc_dim]; 1 for in1
  ek::Tensor<float> t = l.encode(0, a, {.max_seq_len = 3});  // infer_max_seqlens truncation
  ek::Tensor<float> s = l.predict(a, b);                     // [2, num_classes] (softmax) or [2, 1]
  // ---
  CHECK(e.shape() == ek::Shape{2, 7});
  CHECK(s.shape() == ek::Shape{2, 3});
  check_same(e, m.encode(0, a));                          // the folder holds the whole model
  check_same(s, m.predict(a, b));
  check_same(t, l.encode(0, Seqs{{6, 17, 36}, {44, 14, 21}}));  // truncation keeps the first ids
  for (int r = 0; r < 2; ++r) CHECK(s[r * 3] + s[r * 3 + 1] + s[r * 3 + 2] == doctest::Approx(1.0f));
  CHECK(std::filesystem::exists(dir / "config.json"));
  CHECK(ek::Object2VecHyperparameters::parse(embedkit_test::read_all(dir / "config.json")) == m.hyperparameters());
}

TEST_CASE("Object2Vec: one seed gives one model; another seed another") {
  for (const char* net : {"hcnn", "bilstm", "pooled_embedding"}) {
    CAPTURE(net);
    const Seqs a = {{1, 2, 3}, {4}};
    check_same(ek::Object2Vec::create(hp_for(net), 3).encode(0, a), ek::Object2Vec::create(hp_for(net), 3).encode(0, a));
    const auto x = ek::Object2Vec::create(hp_for(net), 3).encode(1, a);
    const auto y = ek::Object2Vec::create(hp_for(net), 4).encode(1, a);
    bool differs = false;
    for (std::int64_t i = 0; i < x.numel(); ++i) differs = differs || x[i] != y[i];
    CHECK(differs);
  }
}

TEST_CASE("Object2Vec: a sequence's encoding does not depend on its batch") {
  for (const char* net : {"hcnn", "bilstm", "pooled_embedding"}) {
    CAPTURE(net);
    const auto m = ek::Object2Vec::create(hp_for(net, R"(, "enc0_layers": 2)"), 11);
    const Seqs batch = {{5, 6, 7, 8, 9}, {10}, {11, 12, 13}, {}};
    const auto all = m.encode(0, batch);
    for (std::int64_t r = 0; r < 4; ++r) {
      const auto alone = m.encode(0, Seqs{batch[static_cast<std::size_t>(r)]});
      for (std::int64_t j = 0; j < 7; ++j) CHECK(all[r * 7 + j] == doctest::Approx(alone[j]).epsilon(1e-5));
    }
  }
}

TEST_CASE("Object2Vec: empty sequences encode as documented") {
  const Seqs empty = {{}};
  // hcnn: the max over no position of ReLU outputs is 0.
  const auto h = ek::Object2Vec::create(hp_for("hcnn"), 1).encode(0, empty);
  for (std::int64_t j = 0; j < 7; ++j) CHECK(h[j] == 0.0f);
  // bilstm and pooled_embedding with a projection: the projection's bias.
  for (const char* net : {"bilstm", "pooled_embedding"}) {
    CAPTURE(net);
    auto m = ek::Object2Vec::create(hp_for(net), 1);
    std::vector<float> bias;
    m.visit_parameters([&](const std::string& name, auto& p) {
      if (name == "enc0.proj.bias") bias.assign(p.view().data(), p.view().data() + p.view().numel());
    });
    REQUIRE(bias.size() == 7);
    const auto e = m.encode(0, empty);
    for (std::size_t j = 0; j < 7; ++j) CHECK(e[static_cast<std::int64_t>(j)] == bias[j]);
  }
}

TEST_CASE("Object2Vec: sequences past max_seq_len are cut to their first ids") {
  const auto m = ek::Object2Vec::create(hp_for("hcnn"), 2);  // enc0_max_seq_len 6
  check_same(m.encode(0, Seqs{{1, 2, 3, 4, 5, 6, 7, 8, 9}}), m.encode(0, Seqs{{1, 2, 3, 4, 5, 6}}));
  // infer_max_seqlens larger than the encoder's own limit: the smaller applies.
  check_same(m.encode(0, Seqs{{1, 2, 3, 4, 5, 6, 7, 8}}, {.max_seq_len = 100}), m.encode(0, Seqs{{1, 2, 3, 4, 5, 6}}));
  // ids past the cut are never read, so they may be anything.
  check_same(m.encode(0, Seqs{{1, 2, 99999}}, {.max_seq_len = 2}), m.encode(0, Seqs{{1, 2}}));
}

TEST_CASE("Object2Vec: bad input raises errors that name it") {
  const auto m = ek::Object2Vec::create(hp_for("pooled_embedding"), 2);
  try {
    (void)m.encode(1, Seqs{{1, 2}, {3, 50, 4}});
    FAIL("an id >= vocab_size was accepted");
  } catch (const ek::index_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("in1") != std::string::npos);
    CHECK(msg.find("id 50") != std::string::npos);
    CHECK(msg.find("instance 1") != std::string::npos);
  }
  CHECK_THROWS_AS((void)m.encode(0, Seqs{{-1}}), ek::index_error);
  CHECK_THROWS_AS((void)m.encode(2, Seqs{{1}}), ek::value_error);
  CHECK_THROWS_AS((void)m.encode(0, Seqs{{1}}, {.max_seq_len = 5001}), ek::value_error);
  CHECK_THROWS_AS((void)m.encode(0, Seqs{{1}}, {.max_seq_len = -1}), ek::value_error);
  CHECK_THROWS_AS((void)m.predict(Seqs{{1}, {2}}, Seqs{{1}}), ek::value_error);
  CHECK_THROWS_AS(ek::Object2Vec::create(R"({"enc0_max_seq_len": 5})", 1), ek::value_error);
}

TEST_CASE("Object2Vec::load refuses a folder whose tensors do not fit its config") {
  embedkit_test::TempDir tmp;
  const auto m = ek::Object2Vec::create(hp_for("hcnn"), 5);
  m.save(tmp.path / "a");
  // The same weights under a config with another enc_dim: shapes differ.
  std::filesystem::create_directories(tmp.path / "b");
  std::filesystem::copy_file(tmp.path / "a" / "model.safetensors", tmp.path / "b" / "model.safetensors");
  embedkit_test::write_all(tmp.path / "b" / "config.json", hp_for("hcnn", R"(, "enc_dim": 8)").replace(
                                                               hp_for("hcnn").find("\"enc_dim\": \"7\", "), 14, ""));
  CHECK_THROWS_AS(ek::Object2Vec::load(tmp.path / "b"), ek::error);
  // A config whose architecture needs tensors the file lacks (bilstm).
  embedkit_test::write_all(tmp.path / "b" / "config.json", hp_for("bilstm"));
  try {
    (void)ek::Object2Vec::load(tmp.path / "b");
    FAIL("a missing tensor was accepted");
  } catch (const ek::format_error& e) {
    CHECK(std::string(e.what()).find("enc0.lstm.weight_ih_l0") != std::string::npos);
  }
  // A file with a tensor the architecture does not have (hcnn weights under pooled_embedding).
  embedkit_test::write_all(tmp.path / "b" / "config.json", hp_for("pooled_embedding"));
  CHECK_THROWS_AS(ek::Object2Vec::load(tmp.path / "b"), ek::format_error);
  CHECK_THROWS_AS(ek::Object2Vec::load(tmp.path / "missing"), ek::io_error);
}

TEST_CASE("Object2Vec: pretrained GloVe rows through the vocabulary file, frozen or not") {
  embedkit_test::TempDir tmp;
  embedkit_test::write_all(tmp.path / "vocab.json", R"({"the": 3, "cat": 7, "sat": 9})");
  embedkit_test::write_all(tmp.path / "glove.txt", "cat 1 2 3 4 5\nunknownword 9 9 9 9 9\nthe -1 -2 -3 -4 -5\n");
  const std::string hp = R"({"enc0_max_seq_len": 6, "enc0_vocab_size": 50, "enc0_network": "pooled_embedding",
      "enc0_token_embedding_dim": 5, "enc_dim": 5, "enc0_vocab_file": "vocab.json",
      "enc0_pretrained_embedding_file": "glove.txt"})";
  auto m = ek::Object2Vec::create(hp, 9, {.auxiliary = tmp.path});
  // E == enc_dim: pooled_embedding is the average itself, so the rows show through.
  const auto e = m.encode(0, Seqs{{7}, {3, 7}});
  for (int j = 0; j < 5; ++j) {
    CHECK(e[j] == static_cast<float>(j + 1));
    CHECK(e[5 + j] == 0.0f);
  }
  REQUIRE(m.vocabulary(0) != nullptr);
  CHECK(m.vocabulary(0)->id("sat") == 9);
  auto table_frozen = [](auto& model) {
    bool frozen = false;
    model.visit_parameters([&](const std::string& name, auto& p) {
      if (name == "enc0.embedding.weight") frozen = p.frozen();
    });
    return frozen;
  };
  CHECK(table_frozen(m));  // enc0_freeze_pretrained_embedding defaults to true
  std::string thawed = hp;
  thawed.insert(thawed.rfind('}'), R"(, "enc0_freeze_pretrained_embedding": "false")");
  auto t = ek::Object2Vec::create(thawed, 9, {.auxiliary = tmp.path});
  CHECK_FALSE(table_frozen(t));
  // The folder carries the vocabulary and the filled table.
  m.save(tmp.path / "model");
  CHECK(std::filesystem::exists(tmp.path / "model" / "vocab.json"));
  const auto l = ek::Object2Vec::load(tmp.path / "model");
  check_same(l.encode(0, Seqs{{7}, {3, 7}}), e);
  REQUIRE(l.vocabulary(0) != nullptr);
  CHECK(l.vocabulary(0)->id("cat") == 7);
  // Without the auxiliary folder, or with vectors of the wrong width, creation fails clearly.
  CHECK_THROWS_AS(ek::Object2Vec::create(hp, 9), ek::value_error);
  embedkit_test::write_all(tmp.path / "glove.txt", "cat 1 2 3\n");
  CHECK_THROWS_AS(ek::Object2Vec::create(hp, 9, {.auxiliary = tmp.path}), ek::value_error);
}

TEST_CASE("Object2Vec: tied token tables are one tensor for both encoders") {
  auto m = ek::Object2Vec::create(hp_for("pooled_embedding", R"(, "tied_token_embedding_weight": "true")"), 4);
  int tables = 0;
  m.visit_parameters([&](const std::string& name, auto&) { tables += name.ends_with("embedding.weight") ? 1 : 0; });
  CHECK(tables == 1);
  // enc1 = enc0's architecture with its own projection, over the same table.
  const Seqs a = {{1, 2}, {3}};
  const auto u = m.encode(0, a), v = m.encode(1, a);
  bool differs = false;
  for (std::int64_t i = 0; i < u.numel(); ++i) differs = differs || u[i] != v[i];
  CHECK(differs);
}

TEST_CASE("Object2Vec::demo serves the documented example requests") {
  const auto d = ek::Object2Vec::demo();
  CHECK(d.hyperparameters().enc[0].vocab_size >= 20000);
  const Seqs in0 = {{6, 17, 606, 19, 53, 67, 52, 12, 5, 10, 15, 10178, 7, 33, 652, 80, 15, 69, 821, 4},
                    {22, 1016, 32, 13, 25, 11, 5, 64, 573, 45, 5, 80, 15, 67, 21, 7, 9, 107, 4},
                    {774, 14, 21, 206}};
  const auto e = d.encode(0, in0);
  CHECK(e.shape() == ek::Shape{3, d.encoding_dim()});
  check_same(e, ek::Object2Vec::demo().encode(0, in0));
  const auto s = d.predict(in0, in0);
  CHECK(s.shape() == ek::Shape{3, 2});
  for (std::int64_t i = 0; i < e.numel(); ++i) CHECK(std::isfinite(e[i]));
  check_same(row(e, 2), d.encode(0, Seqs{in0[2]}));
}
