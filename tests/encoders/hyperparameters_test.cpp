// Object2Vec hyperparameters: SageMaker's table of names, ranges and defaults, the string and
// number spellings of one value, the edges of every range, the enc1_network "enc0" rule, tied
// tables, comparator lists, training-only keys, and the to_json round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <embedkit/encoders/object2vec/hyperparameters.hpp>
#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;
using HP = ek::Object2VecHyperparameters;

namespace {

constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

// The two required hyperparameters plus `extra` (whose members replace them when named).
json::Object with(const json::Object& extra = {}) {
  json::Object o{{"enc0_max_seq_len", 10}, {"enc0_vocab_size", 100}};
  for (const auto& [key, value] : extra) o.insert_or_assign(key, value);
  return o;
}

// Parses `o` written as JSON text, the way SageMaker hands hyperparameters over.
HP parse_object(const json::Object& o) { return HP::parse(json::dump(json::Value(o))); }

// The message of the value_error that parsing `text` raises; "" when it parses.
std::string error_of(std::string_view text) {
  try {
    (void)HP::parse(text);
  } catch (const ek::value_error& e) {
    return e.what();
  }
  return "";
}
std::string error_of(const json::Object& o) { return error_of(json::dump(json::Value(o))); }

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// `members` replaces the required pair; refused with a message naming `name` and `shown`.
void check_refused(const json::Object& members, std::string_view name, std::string_view shown) {
  const std::string text = json::dump(json::Value(with(members)));
  CAPTURE(text);
  const std::string msg = error_of(text);
  CAPTURE(msg);
  CHECK(contains(msg, "'" + std::string(name) + "'"));
  CHECK(contains(msg, shown));
}

}  // namespace

TEST_CASE("Object2Vec hyperparameters: defaults when only the required ones are given") {
  const HP hp = HP::parse(R"({"enc0_max_seq_len": 50, "enc0_vocab_size": 1000})");
  const ek::EncoderHyperparameters& e0 = hp.enc[0];
  CHECK(e0.network == ek::EncoderNetwork::hcnn);
  CHECK(e0.max_seq_len == 50);
  CHECK(e0.vocab_size == 1000);
  CHECK(e0.token_embedding_dim == 300);
  CHECK(e0.layers == 0);  // auto
  CHECK(e0.cnn_filter_width == 3);
  CHECK(e0.freeze_pretrained_embedding);
  CHECK(e0.pretrained_embedding_file.empty());
  CHECK(e0.vocab_file.empty());
  CHECK(hp.enc1_network_is_enc0);
  CHECK(hp.enc[1] == e0);  // enc1_network "enc0": enc0's hyperparameters
  CHECK(hp.enc_dim == 4096);
  CHECK_FALSE(hp.tied_token_embedding_weight);
  CHECK(hp.comparator_list == std::vector<ek::Comparator>{ek::Comparator::hadamard,
                                                          ek::Comparator::concat,
                                                          ek::Comparator::abs_diff});
  CHECK(hp.mlp_layers == 2);
  CHECK(hp.mlp_dim == 512);
  CHECK(hp.mlp_activation == ek::Activation::linear);
  CHECK(hp.output_layer == ek::OutputLayer::softmax);
  CHECK(hp.num_classes == 2);
  CHECK(hp.dropout == 0.0);
  CHECK(hp.token_embedding_storage_type == "dense");
  CHECK(hp.output_size() == 2);
  // A default-constructed struct differs only in the required sizes.
  HP expected;
  expected.enc[0].max_seq_len = expected.enc[1].max_seq_len = 50;
  expected.enc[0].vocab_size = expected.enc[1].vocab_size = 1000;
  CHECK(hp == expected);
}

TEST_CASE("Object2Vec hyperparameters: the SageMaker spellings of the enums") {
  CHECK(std::string_view(ek::to_string(ek::EncoderNetwork::hcnn)) == "hcnn");
  CHECK(std::string_view(ek::to_string(ek::EncoderNetwork::bilstm)) == "bilstm");
  CHECK(std::string_view(ek::to_string(ek::EncoderNetwork::pooled_embedding)) ==
        "pooled_embedding");
  CHECK(std::string_view(ek::to_string(ek::Comparator::hadamard)) == "hadamard");
  CHECK(std::string_view(ek::to_string(ek::Comparator::concat)) == "concat");
  CHECK(std::string_view(ek::to_string(ek::Comparator::abs_diff)) == "abs_diff");
  CHECK(std::string_view(ek::to_string(ek::OutputLayer::softmax)) == "softmax");
  CHECK(std::string_view(ek::to_string(ek::OutputLayer::mean_squared_error)) ==
        "mean_squared_error");
  // Each spelling is what parse() accepts for it.
  for (const auto n : {ek::EncoderNetwork::hcnn, ek::EncoderNetwork::bilstm,
                       ek::EncoderNetwork::pooled_embedding}) {
    CHECK(parse_object(with({{"enc0_network", ek::to_string(n)}})).enc[0].network == n);
  }
  for (const auto o : {ek::OutputLayer::softmax, ek::OutputLayer::mean_squared_error}) {
    CHECK(parse_object(with({{"output_layer", ek::to_string(o)}})).output_layer == o);
  }
}

