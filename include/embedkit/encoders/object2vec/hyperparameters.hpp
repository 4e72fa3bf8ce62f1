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
// escaped, control bytes as \xNN, so that a message shows exactly what was given.
inline void append_escaped(std::string& out, std::string_view s, std::size_t cap) {
  static constexpr char hex[] = "0123456789abcdef";
  for (const char c : s) {
    if (out.size() > cap) return;
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7F) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
}

// A value as given, in JSON notation (strings quoted), cut after about `cap` bytes. Unlike
// json::dump it never raises: a Value built in code may hold a NaN or bytes that are not UTF-8.
inline void append_shown(std::string& out, const json::Value& v, std::size_t cap) {
  if (out.size() > cap) return;
  switch (v.kind()) {
    case json::Kind::null: out += "null"; return;
    case json::Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case json::Kind::int64: out += std::to_string(v.as_int64()); return;
    case json::Kind::uint64: out += std::to_string(v.as_uint64()); return;
    case json::Kind::float64: {
      const double d = v.as_double();
      if (std::isnan(d)) {
        out += "nan";
      } else if (std::isinf(d)) {
        out += d < 0 ? "-inf" : "inf";
      } else {
        out += json::dump(json::Value(d));
      }
      return;
    }
    case json::Kind::string:
      out += '"';
      append_escaped(out, v.as_string(), cap);
      out += '"';
      return;
    case json::Kind::array: {
      out += '[';
      const json::Array& a = v.as_array();
      for (std::size_t i = 0; i < a.size() && out.size() <= cap; ++i) {
        if (i) out += ", ";
        append_shown(out, a[i], cap);
      }
      out += ']';
      return;
    }
    case json::Kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : v.as_object()) {
        if (out.size() > cap) break;
        if (!first) out += ", ";
        first = false;
        out += '"';
        append_escaped(out, key, cap);
        out += "\": ";
        append_shown(out, member, cap);
      }
      out += '}';
      return;
    }
  }
}

inline std::string shown(const json::Value& v) {
  constexpr std::size_t cap = 80;
  std::string s;
  append_shown(s, v, cap);
  if (s.size() > cap) {
    s.resize(cap);
    s += "...";
  }
  return s;
}

inline std::string shown_key(std::string_view key) {
  std::string s;
  append_escaped(s, key, 80);
  return s;
}

// "Object2Vec hyperparameter 'name': <value><problem>"; `problem` starts with its separator.
[[noreturn]] inline void fail(std::string_view name, const json::Value& v,
                              const std::string& problem) {
  raise<value_error>("Object2Vec hyperparameter '" + std::string(name) + "': " + shown(v) +
                     problem);
}

inline std::string range_text(const IntRange& r) {
  if (r.text) return r.text;
  if (r.hi == kNoMax) return std::to_string(r.lo) + " or more";
  return std::to_string(r.lo) + ".." + std::to_string(r.hi);
}

template <class E, std::size_t N>
std::string choice_names(const Choice<E> (&choices)[N]) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) {
    if (i) s += ", ";
    s += choices[i].name;
  }
  return s;
}

template <class E, std::size_t N>
const Choice<E>* find_choice(const Choice<E> (&choices)[N], std::string_view name) noexcept {
  for (const Choice<E>& c : choices)
    if (c.name == name) return &c;
  return nullptr;
}

