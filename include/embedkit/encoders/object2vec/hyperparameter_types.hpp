// The Object2Vec hyperparameters as values: the encoder, comparator and output enums and the
// two structs Object2VecHyperparameters::parse() fills (encoders/object2vec/hyperparameters.hpp
// reads and writes them; the readers in detail/ need only these types).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/activation.hpp"
#include "embedkit/core/comparator.hpp"
#include "embedkit/json/value.hpp"

namespace embedkit {

// The encoder kinds: hierarchical CNN, multi-layer bidirectional LSTM, average of the token
// embeddings.
enum class EncoderNetwork { hcnn, bilstm, pooled_embedding };
// How the two encodings are compared, Comparator { hadamard, concat, abs_diff } (u * v,
// [u, v], |u - v|), is in core/comparator.hpp: the pointwise op uses it too.
// softmax: num_classes scores (classification); mean_squared_error: one score (regression).
enum class OutputLayer { softmax, mean_squared_error };

// The names SageMaker uses (and parse() accepts).
constexpr const char* to_string(EncoderNetwork n) noexcept {
  switch (n) {
    case EncoderNetwork::hcnn: return "hcnn";
    case EncoderNetwork::bilstm: return "bilstm";
    case EncoderNetwork::pooled_embedding: return "pooled_embedding";
  }
  return "?";
}
constexpr const char* to_string(Comparator c) noexcept {
  switch (c) {
    case Comparator::hadamard: return "hadamard";
    case Comparator::concat: return "concat";
    case Comparator::abs_diff: return "abs_diff";
  }
  return "?";
}
constexpr const char* to_string(OutputLayer o) noexcept {
  switch (o) {
    case OutputLayer::softmax: return "softmax";
    case OutputLayer::mean_squared_error: return "mean_squared_error";
  }
  return "?";
}

// One encoder's hyperparameters: the enc0_* (or enc1_*) members without their prefix.
struct EncoderHyperparameters {
  EncoderNetwork network = EncoderNetwork::hcnn;
  std::int64_t max_seq_len = 0;            // 1..5000, required
  std::int64_t vocab_size = 0;             // 2..3'000'000, required
  std::int64_t token_embedding_dim = 300;  // 2..1000
  std::int64_t layers = 0;                 // 0 means "auto"; else 1..4
  std::int64_t cnn_filter_width = 3;       // 1..9
  bool freeze_pretrained_embedding = true;
  // File names in the auxiliary channel, "" for none: [A-Za-z0-9._]+, never a path (the
  // loader joins them to the channel's folder, so a '/' or ".." could reach outside it).
  std::string pretrained_embedding_file;  // GloVe text: "word v1 ... vD" per line
  std::string vocab_file;                 // JSON object token -> id

  friend bool operator==(const EncoderHyperparameters&, const EncoderHyperparameters&) = default;
};

struct Object2VecHyperparameters {
  std::array<EncoderHyperparameters, 2> enc;  // enc[0] reads in0, enc[1] reads in1
  // enc1_network "enc0" (the default): enc1 has enc0's architecture and hyperparameters, with
  // weights of its own; then enc[1].network is enc[0].network.
  bool enc1_network_is_enc0 = true;
  std::int64_t enc_dim = 4096;  // 4..10000: the size of each encoding
  bool tied_token_embedding_weight = false;  // one token table for both encoders
  // The comparator's sub-vectors, concatenated in this order.
  std::vector<Comparator> comparator_list = {Comparator::hadamard, Comparator::concat,
                                             Comparator::abs_diff};
  std::int64_t mlp_layers = 2;                     // 0..10
  std::int64_t mlp_dim = 512;                      // 2..10000
  Activation mlp_activation = Activation::linear;  // tanh, relu or linear
  OutputLayer output_layer = OutputLayer::softmax;
  std::int64_t num_classes = 2;  // 2..30 (checked for regression too, where it is unused)
  double dropout = 0.0;          // 0..1
  // dense or row_sparse: how training stored the token tables' gradients; nothing at inference.
  std::string token_embedding_storage_type = "dense";

  // A JSON object of hyperparameters (see the file comment). Keys given twice are refused.
  static Object2VecHyperparameters parse(std::string_view json_text);
  static Object2VecHyperparameters from_json(const json::Value& object);
  // Every hyperparameter above under its SageMaker name: numbers as numbers, booleans as
  // booleans, layers 0 as "auto", comparator_list as "hadamard, concat, abs_diff". For a value
  // that parse() produced, parse(json::dump(to_json())) == *this.
  json::Value to_json() const;
  // The number of scores a pair gets: num_classes for softmax, 1 for mean_squared_error.
  std::int64_t output_size() const {
    return output_layer == OutputLayer::softmax ? num_classes : 1;
  }

  friend bool operator==(const Object2VecHyperparameters&,
                         const Object2VecHyperparameters&) = default;
};

}  // namespace embedkit
