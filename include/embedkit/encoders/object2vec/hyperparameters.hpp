// Object2Vec's hyperparameters as SageMaker hands them to the algorithm: one JSON object whose
// values are strings ("24", "true", "auto") or JSON numbers and booleans. parse() / from_json()
// read and validate them against the names, ranges and defaults of AWS's Object2Vec
// hyperparameter table; to_json() writes them back, so that a saved model carries the exact
// configuration it was built from.
//
//   auto hp = ek::Object2VecHyperparameters::parse(R"({"enc0_max_seq_len": "50",
//                                                       "enc0_vocab_size": "10000"})");
//   hp.enc[1].max_seq_len;            // 50: enc1_network defaults to "enc0", a copy of enc0
//   std::string s = ek::json::dump(hp.to_json());   // parse(s) == hp
//
// Every refusal is an ek::value_error naming the hyperparameter, the value as it was given
// and what is allowed: "Object2Vec hyperparameter 'enc_dim': 3 is out of range; allowed
// 4..10000". Text that is not JSON raises the parser's ek::format_error (with its position).
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "embedkit/core/activation.hpp"
#include "embedkit/core/comparator.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

#include "embedkit/encoders/object2vec/detail/hp_table.hpp"
#include "embedkit/encoders/object2vec/detail/hp_values.hpp"
#include "embedkit/encoders/object2vec/hyperparameter_types.hpp"