// A decimal integer in a string: an optional sign and digits, nothing else. No spaces, no
// fraction or exponent ("24.0", "1e3"), no other bases: SageMaker passes str() of the Python
// value, so anything else was typed by hand and is more likely a mistake than a number.
enum class IntText { ok, malformed, overflow };
inline IntText parse_int_text(std::string_view s, std::int64_t& out) noexcept {
  const std::size_t digits_at = !s.empty() && (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (s.size() == digits_at) return IntText::malformed;
  for (std::size_t i = digits_at; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return IntText::malformed;
  if (s[0] == '+') s.remove_prefix(1);  // Python's int() takes a '+'; from_chars does not
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec == std::errc::result_out_of_range) return IntText::overflow;
  return r.ec == std::errc() && r.ptr == s.data() + s.size() ? IntText::ok : IntText::malformed;
}

// An integer: a JSON integer or a string of one. A JSON number with a fraction or an exponent
// is refused, even 24.0: the hyperparameter is an integer and the value was written as a real.
inline std::int64_t read_integer(const json::Value& v, std::string_view name, const IntRange& r) {
  std::int64_t i = 0;
  switch (v.kind()) {
    case json::Kind::int64: i = v.as_int64(); break;
    case json::Kind::uint64: fail(name, v, " is out of range; allowed " + range_text(r));
    case json::Kind::string:
      switch (parse_int_text(v.as_string(), i)) {
        case IntText::ok: break;
        case IntText::overflow: fail(name, v, " is out of range; allowed " + range_text(r));
        case IntText::malformed: fail(name, v, " is not an integer; allowed " + range_text(r));
      }
      break;
    default: fail(name, v, " is not an integer; allowed " + range_text(r));
  }
  if (i < r.lo || i > r.hi) fail(name, v, " is out of range; allowed " + range_text(r));
  return i;
}

// enc*_layers: "auto" (0) or an integer 1..4.
inline std::int64_t read_layers(const json::Value& v, std::string_view name) {
  if (v.is_string() && v.as_string() == "auto") return 0;
  return read_integer(v, name, kLayers);
}

// A real: a JSON number or a string that is one number as a whole ("0.1", "1e-4", "+.5").
// NaN and the infinities, which strings can spell and JSON numbers cannot, are refused, and
// so is a string beyond a double's range either way ("1e400", "1e-400").
inline double read_real(const json::Value& v, std::string_view name, const RealRange& r) {
  double d = 0;
  if (v.is_number()) {
    d = v.as_double();
  } else if (v.is_string()) {
    std::string_view s = v.as_string();
    if (!s.empty() && s[0] == '+' && s.size() > 1 && s[1] != '-' && s[1] != '+') {
      s.remove_prefix(1);  // Python's float() takes a '+'; from_chars does not
    }
    const auto res = std::from_chars(s.data(), s.data() + s.size(), d);
    if (res.ec == std::errc::result_out_of_range && res.ptr == s.data() + s.size()) {
      fail(name, v, std::string(" is out of range; allowed ") + r.text);
    }
    if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) {
      fail(name, v, std::string(" is not a number; allowed ") + r.text);
    }
  } else {
    fail(name, v, std::string(" is not a number; allowed ") + r.text);
  }
  if (!std::isfinite(d)) fail(name, v, std::string(" is not a finite number; allowed ") + r.text);
  if (d < r.lo || d > r.hi) fail(name, v, std::string(" is out of range; allowed ") + r.text);
  return d == 0 ? 0.0 : d;  // -0.0 reads as 0.0
}

// A boolean: JSON true/false, or the strings "true"/"false" and Python's str(bool) spellings.
inline bool read_bool(const json::Value& v, std::string_view name) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) {
    const std::string& s = v.as_string();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  fail(name, v, R"( is not a boolean; allowed true, false, "true", "false", "True", "False")");
}

template <class E, std::size_t N>
E read_choice(const json::Value& v, std::string_view name, const Choice<E> (&choices)[N]) {
  if (v.is_string()) {
    if (const Choice<E>* c = find_choice(choices, v.as_string())) return c->value;
  }
  fail(name, v, " is not one of " + choice_names(choices));
}

// A file in the auxiliary channel: "" (none) or a bare name of [A-Za-z0-9._], at most 255
// bytes (a file name's limit on common file systems), and neither "." nor "..".
inline std::string read_file_name(const json::Value& v, std::string_view name) {
  if (v.is_string()) {
    const std::string& s = v.as_string();
    bool ok = s.size() <= 255 && s != "." && s != "..";
    for (const char c : s) {
      ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_');
    }
    if (ok) return s;
  }
  fail(name, v,
       " is not a file name; allowed \"\" or a name of letters, digits, '.' and '_' (a file in "
       "the auxiliary channel, not a path)");
}