TEST_CASE("Object2Vec hyperparameters: strings and JSON numbers and booleans read the same") {
  const HP as_strings = HP::parse(R"({
    "enc0_max_seq_len": "82", "enc0_vocab_size": "30000", "enc0_network": "bilstm",
    "enc0_token_embedding_dim": "64", "enc0_layers": "2", "enc0_cnn_filter_width": "5",
    "enc0_freeze_pretrained_embedding": "False",
    "enc1_network": "pooled_embedding", "enc1_max_seq_len": "7", "enc1_vocab_size": "500",
    "enc1_token_embedding_dim": "32", "enc1_layers": "auto", "enc1_cnn_filter_width": "9",
    "enc1_freeze_pretrained_embedding": "true",
    "enc_dim": "1024", "tied_token_embedding_weight": "false", "comparator_list": "concat",
    "mlp_layers": "0", "mlp_dim": "256", "mlp_activation": "relu", "output_layer": "softmax",
    "num_classes": "3", "dropout": "0.25", "token_embedding_storage_type": "row_sparse",
    "epochs": "5", "learning_rate": "0.001", "weight_decay": "0.5"})");
  const HP as_values = HP::parse(R"({
    "enc0_max_seq_len": 82, "enc0_vocab_size": 30000, "enc0_network": "bilstm",
    "enc0_token_embedding_dim": 64, "enc0_layers": 2, "enc0_cnn_filter_width": 5,
    "enc0_freeze_pretrained_embedding": false,
    "enc1_network": "pooled_embedding", "enc1_max_seq_len": 7, "enc1_vocab_size": 500,
    "enc1_token_embedding_dim": 32, "enc1_layers": "auto", "enc1_cnn_filter_width": 9,
    "enc1_freeze_pretrained_embedding": true,
    "enc_dim": 1024, "tied_token_embedding_weight": false, "comparator_list": ["concat"],
    "mlp_layers": 0, "mlp_dim": 256, "mlp_activation": "relu", "output_layer": "softmax",
    "num_classes": 3, "dropout": 0.25, "token_embedding_storage_type": "row_sparse",
    "epochs": 5, "learning_rate": 1e-3, "weight_decay": 0.5})");
  CHECK(as_strings == as_values);
  CHECK(as_values.enc[0].network == ek::EncoderNetwork::bilstm);
  CHECK(as_values.enc[0].token_embedding_dim == 64);
  CHECK(as_values.enc[0].layers == 2);
  CHECK_FALSE(as_values.enc[0].freeze_pretrained_embedding);
  CHECK_FALSE(as_values.enc1_network_is_enc0);
  CHECK(as_values.enc[1].network == ek::EncoderNetwork::pooled_embedding);
  CHECK(as_values.enc[1].max_seq_len == 7);
  CHECK(as_values.enc[1].layers == 0);
  CHECK(as_values.enc[1].cnn_filter_width == 9);
  CHECK(as_values.enc_dim == 1024);
  CHECK(as_values.comparator_list == std::vector<ek::Comparator>{ek::Comparator::concat});
  CHECK(as_values.mlp_layers == 0);
  CHECK(as_values.mlp_activation == ek::Activation::relu);
  CHECK(as_values.num_classes == 3);
  CHECK(as_values.dropout == 0.25);
  CHECK(as_values.token_embedding_storage_type == "row_sparse");

  // The spellings of a boolean, of a real and of an integer.
  for (const json::Value& t : {json::Value(true), json::Value("true"), json::Value("True")}) {
    CHECK(parse_object(with({{"tied_token_embedding_weight", t}})).tied_token_embedding_weight);
  }
  for (const json::Value& f : {json::Value(false), json::Value("false"), json::Value("False")}) {
    CHECK_FALSE(parse_object(with({{"enc0_freeze_pretrained_embedding", f}}))
                    .enc[0]
                    .freeze_pretrained_embedding);
  }
  for (const char* text : {"0.5", "5e-1", "+0.5", ".5", "0.50"}) {
    CAPTURE(text);
    CHECK(parse_object(with({{"dropout", text}})).dropout == 0.5);
  }
  CHECK(parse_object(with({{"dropout", 1}})).dropout == 1.0);  // a JSON integer is a real too
  CHECK(parse_object(with({{"enc_dim", "+24"}})).enc_dim == 24);
  CHECK(parse_object(with({{"enc_dim", "0024"}})).enc_dim == 24);
  CHECK(parse_object(with({{"mlp_layers", "-0"}})).mlp_layers == 0);
  CHECK(parse_object(with({{"mlp_activation", "tanh"}})).mlp_activation == ek::Activation::tanh);
}

