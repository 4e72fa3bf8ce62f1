// SentenceFolder: what a sentence-transformers model folder says about its pipeline, read from
// its small JSON files before any weight is loaded.
//
//   modules.json                         the modules in order: Transformer, Pooling, then Dense
//                                        and Normalize modules (types named by class path)
//   <transformer>/sentence_bert_config.json  max_seq_length, do_lower_case
//   <pooling>/config.json                1_Pooling/config.json (PoolingConfig)
//   <dense>/config.json                  in_features, out_features, bias, activation_function
//   config_sentence_transformers.json    prompts {name: text}, default_prompt_name
//
// A folder without modules.json that holds a Hugging Face model (config.json) gets what
// sentence-transformers gives it: the transformer, then mean pooling.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "embedkit/core/activation.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/encoders/detail/json_file.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/nn/pooling.hpp"

namespace embedkit {

struct SentenceDenseConfig {
  std::filesystem::path dir;
  std::int64_t in_features = 0, out_features = 0;
  bool bias = true;
  Activation activation = Activation::tanh;  // sentence-transformers' default
};

// One module after pooling: a Dense layer or an L2 normalisation.
struct SentenceStep {
  enum class Kind { dense, normalize } kind = Kind::normalize;
  SentenceDenseConfig dense;  // kind == dense
};

struct SentenceFolder {
  std::filesystem::path root, transformer_dir;
  std::optional<std::int64_t> max_seq_length;  // unset: min(positions, tokenizer's limit)
  bool do_lower_case = false;
  PoolingConfig pooling;
  std::vector<SentenceStep> steps;
  std::map<std::string, std::string> prompts;
  std::optional<std::string> default_prompt_name;

  static SentenceFolder read(const std::filesystem::path& root) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(root)) {
      detail::raise<io_error>(root.string() + ": not a folder (a sentence-transformers model "
                              "folder holds modules.json, config.json, model.safetensors, ...)");
    }
    SentenceFolder f;
    f.root = root;
    const fs::path modules = root / "modules.json";
    if (!fs::exists(modules)) {
      if (!fs::exists(root / "config.json")) {
        detail::raise<io_error>(root.string() + ": neither modules.json (a sentence-transformers "
                                "folder) nor config.json (a Hugging Face model) is there");
      }
      // sentence-transformers' fallback for a plain Hugging Face folder: mean pooling.
      f.transformer_dir = root;
      f.pooling.modes = {PoolingMode::mean};
    } else {
      f.read_modules(modules);
    }
    f.read_transformer_config();
    f.read_prompts();
    return f;
  }

 private:
  // The class name at the end of a module type's path ("sentence_transformers.models.Pooling").
  static std::string class_name(const std::string& type) {
    const auto dot = type.rfind('.');
    return dot == std::string::npos ? type : type.substr(dot + 1);
  }

  void read_modules(const std::filesystem::path& file) {
    const json::Value doc = detail::read_json_file(file);
    const std::string name = file.string();
    if (!doc.is_array() || doc.as_array().empty()) {
      detail::raise<value_error>(name + ": expected a non-empty JSON array of modules");
    }
    bool have_transformer = false, have_pooling = false;
    std::size_t index = 0;
    for (const json::Value& m : doc.as_array()) {
      const std::string where = name + " (module " + std::to_string(index++) + ")";
      const detail::JsonFields fields(m, where);
      const auto type = fields.string("type");
      if (!type) fields.missing("type", "the module's class path");
      const std::filesystem::path dir = root / fields.string("path").value_or("");
      const std::string cls = class_name(*type);
      if (cls == "Transformer") {
        if (have_transformer) fields.bad("type", *fields.find("type"), "one Transformer module only");
        if (index != 1) fields.bad("type", *fields.find("type"), "the Transformer as the first module");
        have_transformer = true;
        transformer_dir = dir;
      } else if (cls == "Pooling") {
        if (!have_transformer || have_pooling) {
          fields.bad("type", *fields.find("type"), "one Pooling module, after the Transformer");
        }
        have_pooling = true;
        const std::filesystem::path config = dir / "config.json";
        pooling = PoolingConfig::from_json(detail::read_json_file(config));
      } else if (cls == "Dense" || cls == "Normalize") {
        if (!have_pooling) {
          fields.bad("type", *fields.find("type"), "Dense and Normalize modules after Pooling");
        }
        SentenceStep step;
        if (cls == "Dense") {
          step.kind = SentenceStep::Kind::dense;
          step.dense = read_dense(dir);
        }
        steps.push_back(std::move(step));
      } else {
        fields.bad("type", *fields.find("type"),
                   "a Transformer, Pooling, Dense or Normalize module (the modules embedkit runs)");
      }
    }
    if (!have_transformer || !have_pooling) {
      detail::raise<value_error>(name + ": expected a Transformer and a Pooling module, found " +
                                 (have_transformer ? "no Pooling" : "no Transformer"));
    }
  }

  static SentenceDenseConfig read_dense(const std::filesystem::path& dir) {
    const std::filesystem::path file = dir / "config.json";
    const json::Value doc = detail::read_json_file(file);
    const detail::JsonFields f(doc, file.string());
    SentenceDenseConfig d;
    d.dir = dir;
    d.in_features = f.required_integer("in_features", 1, std::int64_t{1} << 24);
    d.out_features = f.required_integer("out_features", 1, std::int64_t{1} << 24);
    d.bias = f.boolean("bias").value_or(true);
    if (const auto act = f.string("activation_function")) {
      const auto a = activation_from_name(*act);
      if (!a) {
        f.bad("activation_function", *f.find("activation_function"),
              "an activation embedkit computes (torch.nn.modules.activation.Tanh, ReLU, "
              "Sigmoid, GELU, or torch.nn.modules.linear.Identity)");
      }
      d.activation = *a;
    }
    return d;
  }

  void read_transformer_config() {
    const std::filesystem::path file = transformer_dir / "sentence_bert_config.json";
    if (!std::filesystem::exists(file)) return;
    const json::Value doc = detail::read_json_file(file);
    const detail::JsonFields f(doc, file.string());
    max_seq_length = f.integer("max_seq_length", 1, std::int64_t{1} << 20);
    do_lower_case = f.boolean("do_lower_case").value_or(false);
  }

  void read_prompts() {
    const std::filesystem::path file = root / "config_sentence_transformers.json";
    if (!std::filesystem::exists(file)) return;
    const json::Value doc = detail::read_json_file(file);
    const detail::JsonFields f(doc, file.string());
    if (const json::Value* p = f.find("prompts")) {
      if (!p->is_object()) f.bad("prompts", *p, "an object {name: prompt text}");
      for (const auto& [name, text] : p->as_object()) {
        if (!text.is_string()) f.bad("prompts", *p, "prompt texts as strings");
        prompts[name] = text.as_string();
      }
    }
    default_prompt_name = f.string("default_prompt_name");
    if (default_prompt_name && !prompts.contains(*default_prompt_name)) {
      f.bad("default_prompt_name", *f.find("default_prompt_name"), "the name of one of its prompts");
    }
  }
};

}  // namespace embedkit
