// Object2Vec: SageMaker's pair model (two sequence encoders, a comparator, an MLP, an output
// layer) as an open model: created from SageMaker's hyperparameters, saved to and loaded from a
// folder (config.json + model.safetensors + vocabularies), encoding sequences and scoring pairs.
// The architecture, tensor by tensor, is docs/guide/encoders.md.
//
//   ek::Object2Vec m = ek::Object2Vec::create(hyperparameters_json, /*seed=*/7);
//   m.save(dir);
//   ek::Object2Vec l = ek::Object2Vec::load(dir);
//   ek::Tensor<float> e = l.encode(0, sequences);   // [B, enc_dim]
//   ek::Tensor<float> s = l.predict(in0, in1);      // [B, num_classes] or [B, 1]
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/encoders/detail/prefixed.hpp"
#include "embedkit/encoders/object2vec/hyperparameters.hpp"
#include "embedkit/encoders/object2vec/pretrained.hpp"
#include "embedkit/encoders/sequence_encoder.hpp"
#include "embedkit/encoders/token_batch.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/io/safetensors.hpp"
#include "embedkit/io/vocabulary.hpp"
#include "embedkit/json/json.hpp"
#include "embedkit/nn/activation.hpp"
#include "embedkit/nn/detail/dense.hpp"
#include "embedkit/nn/embedding.hpp"
#include "embedkit/nn/linear.hpp"
#include "embedkit/text/vocabulary.hpp"

namespace embedkit {

struct Object2VecCreateOptions {
  // The folder holding the files the hyperparameters name (enc*_vocab_file,
  // enc*_pretrained_embedding_file): SageMaker's auxiliary channel.
  std::filesystem::path auxiliary;
};

struct EncodeOptions {
  // infer_max_seqlens: 0 keeps the encoder's max_seq_len; 1..5000 truncates each sequence to
  // its first max_seq_len ids (the smaller of this and the encoder's own limit applies).
  std::int64_t max_seq_len = 0;
};

template <class Backend = cpu>
class BasicObject2Vec {
 public:
  using Sequences = std::vector<std::vector<std::int64_t>>;
  using CreateOptions = Object2VecCreateOptions;

  // A model with weights drawn from `seed` (docs/guide/encoders.md, "Files"), then the
  // pretrained vectors the hyperparameters name, read from options.auxiliary.
  static BasicObject2Vec create(std::string_view hyperparameters_json, std::uint64_t seed,
                                const CreateOptions& options = {}) {
    return create(Object2VecHyperparameters::parse(hyperparameters_json), seed, options);
  }
  // Hyperparameters built in code are checked as if read from their JSON form.
  static BasicObject2Vec create(const Object2VecHyperparameters& hp, std::uint64_t seed,
                                const CreateOptions& options = {}) {
    if (!(Object2VecHyperparameters::from_json(hp.to_json()) == hp)) {
      detail::raise<value_error>(
          "Object2Vec::create: the hyperparameters do not read back as themselves (" +
          json::dump(hp.to_json()) +
          "): enc1_network_is_enc0 with an enc1 that "
          "differs from enc0, or a value no config can hold");
    }
    BasicObject2Vec m(hp, seed, /*tables=*/{});
    m.read_auxiliary(options.auxiliary);
    return m;
  }

  // The model saved in `dir` by save() (or written by any tool in the same layout).
  static BasicObject2Vec load(const std::filesystem::path& dir) {
    const auto hp = Object2VecHyperparameters::parse(io::detail::read_file(dir / "config.json"));
    const io::SafeTensors st = io::SafeTensors::open(dir / "model.safetensors");
    std::array<Tensor<float>, 2> tables;
    for (int i = 0; i < table_count(hp); ++i) {
      tables[static_cast<std::size_t>(i)] = st.get<float>(table_name(i));
    }
    BasicObject2Vec m(hp, 0, std::move(tables));
    m.load_tensors(st, dir);
    for (int i = 0; i < 2; ++i) {
      const std::string& file = hp.enc[static_cast<std::size_t>(i)].vocab_file;
      if (!file.empty() && std::filesystem::exists(dir / file)) {
        m.vocab_[static_cast<std::size_t>(i)] = Vocabulary::load_json(dir / file);
      }
    }
    return m;
  }