TEST_CASE("Object2Vec hyperparameters: the edges of every integer range") {
  struct Row {
    const char* name;
    std::int64_t lo;
    std::int64_t hi;    // kMaxInt64: no upper bound
    json::Object base;  // other members the row needs
    bool stored;        // false for the training-only ones
  };
  const json::Object explicit_enc1_vocab{{"enc1_network", "bilstm"}, {"enc1_vocab_size", 100}};
  const json::Object explicit_enc1_len{{"enc1_network", "hcnn"}, {"enc1_max_seq_len", 10}};
  const std::vector<Row> rows = {
      {"enc0_max_seq_len", 1, 5000, {}, true},
      {"enc0_vocab_size", 2, 3000000, {}, true},
      {"enc1_max_seq_len", 1, 5000, explicit_enc1_vocab, true},
      {"enc1_vocab_size", 2, 3000000, explicit_enc1_len, true},
      {"enc0_token_embedding_dim", 2, 1000, {}, true},
      {"enc1_token_embedding_dim", 2, 1000, {}, true},
      {"enc0_layers", 1, 4, {}, true},
      {"enc1_layers", 1, 4, {}, true},
      {"enc0_cnn_filter_width", 1, 9, {}, true},
      {"enc1_cnn_filter_width", 1, 9, {}, true},
      {"enc_dim", 4, 10000, {}, true},
      {"mlp_layers", 0, 10, {}, true},
      {"mlp_dim", 2, 10000, {}, true},
      {"num_classes", 2, 30, {}, true},
      {"epochs", 1, 100, {}, false},
      {"mini_batch_size", 1, 10000, {}, false},
      {"early_stopping_patience", 1, 5, {}, false},
      {"negative_sampling_rate", 0, kMaxInt64, {}, false},
      {"bucket_width", 0, 100, {}, false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    for (const bool as_string : {false, true}) {
      CAPTURE(as_string);
      auto given = [&](std::int64_t x) {
        return as_string ? json::Value(std::to_string(x)) : json::Value(x);
      };
      auto members = [&](const json::Value& v) {
        json::Object o = row.base;
        o.insert_or_assign(row.name, v);
        return o;
      };
      auto accepted = [&](std::int64_t x) {
        const HP hp = parse_object(with(members(given(x))));
        if (row.stored) CHECK(hp.to_json().at(row.name) == json::Value(x));
      };
      auto refused = [&](const json::Value& v, const std::string& shown) {
        check_refused(members(v), row.name, shown);
        CHECK(contains(error_of(with(members(v))), "is out of range"));
      };
      refused(given(row.lo - 1), std::to_string(row.lo - 1));
      accepted(row.lo);
      accepted(row.hi);
      if (row.hi < kMaxInt64) {
        refused(given(row.hi + 1), std::to_string(row.hi + 1));
      } else {
        // Past int64: refused, not wrapped.
        const char* past = "9223372036854775808";
        refused(as_string ? json::Value(past) : json::parse(past), past);
      }
    }
  }
  // A range's message says what is allowed.
  const std::string msg = error_of(with({{"enc_dim", 3}}));
  CHECK(msg == "Object2Vec hyperparameter 'enc_dim': 3 is out of range; allowed 4..10000");
  CHECK(contains(error_of(with({{"enc0_layers", 5}})), "allowed auto or 1..4"));
  CHECK(contains(error_of(with({{"negative_sampling_rate", -1}})), "allowed 0 or more"));
}

TEST_CASE("Object2Vec hyperparameters: the edges of every real range") {
  struct Row {
    const char* name;
    double lo;
    double hi;
    bool stored;
  };
  const std::vector<Row> rows = {
      {"dropout", 0.0, 1.0, true},
      {"learning_rate", 1e-6, 1.0, false},
      {"early_stopping_tolerance", 1e-6, 0.1, false},
      {"weight_decay", 0.0, 10000.0, false},
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const Row& row : rows) {
    CAPTURE(row.name);
    for (const bool as_string : {false, true}) {
      CAPTURE(as_string);
      // The value as JSON writes it (the shortest text that reads back to the same double).
      auto text = [](double x) { return json::dump(json::Value(x)); };
      auto given = [&](double x) { return as_string ? json::Value(text(x)) : json::Value(x); };
      auto accepted = [&](double x) {
        const HP hp = parse_object(with({{row.name, given(x)}}));
        if (row.stored) CHECK(hp.to_json().at(row.name).as_double() == x);
      };
      auto refused = [&](double x) {
        CAPTURE(text(x));
        check_refused({{row.name, given(x)}}, row.name, text(x));
        CHECK(contains(error_of(with({{row.name, given(x)}})), "is out of range"));
      };
      // The neighbouring doubles outside the range: the bounds are inclusive and exact.
      refused(std::nextafter(row.lo, -inf));
      refused(row.lo - 1);
      accepted(row.lo);
      accepted(row.hi);
      refused(std::nextafter(row.hi, inf));
      refused(row.hi + 1);
    }
  }
  CHECK(error_of(with({{"dropout", 1.5}})) ==
        "Object2Vec hyperparameter 'dropout': 1.5 is out of range; allowed 0..1");
  CHECK(contains(error_of(with({{"learning_rate", "2"}})),
                 "\"2\" is out of range; allowed 1e-6..1"));
}

TEST_CASE("Object2Vec hyperparameters: malformed values are refused with the value shown") {
  // Integers: JSON integers or strings of decimal digits, nothing else.
  const std::vector<std::pair<json::Value, std::string>> not_integers = {
      {json::Value(24.5), "24.5"},
      {json::parse("24.0"), "24.0"},
      {json::parse("1e3"), "1000.0"},
      {json::Value("24.0"), "\"24.0\""},
      {json::Value("1e3"), "\"1e3\""},
      {json::Value(" 24"), "\" 24\""},
      {json::Value("24 "), "\"24 \""},
      {json::Value("abc"), "\"abc\""},
      {json::Value(""), "\"\""},
      {json::Value("0x10"), "\"0x10\""},
      {json::Value("+-24"), "\"+-24\""},
      {json::Value("-"), "\"-\""},
      {json::Value("nan"), "\"nan\""},
      {json::Value(nullptr), "null"},
      {json::Value(true), "true"},
      {json::Value(json::Array{24}), "[24]"},
      {json::Value(json::Object{{"a", 24}}), "{\"a\": 24}"},
  };
  for (const auto& item : not_integers) {
    const json::Value& value = item.first;
    const std::string& shown = item.second;
    CAPTURE(shown);
    check_refused({{"enc_dim", value}}, "enc_dim", shown);
    CHECK(contains(error_of(with({{"enc_dim", value}})), "is not an integer; allowed 4..10000"));
  }
  // Overflow is an error, never a wrapped value.
  check_refused({{"enc_dim", "99999999999999999999"}}, "enc_dim", "\"99999999999999999999\"");
  check_refused({{"enc_dim", json::parse("18446744073709551615")}}, "enc_dim",
                "18446744073709551615");  // uint64
  check_refused({{"enc_dim", json::parse("18446744073709551616")}}, "enc_dim",
                "1.8446744073709552e+19");  // past uint64, JSON reads a double: not an integer
  check_refused({{"enc_dim", "-9223372036854775809"}}, "enc_dim", "\"-9223372036854775809\"");

  // Reals: numbers or strings that are one finite number as a whole.
  const std::vector<std::pair<json::Value, std::string>> not_reals = {
      {json::Value("nan"), "\"nan\""},
      {json::Value("NaN"), "\"NaN\""},
      {json::Value("inf"), "\"inf\""},
      {json::Value("-inf"), "\"-inf\""},
      {json::Value("Infinity"), "\"Infinity\""},
      {json::Value("1e400"), "\"1e400\""},
      {json::Value("abc"), "\"abc\""},
      {json::Value(""), "\"\""},
      {json::Value(" 0.1"), "\" 0.1\""},
      {json::Value("0.1x"), "\"0.1x\""},
      {json::Value("0x0.1p0"), "\"0x0.1p0\""},
      {json::Value(std::numeric_limits<double>::quiet_NaN()), "nan"},  // built in code
      {json::Value(nullptr), "null"},
      {json::Value(true), "true"},
      {json::Value(json::Array{0.1}), "[0.1]"},
  };
  for (const auto& item : not_reals) {
    const json::Value& value = item.first;
    const std::string& shown = item.second;
    CAPTURE(shown);
    // from_json, since a NaN cannot be written as JSON text.
    try {
      (void)HP::from_json(json::Value(with({{"dropout", value}})));
      FAIL("expected value_error for " << shown);
    } catch (const ek::value_error& e) {
      CHECK(contains(e.what(), "'dropout'"));
      CHECK(contains(e.what(), shown));
      CHECK(contains(e.what(), "allowed 0..1"));
    }
  }

  // Booleans.
  for (const auto& item : std::vector<std::pair<json::Value, std::string>>{
           {json::Value("yes"), "\"yes\""},
           {json::Value("TRUE"), "\"TRUE\""},
           {json::Value("1"), "\"1\""},
           {json::Value(1), "1"},
           {json::Value(0), "0"},
           {json::Value(nullptr), "null"},
           {json::Value(json::Array{true}), "[true]"}}) {
    const json::Value& value = item.first;
    const std::string& shown = item.second;
    CAPTURE(shown);
    check_refused({{"tied_token_embedding_weight", value}}, "tied_token_embedding_weight", shown);
    CHECK(contains(error_of(with({{"tied_token_embedding_weight", value}})), "is not a boolean"));
  }

  // Names from a fixed set: exact spellings only.
  CHECK(error_of(with({{"mlp_activation", "softplus"}})) ==
        "Object2Vec hyperparameter 'mlp_activation': \"softplus\" is not one of tanh, relu, "
        "linear");
  const std::vector<std::pair<const char*, json::Value>> bad_choices = {
      {"mlp_activation", "sigmoid"},      {"mlp_activation", "Tanh"},
      {"mlp_activation", 1},              {"enc0_network", "enc0"},
      {"enc0_network", "lstm"},           {"enc1_network", "HCNN"},
      {"enc1_network", nullptr},          {"output_layer", "Softmax"},
      {"output_layer", "mse"},            {"token_embedding_storage_type", "sparse"},
      {"optimizer", "nesterov"},          {"optimizer", json::Array{"adam"}},
  };
  for (const auto& item : bad_choices) {
    const char* name = item.first;
    const json::Value& value = item.second;
    CAPTURE(name);
    const std::string msg = error_of(with({{name, value}}));
    CAPTURE(msg);
    CHECK(contains(msg, "'" + std::string(name) + "'"));
    CHECK(contains(msg, "is not one of"));
  }

  // File names: "" or a bare name, never a path.
  for (const char* ok : {"", "glove.840B.300d.txt", "vocab_0.json", "a"}) {
    CHECK(parse_object(with({{"enc0_pretrained_embedding_file", ok}, {"enc1_vocab_file", ok}}))
              .enc[1]
              .vocab_file == ok);
  }
  for (const json::Value& bad :
       {json::Value("a/b.txt"), json::Value("../glove.txt"), json::Value("/etc/passwd"),
        json::Value("."), json::Value(".."), json::Value("a b"), json::Value("a\\b"),
        json::Value(std::string(256, 'a')), json::Value(7), json::Value(nullptr)}) {
    for (const char* name : {"enc0_pretrained_embedding_file", "enc1_vocab_file"}) {
      CAPTURE(name);
      const std::string msg = error_of(with({{name, bad}}));
      CAPTURE(msg);
      std::string quoted = "'";  // built by append: g++ 12 -O3 warns falsely on "'" + string
      quoted.append(name).append("'");
      CHECK(contains(msg, quoted));
      CHECK(contains(msg, "is not a file name"));
    }
  }
  // enc*_layers: "auto" is the only word.
  CHECK(parse_object(with({{"enc0_layers", "auto"}})).enc[0].layers == 0);
  for (const auto& [bad, shown] : std::vector<std::pair<json::Value, std::string>>{
           {json::Value("Auto"), "\"Auto\""},
           {json::Value("0"), "\"0\""},
           {json::Value(0), "0"},
           {json::Value(""), "\"\""},
           {json::Value(2.0), "2.0"}}) {
    check_refused({{"enc0_layers", bad}}, "enc0_layers", shown);
    CHECK(contains(error_of(with({{"enc0_layers", bad}})), "allowed auto or 1..4"));
  }
}

TEST_CASE("Object2Vec hyperparameters: unknown keys are refused, SageMaker's own are ignored") {
  CHECK(error_of(with({{"enc_dims", 24}})) ==
        "Object2Vec hyperparameters: unknown hyperparameter 'enc_dims'");
  for (const char* key : {"enc2_max_seq_len", "enc0_network_type", "ENC_DIM", "enc0_", "enc_",
                          "", "sagemaker", "tuning_objective_metric", "enc0_enc_dim",
                          "enc1_comparator_list", "kvstore"}) {
    CAPTURE(key);
    CHECK(contains(error_of(with({{key, 1}})),
                   "unknown hyperparameter '" + std::string(key) + "'"));
  }
  // A key with a control character is shown escaped.
  CHECK(contains(error_of(with({{"a\nb", 1}})), "'a\\x0ab'"));
  const HP plain = parse_object(with());
  const HP injected = parse_object(with({{"_tuning_objective_metric", "validation:accuracy"},
                                         {"sagemaker_program", "train.py"},
                                         {"sagemaker_region", "us-west-2"},
                                         {"sagemaker_container_log_level", 20}}));
  CHECK(injected == plain);
}

TEST_CASE("Object2Vec hyperparameters: missing required ones, text that is not an object") {
  std::string msg = error_of(R"({"enc0_vocab_size": 100})");
  CHECK(contains(msg, "'enc0_max_seq_len' is required"));
  CHECK(contains(msg, "1..5000"));
  msg = error_of(R"({"enc0_max_seq_len": 10})");
  CHECK(contains(msg, "'enc0_vocab_size' is required"));
  CHECK(contains(msg, "2..3000000"));
  CHECK(contains(error_of("{}"), "is required"));
  // enc1 sizes are required when enc1 has a network of its own.
  msg = error_of(with({{"enc1_network", "bilstm"}, {"enc1_vocab_size", 100}}));
  CHECK(contains(msg, "'enc1_max_seq_len' is required when enc1_network is \"bilstm\""));
  msg = error_of(with({{"enc1_network", "hcnn"}, {"enc1_max_seq_len", 10}}));
  CHECK(contains(msg, "'enc1_vocab_size' is required when enc1_network is \"hcnn\""));
  CHECK(contains(error_of(with({{"enc1_network", "pooled_embedding"}})), "'enc1_max_seq_len'"));
  CHECK(error_of(with({{"enc1_network", "enc0"}})).empty());

  for (const char* text : {"[]", "[{\"enc0_max_seq_len\": 10}]", "3", "\"x\"", "null", "true"}) {
    CAPTURE(text);
    CHECK(contains(error_of(text), "Object2Vec hyperparameters: expected a JSON object, found"));
  }
  CHECK_THROWS_AS(HP::from_json(json::Value(json::Array{})), ek::value_error);
  // Not JSON: the parser's error, with its position.
  for (const char* text : {"", "{", "{\"enc0_max_seq_len\": 10,}", "{'a': 1}", "{\"a\" 1}"}) {
    CAPTURE(text);
    CHECK_THROWS_AS(HP::parse(text), ek::format_error);
  }
  // A key given twice is two conflicting settings: refused, naming it.
  CHECK(error_of(R"({"enc0_max_seq_len": 10, "enc0_vocab_size": 100, "enc_dim": 8,
                     "enc_dim": 16})") ==
        "Object2Vec hyperparameters: 'enc_dim' is given more than once");
}

