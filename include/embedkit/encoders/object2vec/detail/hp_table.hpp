// The Object2Vec hyperparameter table: every name SageMaker accepts, its range or choices, and
// the training-only keys that are checked and ignored (detail of hyperparameters.hpp).
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

#include "embedkit/encoders/object2vec/hyperparameter_types.hpp"

namespace embedkit::detail::object2vec_hp {

inline constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

// An integer range; `text` replaces "lo..hi" in messages when set.
struct IntRange {
  std::int64_t lo;
  std::int64_t hi;
  const char* text = nullptr;
};
// A real range, with its bounds as the table writes them ("1e-6..1").
struct RealRange {
  double lo;
  double hi;
  const char* text;
};

inline constexpr IntRange kMaxSeqLen{1, 5000};
inline constexpr IntRange kVocabSize{2, 3'000'000};
inline constexpr IntRange kTokenEmbeddingDim{2, 1000};
inline constexpr IntRange kLayers{1, 4, "auto or 1..4"};
inline constexpr IntRange kCnnFilterWidth{1, 9};
inline constexpr IntRange kEncDim{4, 10000};
inline constexpr IntRange kMlpLayers{0, 10};
inline constexpr IntRange kMlpDim{2, 10000};
inline constexpr IntRange kNumClasses{2, 30};
inline constexpr RealRange kDropout{0.0, 1.0, "0..1"};

template <class E>
struct Choice {
  std::string_view name;
  E value;
};

inline constexpr Choice<EncoderNetwork> kNetworks[] = {
    {"hcnn", EncoderNetwork::hcnn},
    {"bilstm", EncoderNetwork::bilstm},
    {"pooled_embedding", EncoderNetwork::pooled_embedding}};
// enc1_network: "enc0" (no network of its own) or one of the networks.
inline constexpr Choice<std::optional<EncoderNetwork>> kEnc1Networks[] = {
    {"enc0", std::nullopt},
    {"hcnn", EncoderNetwork::hcnn},
    {"bilstm", EncoderNetwork::bilstm},
    {"pooled_embedding", EncoderNetwork::pooled_embedding}};
inline constexpr Choice<Comparator> kComparators[] = {{"hadamard", Comparator::hadamard},
                                                      {"concat", Comparator::concat},
                                                      {"abs_diff", Comparator::abs_diff}};
inline constexpr Choice<Activation> kMlpActivations[] = {
    {"tanh", Activation::tanh}, {"relu", Activation::relu}, {"linear", Activation::linear}};
inline constexpr Choice<OutputLayer> kOutputLayers[] = {
    {"softmax", OutputLayer::softmax}, {"mean_squared_error", OutputLayer::mean_squared_error}};
inline constexpr Choice<std::string_view> kStorageTypes[] = {{"dense", "dense"},
                                                             {"row_sparse", "row_sparse"}};

// Hyperparameters that only training uses. They are accepted so that the hyperparameters of
// a SageMaker training job load as they are, and range-checked so that a typo in one is
// reported rather than silently carried into a saved model.
struct TrainingInt {
  std::string_view name;
  IntRange range;
};
struct TrainingReal {
  std::string_view name;
  RealRange range;
};
inline constexpr TrainingInt kTrainingInts[] = {
    {"epochs", {1, 100}},
    {"mini_batch_size", {1, 10000}},
    {"early_stopping_patience", {1, 5}},
    {"negative_sampling_rate", {0, kNoMax}},
    {"bucket_width", {0, 100}}};
inline constexpr TrainingReal kTrainingReals[] = {
    {"learning_rate", {1e-6, 1.0, "1e-6..1"}},
    {"early_stopping_tolerance", {1e-6, 0.1, "1e-6..0.1"}},
    {"weight_decay", {0.0, 10000.0, "0..10000"}}};
inline constexpr Choice<int> kOptimizers[] = {
    {"adadelta", 0}, {"adagrad", 1}, {"adam", 2}, {"sgd", 3}, {"rmsprop", 4}};

// The enc0_* / enc1_* names without their prefix.
inline constexpr std::string_view kEncoderSuffixes[] = {"network",
                                                        "max_seq_len",
                                                        "vocab_size",
                                                        "token_embedding_dim",
                                                        "layers",
                                                        "cnn_filter_width",
                                                        "freeze_pretrained_embedding",
                                                        "pretrained_embedding_file",
                                                        "vocab_file"};
inline constexpr std::string_view kModelKeys[] = {"enc_dim",
                                                  "tied_token_embedding_weight",
                                                  "comparator_list",
                                                  "mlp_layers",
                                                  "mlp_dim",
                                                  "mlp_activation",
                                                  "output_layer",
                                                  "num_classes",
                                                  "dropout",
                                                  "token_embedding_storage_type"};

// Whether `key` names a hyperparameter. Besides the table's names, SageMaker adds keys of its
// own to the hyperparameters of jobs it runs: "_tuning_objective_metric" in hyperparameter
// tuning jobs, and "sagemaker_*" (sagemaker_program, sagemaker_region, ...) from its SDK.
// They say nothing about the model, so they are accepted, whatever their value, and ignored.
inline bool is_known(std::string_view key) noexcept {
  if (key == "_tuning_objective_metric" || key.starts_with("sagemaker_")) return true;
  for (std::string_view k : kModelKeys)
    if (key == k) return true;
  for (const TrainingInt& t : kTrainingInts)
    if (key == t.name) return true;
  for (const TrainingReal& t : kTrainingReals)
    if (key == t.name) return true;
  if (key == "optimizer") return true;
  if (key.starts_with("enc0_") || key.starts_with("enc1_")) {
    for (std::string_view s : kEncoderSuffixes)
      if (key.substr(5) == s) return true;
  }
  return false;
}

// Text for messages: printable ASCII and UTF-8 bytes as they are, quotes and backslashes
}  // namespace embedkit::detail::object2vec_hp
