// BertConfig: the fields of a Hugging Face BERT config.json that the forward pass needs, read
// and checked. embedkit runs HF's BertModel (model_type "bert": all-MiniLM-*, bge-*-en-v1.5,
// e5-*-v2, multi-qa-MiniLM and the like); any other architecture is refused by name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "embedkit/core/activation.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/encoders/detail/json_file.hpp"
#include "embedkit/json/value.hpp"

namespace embedkit {

struct BertConfig {
  std::int64_t vocab_size = 30522;
  std::int64_t hidden_size = 768;
  std::int64_t num_hidden_layers = 12;
  std::int64_t num_attention_heads = 12;
  std::int64_t intermediate_size = 3072;
  Activation hidden_act = Activation::gelu;  // HF "gelu" is the exact erf form
  std::int64_t max_position_embeddings = 512;
  std::int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  std::int64_t pad_token_id = 0;

  std::int64_t head_dim() const noexcept { return hidden_size / num_attention_heads; }

  // From the parsed config.json; `file` names it in errors. HF's defaults fill absent fields.
  static BertConfig from_json(const json::Value& v, const std::string& file) {
    const detail::JsonFields f(v, file);
    const auto model_type = f.string("model_type");
    if (!model_type || *model_type != "bert") {
      std::string found = model_type ? "\"" + *model_type + "\"" : "absent";
      if (const json::Value* a = f.find("architectures"); a != nullptr && a->is_array() &&
                                                       !a->as_array().empty() &&
                                                       a->as_array()[0].is_string()) {
        found += " (architectures[0] \"" + a->as_array()[0].as_string() + "\")";
      }
      detail::raise<value_error>(file + ": field \"model_type\" is " + found +
                                 "; embedkit runs BERT models (model_type \"bert\", HF BertModel)");
    }
    constexpr std::int64_t big = std::int64_t{1} << 31;
    BertConfig c;
    c.vocab_size = f.integer("vocab_size", 1, big).value_or(c.vocab_size);
    c.hidden_size = f.integer("hidden_size", 1, 1 << 16).value_or(c.hidden_size);
    c.num_hidden_layers = f.integer("num_hidden_layers", 0, 1024).value_or(c.num_hidden_layers);
    c.num_attention_heads = f.integer("num_attention_heads", 1, 1024).value_or(c.num_attention_heads);
    c.intermediate_size = f.integer("intermediate_size", 1, 1 << 20).value_or(c.intermediate_size);
    c.max_position_embeddings =
        f.integer("max_position_embeddings", 1, 1 << 20).value_or(c.max_position_embeddings);
    c.type_vocab_size = f.integer("type_vocab_size", 1, 1 << 16).value_or(c.type_vocab_size);
    c.pad_token_id = f.integer("pad_token_id", 0, big).value_or(c.pad_token_id);
    if (const auto eps = f.number("layer_norm_eps")) {
      if (!(*eps > 0)) f.bad("layer_norm_eps", *f.find("layer_norm_eps"), "a positive number");
      c.layer_norm_eps = *eps;
    }
    if (c.hidden_size % c.num_attention_heads != 0) {
      detail::raise<value_error>(file + ": hidden_size " + std::to_string(c.hidden_size) +
                                 " is not a multiple of num_attention_heads " +
                                 std::to_string(c.num_attention_heads));
    }
    if (const auto act = f.string("hidden_act")) {
      // HF's ACT2FN names: "gelu" is erf-exact; the tanh approximations are not offered.
      if (*act == "gelu") c.hidden_act = Activation::gelu;
      else if (*act == "relu") c.hidden_act = Activation::relu;
      else if (*act == "tanh") c.hidden_act = Activation::tanh;
      else if (*act == "sigmoid") c.hidden_act = Activation::sigmoid;
      else f.bad("hidden_act", *f.find("hidden_act"), "\"gelu\", \"relu\", \"tanh\" or \"sigmoid\"");
    }
    if (const auto pos = f.string("position_embedding_type"); pos && *pos != "absolute") {
      f.bad("position_embedding_type", *f.find("position_embedding_type"), "\"absolute\"");
    }
    if (const auto decoder = f.boolean("is_decoder"); decoder && *decoder) {
      f.bad("is_decoder", *f.find("is_decoder"), "false (embedkit runs BERT as an encoder)");
    }
    return c;
  }

  static BertConfig load(const std::filesystem::path& file) {
    return from_json(detail::read_json_file(file), file.string());
  }
};

}  // namespace embedkit