TEST_CASE("Object2Vec hyperparameters: enc1_network enc0 copies enc0, an explicit one does not") {
  const json::Object enc0{{"enc0_network", "bilstm"},
                          {"enc0_max_seq_len", 40},
                          {"enc0_vocab_size", 700},
                          {"enc0_token_embedding_dim", 50},
                          {"enc0_layers", 3},
                          {"enc0_cnn_filter_width", 5},
                          {"enc0_freeze_pretrained_embedding", false},
                          {"enc0_pretrained_embedding_file", "glove.txt"},
                          {"enc0_vocab_file", "vocab.json"}};
  for (const bool said : {false, true}) {
    CAPTURE(said);
    json::Object o = enc0;
    if (said) o.insert_or_assign("enc1_network", "enc0");
    const HP hp = parse_object(o);
    CHECK(hp.enc1_network_is_enc0);
    const ek::EncoderHyperparameters& e1 = hp.enc[1];
    CHECK(e1.network == ek::EncoderNetwork::bilstm);
    CHECK(e1.max_seq_len == 40);
    CHECK(e1.vocab_size == 700);
    CHECK(e1.token_embedding_dim == 50);
    CHECK(e1.layers == 3);
    CHECK(e1.cnn_filter_width == 5);
    CHECK_FALSE(e1.freeze_pretrained_embedding);
    CHECK(e1.pretrained_embedding_file.empty());  // the files are enc0's table, not enc1's
    CHECK(e1.vocab_file.empty());
  }
  {
    // Given enc1_* members override enc0's values; the rest still follow enc0.
    json::Object o = enc0;
    o.insert_or_assign("enc1_max_seq_len", 12);
    o.insert_or_assign("enc1_layers", "auto");
    o.insert_or_assign("enc1_vocab_file", "v1.json");
    const HP hp = parse_object(o);
    CHECK(hp.enc[1].max_seq_len == 12);
    CHECK(hp.enc[1].layers == 0);
    CHECK(hp.enc[1].vocab_file == "v1.json");
    CHECK(hp.enc[1].vocab_size == 700);
    CHECK(hp.enc[1].token_embedding_dim == 50);
    CHECK(hp.enc[1].network == ek::EncoderNetwork::bilstm);
  }
  {
    // An explicit network: enc1 takes the table's defaults, not enc0's values.
    json::Object o = enc0;
    o.insert_or_assign("enc1_network", "pooled_embedding");
    o.insert_or_assign("enc1_max_seq_len", 9);
    o.insert_or_assign("enc1_vocab_size", 80);
    const HP hp = parse_object(o);
    CHECK_FALSE(hp.enc1_network_is_enc0);
    ek::EncoderHyperparameters expected;
    expected.network = ek::EncoderNetwork::pooled_embedding;
    expected.max_seq_len = 9;
    expected.vocab_size = 80;
    CHECK(hp.enc[1] == expected);
    // The same network as enc0's, named, is still a network of its own.
    o.insert_or_assign("enc1_network", "bilstm");
    const HP same = parse_object(o);
    CHECK_FALSE(same.enc1_network_is_enc0);
    CHECK(same.enc[1].token_embedding_dim == 300);
    CHECK(same.enc[1].layers == 0);
  }
}