namespace embedkit {

inline Object2VecHyperparameters Object2VecHyperparameters::from_json(const json::Value& object) {
  namespace o2v = detail::object2vec_hp;
  if (!object.is_object()) {
    detail::raise<value_error>(
        std::string("Object2Vec hyperparameters: expected a JSON object, found ") +
        json::describe(object.kind()));
  }
  const json::Object& o = object.as_object();
  for (const auto& member : o) {
    if (!o2v::is_known(member.first)) {
      detail::raise<value_error>("Object2Vec hyperparameters: unknown hyperparameter '" +
                                 o2v::shown_key(member.first) + "'");
    }
  }

  Object2VecHyperparameters hp;
  o2v::require(o, "enc0_max_seq_len", o2v::kMaxSeqLen, "");
  o2v::require(o, "enc0_vocab_size", o2v::kVocabSize, "");
  if (const json::Value* v = o.find("enc0_network")) {
    hp.enc[0].network = o2v::read_choice(*v, "enc0_network", o2v::kNetworks);
  }
  o2v::read_encoder(o, 0, hp.enc[0]);

  std::optional<EncoderNetwork> enc1_network;
  if (const json::Value* v = o.find("enc1_network")) {
    enc1_network = o2v::read_choice(*v, "enc1_network", o2v::kEnc1Networks);
  }
  hp.enc1_network_is_enc0 = !enc1_network;
  if (hp.enc1_network_is_enc0) {
    // enc0's architecture and hyperparameters, own weights: every enc1_* not given below
    // is enc0's, except the files, which belong to enc0's table.
    hp.enc[1] = hp.enc[0];
    hp.enc[1].pretrained_embedding_file.clear();
    hp.enc[1].vocab_file.clear();
  } else {
    hp.enc[1] = EncoderHyperparameters{};
    hp.enc[1].network = *enc1_network;
    const std::string when =
        std::string(" when enc1_network is \"") + to_string(*enc1_network) + "\"";
    o2v::require(o, "enc1_max_seq_len", o2v::kMaxSeqLen, when);
    o2v::require(o, "enc1_vocab_size", o2v::kVocabSize, when);
  }
  o2v::read_encoder(o, 1, hp.enc[1]);

  if (const json::Value* v = o.find("enc_dim")) {
    hp.enc_dim = o2v::read_integer(*v, "enc_dim", o2v::kEncDim);
  }
  if (const json::Value* v = o.find("tied_token_embedding_weight")) {
    hp.tied_token_embedding_weight = o2v::read_bool(*v, "tied_token_embedding_weight");
  }
  if (const json::Value* v = o.find("comparator_list")) {
    hp.comparator_list = o2v::read_comparators(*v, "comparator_list");
  }
  if (const json::Value* v = o.find("mlp_layers")) {
    hp.mlp_layers = o2v::read_integer(*v, "mlp_layers", o2v::kMlpLayers);
  }
  if (const json::Value* v = o.find("mlp_dim")) {
    hp.mlp_dim = o2v::read_integer(*v, "mlp_dim", o2v::kMlpDim);
  }
  if (const json::Value* v = o.find("mlp_activation")) {
    hp.mlp_activation = o2v::read_choice(*v, "mlp_activation", o2v::kMlpActivations);
  }
  if (const json::Value* v = o.find("output_layer")) {
    hp.output_layer = o2v::read_choice(*v, "output_layer", o2v::kOutputLayers);
  }
  if (const json::Value* v = o.find("num_classes")) {
    hp.num_classes = o2v::read_integer(*v, "num_classes", o2v::kNumClasses);
  }
  if (const json::Value* v = o.find("dropout")) {
    hp.dropout = o2v::read_real(*v, "dropout", o2v::kDropout);
  }
  if (const json::Value* v = o.find("token_embedding_storage_type")) {
    hp.token_embedding_storage_type =
        std::string(o2v::read_choice(*v, "token_embedding_storage_type", o2v::kStorageTypes));
  }

  // Training only: checked, then dropped.
  for (const o2v::TrainingInt& t : o2v::kTrainingInts) {
    if (const json::Value* v = o.find(t.name)) (void)o2v::read_integer(*v, t.name, t.range);
  }
  for (const o2v::TrainingReal& t : o2v::kTrainingReals) {
    if (const json::Value* v = o.find(t.name)) (void)o2v::read_real(*v, t.name, t.range);
  }
  if (const json::Value* v = o.find("optimizer")) {
    (void)o2v::read_choice(*v, "optimizer", o2v::kOptimizers);
  }

  if (hp.tied_token_embedding_weight) o2v::check_tied(hp);
  return hp;
}

inline Object2VecHyperparameters Object2VecHyperparameters::parse(std::string_view json_text) {
  // The members are gathered here rather than by json::parse so that a key given twice is
  // an error naming it: under JSON's usual last-one-wins rule one of two conflicting settings
  // would be dropped without a word.
  json::Object members;
  const json::Kind kind = json::parse_members(
      json_text, [&](std::string&& key, json::Value&& value, json::MemberSite) {
        if (members.contains(key)) {
          detail::raise<value_error>("Object2Vec hyperparameters: '" +
                                     detail::object2vec_hp::shown_key(key) +
                                     "' is given more than once");
        }
        members.insert(std::move(key), std::move(value));
      });
  if (kind != json::Kind::object) {
    detail::raise<value_error>(
        std::string("Object2Vec hyperparameters: expected a JSON object, found ") +
        json::describe(kind));
  }
  return from_json(json::Value(std::move(members)));
}

inline json::Value Object2VecHyperparameters::to_json() const {
  json::Object o;
  for (int i = 0; i < 2; ++i) {
    const EncoderHyperparameters& e = enc[static_cast<std::size_t>(i)];
    auto key = [i](std::string_view suffix) {
      return detail::object2vec_hp::encoder_key(i, suffix);
    };
    const char* network = i == 1 && enc1_network_is_enc0 ? "enc0" : to_string(e.network);
    o.insert_or_assign(key("network"), network);
    o.insert_or_assign(key("max_seq_len"), e.max_seq_len);
    o.insert_or_assign(key("vocab_size"), e.vocab_size);
    o.insert_or_assign(key("token_embedding_dim"), e.token_embedding_dim);
    o.insert_or_assign(key("layers"), e.layers == 0 ? json::Value("auto") : json::Value(e.layers));
    o.insert_or_assign(key("cnn_filter_width"), e.cnn_filter_width);
    o.insert_or_assign(key("freeze_pretrained_embedding"), e.freeze_pretrained_embedding);
    o.insert_or_assign(key("pretrained_embedding_file"), e.pretrained_embedding_file);
    o.insert_or_assign(key("vocab_file"), e.vocab_file);
  }
  std::string comparators;
  for (const Comparator c : comparator_list) {
    if (!comparators.empty()) comparators += ", ";
    comparators += to_string(c);
  }
  o.insert_or_assign("enc_dim", enc_dim);
  o.insert_or_assign("tied_token_embedding_weight", tied_token_embedding_weight);
  o.insert_or_assign("comparator_list", std::move(comparators));
  o.insert_or_assign("mlp_layers", mlp_layers);
  o.insert_or_assign("mlp_dim", mlp_dim);
  o.insert_or_assign("mlp_activation", activation_name(mlp_activation));
  o.insert_or_assign("output_layer", to_string(output_layer));
  o.insert_or_assign("num_classes", num_classes);
  o.insert_or_assign("dropout", dropout);
  o.insert_or_assign("token_embedding_storage_type", token_embedding_storage_type);
  return json::Value(std::move(o));
}

}  // namespace embedkit