// comparator_list: "hadamard, concat" (names separated by commas, spaces around them
// optional) or ["hadamard", "concat"]; at least one name, none twice, order kept.
inline std::vector<Comparator> read_comparators(const json::Value& v, std::string_view name) {
  const std::string allowed = "; allowed one or more of " + choice_names(kComparators) +
                              ", separated by commas";
  std::vector<Comparator> out;
  auto add = [&](std::string_view item) {
    const Choice<Comparator>* c = find_choice(kComparators, item);
    if (!c) {
      fail(name, v,
           ": \"" + shown_key(item) + "\" is not one of " + choice_names(kComparators));
    }
    for (const Comparator seen : out) {
      if (seen == c->value) {
        fail(name, v,
             " names " + std::string(c->name) + " twice; each comparator may appear once");
      }
    }
    out.push_back(c->value);
  };
  if (v.is_string()) {
    const std::string_view s = v.as_string();
    if (s.find_first_not_of(" \t") == std::string_view::npos) fail(name, v, " is empty" + allowed);
    std::size_t begin = 0;
    for (;;) {
      const std::size_t comma = s.find(',', begin);
      std::string_view item =
          s.substr(begin, comma == std::string_view::npos ? s.npos : comma - begin);
      const std::size_t first = item.find_first_not_of(" \t");
      if (first == std::string_view::npos) fail(name, v, " has an empty item" + allowed);
      item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
      add(item);
      if (comma == std::string_view::npos) break;
      begin = comma + 1;
    }
  } else if (v.is_array()) {
    const json::Array& a = v.as_array();
    if (a.empty()) fail(name, v, " is empty" + allowed);
    for (const json::Value& e : a) {
      if (!e.is_string()) {
        fail(name, v, ": " + shown(e) + " is not one of " + choice_names(kComparators));
      }
      add(e.as_string());
    }
  } else {
    fail(name, v, " is not a list of comparators" + allowed);
  }
  return out;
}

inline std::string encoder_key(int encoder, std::string_view suffix) {
  return "enc" + std::to_string(encoder) + "_" + std::string(suffix);
}

// Raises when a required integer hyperparameter is missing; `when` says why it is required
// ("" for always).
inline void require(const json::Object& o, const std::string& key, const IntRange& r,
                    const std::string& when) {
  if (o.contains(key)) return;
  raise<value_error>("Object2Vec hyperparameters: '" + key + "' is required" + when +
                     " (an integer " + range_text(r) + ")");
}

// Reads the enc<i>_* members that are present into `e`, the network aside (the caller reads
// enc0_network and enc1_network, whose values differ).
inline void read_encoder(const json::Object& o, int i, EncoderHyperparameters& e) {
  auto member = [&](std::string_view suffix) {
    std::string key = encoder_key(i, suffix);
    const json::Value* v = o.find(key);
    return std::pair<std::string, const json::Value*>(std::move(key), v);
  };
  if (auto [k, v] = member("max_seq_len"); v) e.max_seq_len = read_integer(*v, k, kMaxSeqLen);
  if (auto [k, v] = member("vocab_size"); v) e.vocab_size = read_integer(*v, k, kVocabSize);
  if (auto [k, v] = member("token_embedding_dim"); v) {
    e.token_embedding_dim = read_integer(*v, k, kTokenEmbeddingDim);
  }
  if (auto [k, v] = member("layers"); v) e.layers = read_layers(*v, k);
  if (auto [k, v] = member("cnn_filter_width"); v) {
    e.cnn_filter_width = read_integer(*v, k, kCnnFilterWidth);
  }
  if (auto [k, v] = member("freeze_pretrained_embedding"); v) {
    e.freeze_pretrained_embedding = read_bool(*v, k);
  }
  if (auto [k, v] = member("pretrained_embedding_file"); v) {
    e.pretrained_embedding_file = read_file_name(*v, k);
  }
  if (auto [k, v] = member("vocab_file"); v) e.vocab_file = read_file_name(*v, k);
}

// With tied_token_embedding_weight the encoders share one token table, so its shape must
// suit both.
inline void check_tied(const Object2VecHyperparameters& hp) {
  std::string differ;
  auto compare = [&](std::string_view suffix, std::int64_t a, std::int64_t b) {
    if (a == b) return;
    if (!differ.empty()) differ += "; ";
    differ += encoder_key(0, suffix) + " " + std::to_string(a) + " and " +
              encoder_key(1, suffix) + " " + std::to_string(b) + " differ";
  };
  compare("vocab_size", hp.enc[0].vocab_size, hp.enc[1].vocab_size);
  compare("token_embedding_dim", hp.enc[0].token_embedding_dim, hp.enc[1].token_embedding_dim);
  if (!differ.empty()) {
    raise<value_error>(
        "Object2Vec hyperparameters: tied_token_embedding_weight is true, so both encoders "
        "share one token table, but " + differ);
  }
}

}  // namespace embedkit::detail::object2vec_hp

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