TEST_CASE("Object2Vec hyperparameters: a tied token table needs one vocabulary size and width") {
  CHECK(parse_object(with({{"tied_token_embedding_weight", "True"}})).tied_token_embedding_weight);
  CHECK(parse_object(with({{"tied_token_embedding_weight", true},
                           {"enc1_network", "bilstm"},
                           {"enc1_max_seq_len", 3},
                           {"enc1_vocab_size", 100}}))
            .tied_token_embedding_weight);
  std::string msg =
      error_of(with({{"tied_token_embedding_weight", true}, {"enc1_vocab_size", 200}}));
  CHECK(contains(msg, "tied_token_embedding_weight"));
  CHECK(contains(msg, "enc0_vocab_size 100 and enc1_vocab_size 200 differ"));
  CHECK_FALSE(contains(msg, "token_embedding_dim"));
  msg = error_of(with({{"tied_token_embedding_weight", true}, {"enc0_token_embedding_dim", 64}}));
  CHECK(msg.empty());  // enc1 inherits enc0's width
  msg = error_of(with({{"tied_token_embedding_weight", true},
                       {"enc0_token_embedding_dim", 64},
                       {"enc1_token_embedding_dim", 32},
                       {"enc1_vocab_size", 50}}));
  CHECK(contains(msg, "enc0_vocab_size 100 and enc1_vocab_size 50 differ"));
  CHECK(contains(msg, "enc0_token_embedding_dim 64 and enc1_token_embedding_dim 32 differ"));
  // An explicit enc1 with the default width against a narrower enc0.
  msg = error_of(with({{"tied_token_embedding_weight", "true"},
                       {"enc0_token_embedding_dim", 100},
                       {"enc1_network", "hcnn"},
                       {"enc1_max_seq_len", 10},
                       {"enc1_vocab_size", 100}}));
  CHECK(contains(msg, "enc0_token_embedding_dim 100 and enc1_token_embedding_dim 300 differ"));
  // Untied encoders may differ freely.
  CHECK(error_of(with({{"enc1_vocab_size", 200}, {"enc1_token_embedding_dim", 8}})).empty());
}