  // Writes config.json, model.safetensors and the vocabulary files into `dir` (created if
  // needed); each file is written whole or not at all.
  void save(const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    std::vector<Tensor<float>> host;
    std::vector<std::pair<std::string, io::TensorRef>> refs;
    host.reserve(256);
    auto& self = const_cast<BasicObject2Vec&>(*this);  // visiting only reads
    std::vector<std::pair<std::string, std::size_t>> order;
    self.visit_parameters([&](const std::string& name, auto& p) {
      auto t = Tensor<float>::empty(p.shape());
      detail::transfer_bytes<cpu, Backend>(t.data(), p.data(), t.bytes());
      host.push_back(std::move(t));
      order.emplace_back(name, host.size() - 1);
    });
    for (const auto& [name, k] : order) refs.emplace_back(name, io::TensorRef(host[k]));
    io::save_safetensors(dir / "model.safetensors", refs, {{"format", "pt"}});
    for (int i = 0; i < 2; ++i) {
      const auto& v = vocab_[static_cast<std::size_t>(i)];
      if (v) v->save_json(dir / hp_.enc[static_cast<std::size_t>(i)].vocab_file);
    }
    io::detail::write_file(dir / "config.json", json::dump(hp_.to_json()) + "\n");
  }

  // A small deterministic model for trying things out and for the programs' defaults: hcnn
  // encoders (2 blocks, filter width 3) over a 30,000-id vocabulary, token and encoding width
  // 16, the default comparator and MLP, softmax over 2 classes.
  static BasicObject2Vec demo() {
    return create(R"({"enc0_max_seq_len": 100, "enc0_vocab_size": 30000, "enc0_network": "hcnn",
                      "enc0_layers": 2, "enc0_token_embedding_dim": 16, "enc_dim": 16,
                      "mlp_dim": 16, "mlp_activation": "relu"})",
                  /*seed=*/20181126);
  }

  const Object2VecHyperparameters& hyperparameters() const noexcept { return hp_; }
  std::int64_t encoding_dim() const noexcept { return hp_.enc_dim; }
  std::int64_t output_size() const { return hp_.output_size(); }
  // Encoder i's vocabulary (from its vocab file), or null.
  const Vocabulary* vocabulary(int i) const {
    const auto& v = vocab_.at(static_cast<std::size_t>(check_encoder(i, "Object2Vec::vocabulary")));
    return v ? &*v : nullptr;
  }

  // Encoder i (0: in0, 1: in1) applied to each sequence: [B, enc_dim], on the host.
  Tensor<float> encode(int i, std::span<const std::vector<std::int64_t>> sequences,
                       const EncodeOptions& options = {}) const {
    return to_host(encode_on_backend(i, sequences, options));
  }
  Tensor<float> encode(int i, const Sequences& sequences, const EncodeOptions& options = {}) const {
    return encode(i, std::span<const std::vector<std::int64_t>>(sequences), options);
  }

  // The scores of each pair (a[b], b[b]): [B, num_classes] probabilities (softmax) or [B, 1]
  // (mean_squared_error), on the host. options apply to both encoders.
  Tensor<float> predict(std::span<const std::vector<std::int64_t>> in0,
                        std::span<const std::vector<std::int64_t>> in1,
                        const std::array<EncodeOptions, 2>& options = {}) const {
    if (in0.size() != in1.size()) {
      detail::raise<value_error>("Object2Vec::predict: " + std::to_string(in0.size()) +
                                 " in0 sequences but " + std::to_string(in1.size()) +
                                 " in1 sequences; every instance needs both");
    }
    const auto u = encode_on_backend(0, in0, options[0]);
    const auto v = encode_on_backend(1, in1, options[1]);
    const auto B = static_cast<std::int64_t>(in0.size());
    const std::int64_t D = hp_.enc_dim;
    auto h = Tensor<float, Backend>::empty(Shape{B, comparator_width()});
    std::int64_t offset = 0;
    for (Comparator c : hp_.comparator_list) {
      Backend::pointwise::compare(c, u.data(), v.data(), B, D, h.data() + offset,
                                  comparator_width());
      offset += c == Comparator::concat ? 2 * D : D;
    }
    for (const auto& layer : mlp_) {
      h = layer.forward(h.cview());
      activate(hp_.mlp_activation, h);
    }
    auto scores = output_.forward(h.cview());
    if (hp_.output_layer == OutputLayer::softmax) {
      Backend::pointwise::softmax(scores.data(), B, scores.shape()[1]);
    }
    return to_host(std::move(scores));
  }
  Tensor<float> predict(const Sequences& in0, const Sequences& in1,
                        const std::array<EncodeOptions, 2>& options = {}) const {
    return predict(std::span<const std::vector<std::int64_t>>(in0),
                   std::span<const std::vector<std::int64_t>>(in1), options);
  }

  // Every tensor by its model.safetensors name, in file order: f(name, Parameter&).
  template <class F>
  void visit_parameters(F&& f) {
    for (int i = 0; i < table_count(hp_); ++i)
      f(table_name(i), tables_[static_cast<std::size_t>(i)].parameter());
    for (int i = 0; i < 2; ++i)
      encoders_[static_cast<std::size_t>(i)].visit_parameters("enc" + std::to_string(i) + ".", f);
    for (std::size_t k = 0; k < mlp_.size(); ++k)
      detail::visit_prefixed(mlp_[k], "mlp." + std::to_string(k) + ".", f);
    detail::visit_prefixed(output_, "output.", f);
  }

 private:
  using Table = Embedding<float, Backend>;

  // A table exposes its one Parameter to the model's visitor.
  struct TableSlot {
    Table table;
    Parameter<float, Backend>& parameter() {
      Parameter<float, Backend>* found = nullptr;
      table.visit_parameters([&](std::string_view, auto& p) { found = &p; });
      return *found;
    }
  };

  static int table_count(const Object2VecHyperparameters& hp) {
    return hp.tied_token_embedding_weight ? 1 : 2;
  }
  static std::string table_name(int i) { return "enc" + std::to_string(i) + ".embedding.weight"; }

  // The layers of `hp`; weights drawn from `seed`, token tables from `tables` when given.
  BasicObject2Vec(const Object2VecHyperparameters& hp, std::uint64_t seed,
                  std::array<Tensor<float>, 2> tables)
      : hp_(hp),
        encoders_{
            SequenceEncoder<Backend>(hp.enc[0], hp.enc_dim, detail::parameter_seed(seed, 20)),
            SequenceEncoder<Backend>(hp.enc[1], hp.enc_dim, detail::parameter_seed(seed, 21))},
        output_(hp.mlp_layers > 0 ? hp.mlp_dim : comparator_width(hp), hp.output_size(),
                LinearOptions{.seed = detail::parameter_seed(seed, 50)}) {
    for (int i = 0; i < table_count(hp); ++i) {
      const auto& e = hp.enc[static_cast<std::size_t>(i)];
      auto& given = tables[static_cast<std::size_t>(i)];
      if (given.rank() == 2) {
        if (!(given.shape() == Shape{e.vocab_size, e.token_embedding_dim})) {
          detail::raise<format_error>("Object2Vec: tensor '" + table_name(i) + "' has shape " +
                                          given.shape().str() + ", config.json needs " +
                                          Shape{e.vocab_size, e.token_embedding_dim}.str(),
                                      -1);
        }
        tables_.push_back(
            TableSlot{Table::from_pretrained(to<Backend>(std::move(given)), {}, false)});
      } else {
        tables_.push_back(TableSlot{
            Table(e.vocab_size, e.token_embedding_dim,
                  {.seed = detail::parameter_seed(seed, 10 + static_cast<std::uint64_t>(i))})});
      }
    }
    std::int64_t width = comparator_width();
    for (std::int64_t k = 0; k < hp.mlp_layers; ++k) {
      mlp_.emplace_back(
          width, hp.mlp_dim,
          LinearOptions{.seed = detail::parameter_seed(seed, 30 + static_cast<std::uint64_t>(k))});
      width = hp.mlp_dim;
    }
  }

  static std::int64_t comparator_width(const Object2VecHyperparameters& hp) {
    std::int64_t w = 0;
    for (Comparator c : hp.comparator_list)
      w += c == Comparator::concat ? 2 * hp.enc_dim : hp.enc_dim;
    return w;
  }
  std::int64_t comparator_width() const { return comparator_width(hp_); }

  static int check_encoder(int i, const char* where) {
    if (i != 0 && i != 1) {
      detail::raise<value_error>(std::string(where) + ": encoder " + std::to_string(i) +
                                 " does not exist; Object2Vec has encoders 0 (in0) and 1 (in1)");
    }
    return i;
  }

  Tensor<float, Backend> encode_on_backend(int i,
                                           std::span<const std::vector<std::int64_t>> sequences,
                                           const EncodeOptions& options) const {
    check_encoder(i, "Object2Vec::encode");
    const auto& e = hp_.enc[static_cast<std::size_t>(i)];
    if (options.max_seq_len != 0 && (options.max_seq_len < 1 || options.max_seq_len > 5000)) {
      detail::raise<value_error>("Object2Vec::encode: infer_max_seqlens value " +
                                 std::to_string(options.max_seq_len) + " for in" +
                                 std::to_string(i) + " is out of range; allowed 1..5000");
    }
    const std::int64_t limit =
        options.max_seq_len > 0 ? std::min(options.max_seq_len, e.max_seq_len) : e.max_seq_len;
    const auto batch =
        TokenBatch<Backend>::make(sequences, limit, e.vocab_size, "in" + std::to_string(i));
    const Table& table =
        tables_[static_cast<std::size_t>(hp_.tied_token_embedding_weight ? 0 : i)].table;
    auto x = table.forward(batch.ids.cview());
    Backend::pointwise::zero_masked(x.data(), batch.batch() * batch.length(), e.token_embedding_dim,
                                    batch.mask.data());
    return encoders_[static_cast<std::size_t>(i)].encode(x, batch);
  }

  static Tensor<float> to_host(Tensor<float, Backend> t) {
    if constexpr (std::is_same_v<Backend, cpu>) {
      return t;
    } else {
      return to<cpu>(t);
    }
  }

  void load_tensors(const io::SafeTensors& st, const std::filesystem::path& dir) {
    std::size_t used = 0;
    visit_parameters([&](const std::string& name, auto& p) {
      if (!st.contains(name)) {
        detail::raise<format_error>("Object2Vec::load: " + (dir / "model.safetensors").string() +
                                        " has no tensor '" + name + "' " + p.shape().str() +
                                        ", which config.json's architecture needs",
                                    -1);
      }
      ++used;
      if (name.ends_with(".embedding.weight")) return;  // the tables were built from the file
      const Tensor<float> t = st.get<float>(name);
      p.assign(t.cview(), name, "Object2Vec::load");
    });
    if (used != st.size()) {
      for (const std::string& name : st.names()) {
        bool known = false;
        visit_parameters([&](const std::string& n, auto&) { known = known || n == name; });
        if (!known) {
          detail::raise<format_error>("Object2Vec::load: " + (dir / "model.safetensors").string() +
                                          " holds tensor '" + name +
                                          "', which config.json's architecture does not have",
                                      -1);
        }
      }
    }
  }

  void read_auxiliary(const std::filesystem::path& aux) {
    for (int i = 0; i < 2; ++i) {
      const auto& e = hp_.enc[static_cast<std::size_t>(i)];
      const std::string enc = "enc" + std::to_string(i);
      if (e.vocab_file.empty() && e.pretrained_embedding_file.empty()) continue;
      if (aux.empty()) {
        detail::raise<value_error>("Object2Vec::create: " + enc + "_vocab_file / " + enc +
                                   "_pretrained_embedding_file name files; pass "
                                   "CreateOptions::auxiliary, the folder holding them");
      }
      if (!e.vocab_file.empty())
        vocab_[static_cast<std::size_t>(i)] = Vocabulary::load_json(aux / e.vocab_file);
      if (e.pretrained_embedding_file.empty()) continue;
      if (!vocab_[static_cast<std::size_t>(i)]) {
        detail::raise<value_error>("Object2Vec::create: " + enc +
                                   "_pretrained_embedding_file needs " + enc +
                                   "_vocab_file, which maps its words to ids");
      }
      if (hp_.tied_token_embedding_weight && i == 1) continue;  // one table: enc0's files fill it
      auto& slot = tables_[static_cast<std::size_t>(i)];
      auto host = Tensor<float>::empty(slot.table.weight().shape());
      detail::transfer_bytes<cpu, Backend>(host.data(), slot.table.weight().data(), host.bytes());
      detail::apply_pretrained(host, *vocab_[static_cast<std::size_t>(i)],
                               aux / e.pretrained_embedding_file, enc);
      slot.parameter().assign(host.cview(), "weight", "Object2Vec::create");
      slot.table.freeze(e.freeze_pretrained_embedding);
    }
  }

  Object2VecHyperparameters hp_;
  std::vector<TableSlot> tables_;
  std::array<SequenceEncoder<Backend>, 2> encoders_;
  std::vector<Linear<float, Backend>> mlp_;
  Linear<float, Backend> output_;
  std::array<std::optional<Vocabulary>, 2> vocab_;
};

using Object2Vec = BasicObject2Vec<cpu>;

}  // namespace embedkit