TEST_CASE("Object2Vec hyperparameters: comparator_list") {
  using C = ek::Comparator;
  auto list = [](const json::Value& v) {
    return parse_object(with({{"comparator_list", v}})).comparator_list;
  };
  CHECK(list("hadamard, concat, abs_diff") ==
        std::vector<C>{C::hadamard, C::concat, C::abs_diff});
  CHECK(list("abs_diff,hadamard") == std::vector<C>{C::abs_diff, C::hadamard});
  CHECK(list("  concat  ,\tabs_diff ") == std::vector<C>{C::concat, C::abs_diff});
  CHECK(list("concat, hadamard, abs_diff") ==
        std::vector<C>{C::concat, C::hadamard, C::abs_diff});
  CHECK(list("hadamard") == std::vector<C>{C::hadamard});
  CHECK(list(json::Array{"abs_diff", "concat"}) == std::vector<C>{C::abs_diff, C::concat});

  const std::vector<std::pair<json::Value, const char*>> refused = {
      {json::Value("hadamard, hadamard"), "names hadamard twice"},
      {json::Value("concat,abs_diff,concat"), "names concat twice"},
      {json::Value(json::Array{"abs_diff", "abs_diff"}), "names abs_diff twice"},
      {json::Value(""), "is empty"},
      {json::Value("  "), "is empty"},
      {json::Value(json::Array{}), "is empty"},
      {json::Value("hadamard,,concat"), "has an empty item"},
      {json::Value("hadamard,"), "has an empty item"},
      {json::Value(",hadamard"), "has an empty item"},
      {json::Value("hadamard, dot"), "\"dot\" is not one of hadamard, concat, abs_diff"},
      {json::Value("Hadamard"), "\"Hadamard\" is not one of"},
      {json::Value("hadamard concat"), "\"hadamard concat\" is not one of"},
      {json::Value(json::Array{"concat", 1}), "1 is not one of"},
      {json::Value(json::Array{" concat"}), "\" concat\" is not one of"},
      {json::Value(3), "is not a list of comparators"},
      {json::Value(nullptr), "is not a list of comparators"},
  };
  for (const auto& [value, problem] : refused) {
    const std::string msg = error_of(with({{"comparator_list", value}}));
    CAPTURE(msg);
    CHECK(contains(msg, "'comparator_list'"));
    CHECK(contains(msg, problem));
  }
}

TEST_CASE("Object2Vec hyperparameters: training-only keys are checked and ignored") {
  const HP plain = parse_object(with());
  const HP trained = parse_object(with({{"epochs", "30"},
                                        {"mini_batch_size", 32},
                                        {"learning_rate", "0.0004"},
                                        {"optimizer", "adam"},
                                        {"early_stopping_patience", 3},
                                        {"early_stopping_tolerance", 0.01},
                                        {"weight_decay", "0"},
                                        {"negative_sampling_rate", "0"},
                                        {"bucket_width", 0}}));
  CHECK(trained == plain);
  CHECK(trained.to_json() == plain.to_json());
  CHECK_FALSE(trained.to_json().contains("epochs"));
  for (const char* optimizer : {"adadelta", "adagrad", "adam", "sgd", "rmsprop"}) {
    CHECK(parse_object(with({{"optimizer", optimizer}})) == plain);
  }
  CHECK(error_of(with({{"optimizer", "nesterov"}})) ==
        "Object2Vec hyperparameter 'optimizer': \"nesterov\" is not one of adadelta, adagrad, "
        "adam, sgd, rmsprop");
  check_refused({{"mini_batch_size", "abc"}}, "mini_batch_size", "\"abc\"");
  check_refused({{"epochs", 2.5}}, "epochs", "2.5");
  check_refused({{"learning_rate", "fast"}}, "learning_rate", "\"fast\"");
  check_refused({{"negative_sampling_rate", 0.5}}, "negative_sampling_rate", "0.5");
  check_refused({{"bucket_width", nullptr}}, "bucket_width", "null");
}

TEST_CASE("Object2Vec hyperparameters: output_size") {
  CHECK(parse_object(with({{"num_classes", 5}})).output_size() == 5);
  CHECK(parse_object(with({{"num_classes", 30}})).output_size() == 30);
  CHECK(parse_object(with({{"output_layer", "mean_squared_error"}, {"num_classes", 5}}))
            .output_size() == 1);
}

TEST_CASE("Object2Vec hyperparameters: to_json writes every one and reads back the same") {
  const std::vector<json::Object> configs = {
      with(),
      with({{"enc0_network", "bilstm"},
            {"enc0_layers", 2},
            {"enc1_network", "pooled_embedding"},
            {"enc1_max_seq_len", 5000},
            {"enc1_vocab_size", 3000000},
            {"enc1_token_embedding_dim", 2},
            {"enc_dim", 4},
            {"comparator_list", "abs_diff, hadamard"},
            {"mlp_layers", 0},
            {"mlp_activation", "tanh"},
            {"output_layer", "mean_squared_error"},
            {"dropout", "0.1"}}),
      with({{"tied_token_embedding_weight", "True"},
            {"enc0_pretrained_embedding_file", "glove.6B.50d.txt"},
            {"enc0_vocab_file", "vocab.json"},
            {"enc1_vocab_file", "vocab1.json"},
            {"enc0_token_embedding_dim", 50},
            {"enc0_freeze_pretrained_embedding", "false"},
            {"enc1_cnn_filter_width", 9},
            {"comparator_list", json::Array{"concat"}},
            {"num_classes", 30},
            {"mlp_dim", 10000},
            {"mlp_layers", 10},
            {"mlp_activation", "relu"},
            {"token_embedding_storage_type", "row_sparse"},
            {"dropout", 1e-7},
            {"epochs", 3}}),
      with({{"enc0_network", "hcnn"},
            {"enc1_network", "hcnn"},
            {"enc1_max_seq_len", 1},
            {"enc1_vocab_size", 2},
            {"enc1_layers", 4},
            {"enc1_freeze_pretrained_embedding", false},
            {"enc0_max_seq_len", "1"},
            {"enc0_vocab_size", "2"},
            {"dropout", 1}}),
  };
  const std::vector<std::string> names = {
      "enc0_network", "enc0_max_seq_len", "enc0_vocab_size", "enc0_token_embedding_dim",
      "enc0_layers", "enc0_cnn_filter_width", "enc0_freeze_pretrained_embedding",
      "enc0_pretrained_embedding_file", "enc0_vocab_file", "enc1_network", "enc1_max_seq_len",
      "enc1_vocab_size", "enc1_token_embedding_dim", "enc1_layers", "enc1_cnn_filter_width",
      "enc1_freeze_pretrained_embedding", "enc1_pretrained_embedding_file", "enc1_vocab_file",
      "enc_dim", "tied_token_embedding_weight", "comparator_list", "mlp_layers", "mlp_dim",
      "mlp_activation", "output_layer", "num_classes", "dropout",
      "token_embedding_storage_type"};
  for (const json::Object& config : configs) {
    const HP hp = parse_object(config);
    const json::Value out = hp.to_json();
    CAPTURE(json::dump(out));
    REQUIRE(out.is_object());
    CHECK(out.size() == names.size());
    for (const std::string& name : names) {
      CAPTURE(name);
      REQUIRE(out.contains(name));
    }
    // Numbers as numbers, booleans as booleans.
    CHECK(out.at("enc0_max_seq_len").is_integer());
    CHECK(out.at("enc_dim").is_integer());
    CHECK(out.at("dropout").kind() == json::Kind::float64);
    CHECK(out.at("tied_token_embedding_weight").is_bool());
    CHECK(out.at("enc1_freeze_pretrained_embedding").is_bool());
    CHECK(out.at("comparator_list").is_string());
    CHECK(out.at("enc1_network").as_string() ==
          (hp.enc1_network_is_enc0 ? "enc0" : ek::to_string(hp.enc[1].network)));
    for (int i = 0; i < 2; ++i) {
      const json::Value& layers = out.at("enc" + std::to_string(i) + "_layers");
      if (hp.enc[static_cast<std::size_t>(i)].layers == 0) {
        CHECK(layers == json::Value("auto"));
      } else {
        CHECK(layers == json::Value(hp.enc[static_cast<std::size_t>(i)].layers));
      }
    }
    // Back through text, compact and indented, and straight from the Value.
    CHECK(HP::parse(json::dump(out)) == hp);
    CHECK(HP::parse(json::dump(out, {.indent = 2})) == hp);
    CHECK(HP::from_json(out) == hp);
    CHECK(HP::from_json(out).to_json() == out);
  }
  // The comparator list is written comma-separated, in its order.
  CHECK(parse_object(configs[1]).to_json().at("comparator_list") ==
        json::Value("abs_diff, hadamard"));
  CHECK(parse_object(configs[0]).to_json().at("comparator_list") ==
        json::Value("hadamard, concat, abs_diff"));
  // A document that gives every hyperparameter as to_json writes it reads back to itself.
  const json::Value full = parse_object(configs[2]).to_json();
  CHECK(HP::from_json(full).to_json() == full);
  // Different configurations write different documents (to_json drops nothing that matters).
  for (std::size_t a = 0; a < configs.size(); ++a) {
    for (std::size_t b = a + 1; b < configs.size(); ++b) {
      CHECK(parse_object(configs[a]).to_json() != parse_object(configs[b]).to_json());
    }
  }
}
