// The routes of a sentence-transformers model: text-embeddings-inference's POST /embed,
// POST /tokenize and GET /info, OpenAI's POST /v1/embeddings, and the sentence form of
// SageMaker's POST /invocations. Each takes a request body and gives a response body, or
// raises HttpError with TEI's status codes:
//
//   400 empty      the body is not JSON, or `inputs` is an empty list
//   413 validation an input longer than the model's max_seq_length with truncate false, or
//                  more inputs than --max-client-batch-size
//   422 validation a field of the wrong type or value (dimensions 0 or past the model's
//                  width, an unknown prompt_name or truncation_direction, ...)
//   422 tokenizer  an input that is not valid UTF-8
//   424 backend    the model failed
//
// Embeddings come from the shared Batcher (raw, full width), then are cut to `dimensions`
// and normalised here, in that order, as SentenceEncoder::encode does.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/encoders/sentence_encoder.hpp>
#include <embedkit/json/json.hpp>

#include "batcher.hpp"
#include "body.hpp"
#include "http_error.hpp"

namespace embedkit_serve {

struct EmbedRequest {
  std::vector<std::string> texts;
  bool normalize = true;
  bool truncate = false;
  ek::TruncationSide side = ek::TruncationSide::right;
  std::optional<std::string> prompt_name;
  std::optional<std::int64_t> dimensions;
};

struct Embeddings {
  ek::Tensor<float> values;  // [texts, dim], final
  std::int64_t tokens = 0;   // tokens the model read, all texts together
};

class SentenceService {
 public:
  SentenceService(const ek::SentenceEncoder& model, std::string model_id, Batcher& batcher,
                  std::int64_t max_client_batch_size, std::int64_t max_batch_tokens,
                  std::int64_t max_concurrent_requests, Metrics& metrics)
      : model_(model), id_(std::move(model_id)), batcher_(batcher),
        max_client_batch_(max_client_batch_size), max_batch_tokens_(max_batch_tokens),
        max_concurrent_(max_concurrent_requests), metrics_(metrics) {}

  const std::string& model_id() const noexcept { return id_; }

  // POST /embed -> [[f32, ...], ...]
  std::string embed(std::string_view body) const {
    const json::Value v = parse_object(body);
    const Embeddings e = run(read_embed(v));
    return rows(e.values);
  }

  // POST /v1/embeddings -> {"object": "list", "data": [...], "model": ..., "usage": {...}}
  std::string openai(std::string_view body) const {
    const json::Value v = parse_object(body);
    EmbedRequest r;
    r.texts = read_inputs(v, "input");
    r.dimensions = read_dimensions(v);
    bool base64 = false;
    if (const json::Value* f = v.find("encoding_format"); f && !f->is_null()) {
      const std::string& s = string_field(*f, "encoding_format");
      if (s == "base64") {
        base64 = true;
      } else if (s != "float") {
        throw HttpError(422, "validation",
                        "encoding_format \"" + s + "\" is not one of \"float\", \"base64\"");
      }
    }
    std::string model = id_;
    if (const json::Value* m = v.find("model"); m && !m->is_null()) model = string_field(*m, "model");
    const Embeddings e = run(r);
    std::string out = "{\"object\":\"list\",\"data\":[";
    const std::int64_t n = e.values.size(0), d = e.values.size(1);
    for (std::int64_t i = 0; i < n; ++i) {
      if (i) out += ',';
      out += "{\"object\":\"embedding\",\"index\":" + std::to_string(i) + ",\"embedding\":";
      const std::span<const float> row(e.values.data() + i * d, static_cast<std::size_t>(d));
      if (base64) {
        out += '"' + base64_floats(row) + '"';
      } else {
        append_floats(out, row);
      }
      out += '}';
    }
    out += "],\"model\":" + json::dump(json::Value(valid_utf8(model))) + ",\"usage\":{\"prompt_tokens\":" +
           std::to_string(e.tokens) + ",\"total_tokens\":" + std::to_string(e.tokens) + "}}";
    return out;
  }

  // POST /invocations with Content-Type application/json: /embed's request; the response is
  // /embed's (Accept application/json) or one {"embedding": [...]} per line (jsonlines).
  std::string invocations_json(std::string_view body, bool jsonlines) const {
    const json::Value v = parse_object(body);
    const Embeddings e = run(read_embed(v));
    return jsonlines ? lines(e.values) : rows(e.values);
  }
  // POST /invocations with one text per line (text/plain, or {"text": ...} JSON Lines, read by
  // the caller), /embed's defaults.
  std::string invocations_texts(std::vector<std::string> texts, bool jsonlines) const {
    EmbedRequest r;
    r.texts = std::move(texts);
    if (r.texts.empty()) throw HttpError(400, "empty", "the body holds no text");
    if (static_cast<std::int64_t>(r.texts.size()) > max_client_batch_) {
      throw HttpError(413, "validation",
                      "batch size " + std::to_string(r.texts.size()) +
                          " > maximum allowed batch size " + std::to_string(max_client_batch_));
    }
    const Embeddings e = run(r);
    return jsonlines ? lines(e.values) : rows(e.values);
  }

  // POST /tokenize -> [[{"id", "text", "special", "start", "stop"}, ...], ...]. The tokens of
  // each input as the model's tokenizer sees it, without truncation; start and stop are byte
  // offsets into the input; the [CLS] and [SEP] added around it are special, with text "[CLS]"
  // / "[SEP]" and offsets 0.
  std::string tokenize(std::string_view body) const {
    const json::Value v = parse_object(body);
    const std::vector<std::string> texts = read_inputs(v, "inputs");
    ek::TokenizeOptions t;
    t.max_length = std::numeric_limits<std::int64_t>::max();
    if (const json::Value* a = v.find("add_special_tokens"); a && !a->is_null())
      t.add_special_tokens = bool_field(*a, "add_special_tokens");
    json::Array out;
    for (const std::string& text : texts) {
      ek::Encoding e;
      try {
        e = model_.tokenizer().encode_with_offsets(text, t);
      } catch (const ek::error& err) {
        throw HttpError(422, "tokenizer", err.what());
      }
      json::Array tokens;
      for (std::size_t k = 0; k < e.ids.size(); ++k) {
        const auto [b, s] = e.offsets[k];
        const bool special = t.add_special_tokens && (k == 0 || k + 1 == e.ids.size()) && b == 0 && s == 0;
        json::Object tok;
        tok.insert("id", json::Value(e.ids[k]));
        tok.insert("text", json::Value(special ? model_.tokenizer().vocabulary().token(e.ids[k])
                                               : valid_utf8(std::string_view(text).substr(b, s - b))));
        tok.insert("special", json::Value(special));
        tok.insert("start", json::Value(static_cast<std::int64_t>(b)));
        tok.insert("stop", json::Value(static_cast<std::int64_t>(s)));
        tokens.emplace_back(std::move(tok));
      }
      out.emplace_back(std::move(tokens));
    }
    return json::dump(json::Value(std::move(out)));
  }

  // GET /info: TEI's fields.
  std::string info() const {
    std::string pooling;
    for (const ek::PoolingMode m : model_.folder().pooling.modes)
      pooling += (pooling.empty() ? "" : "+") + std::string(ek::name(m));
    json::Object embedding;
    embedding.insert("pooling", json::Value(pooling));
    json::Object type;
    type.insert("embedding", json::Value(std::move(embedding)));
    json::Object o;
    o.insert("model_id", json::Value(valid_utf8(id_)));
    o.insert("model_sha", json::Value());
    o.insert("model_dtype", json::Value("float32"));
    o.insert("model_type", json::Value(std::move(type)));
    o.insert("max_concurrent_requests", json::Value(max_concurrent_));
    o.insert("max_input_length", json::Value(model_.max_seq_length()));
    o.insert("max_batch_tokens", json::Value(max_batch_tokens_));
    o.insert("max_batch_requests", json::Value());
    o.insert("max_client_batch_size", json::Value(max_client_batch_));
    o.insert("auto_truncate", json::Value(false));
    o.insert("tokenization_workers", json::Value(1));
    o.insert("dimension", json::Value(model_.dimension()));
    json::Array prompts;
    for (const auto& [name, text] : model_.prompts()) prompts.emplace_back(name);
    o.insert("prompts", json::Value(std::move(prompts)));
    o.insert("version", json::Value("embedkit-serve 0.1.0"));
    return json::dump(json::Value(std::move(o)));
  }

 private:
  static json::Value parse_object(std::string_view body) {
    json::Value v;
    try {
      v = json::parse(body);
    } catch (const ek::error& e) {
      throw HttpError(400, "empty", std::string("the body is not valid JSON: ") + e.what());
    }
    if (!v.is_object()) {
      throw HttpError(422, "validation",
                      std::string("the body must be a JSON object, found ") + json::describe(v.kind()));
    }
    return v;
  }

  static const std::string& string_field(const json::Value& v, const char* name) {
    if (!v.is_string()) {
      throw HttpError(422, "validation",
                      std::string(name) + " must be a string, found " + json::describe(v.kind()));
    }
    return v.as_string();
  }
  static bool bool_field(const json::Value& v, const char* name) {
    if (!v.is_bool()) {
      throw HttpError(422, "validation",
                      std::string(name) + " must be true or false, found " + json::describe(v.kind()));
    }
    return v.as_bool();
  }

  // `inputs` / `input`: a string or a list of strings.
  std::vector<std::string> read_inputs(const json::Value& v, const char* key) const {
    const json::Value* in = v.find(key);
    if (in == nullptr) throw HttpError(422, "validation", std::string("missing field `") + key + "`");
    std::vector<std::string> texts;
    if (in->is_string()) {
      texts.push_back(in->as_string());
    } else if (in->is_array()) {
      const json::Array& a = in->as_array();
      if (a.empty()) throw HttpError(400, "empty", std::string("`") + key + "` cannot be empty");
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) {
          throw HttpError(422, "validation",
                          std::string("`") + key + "`[" + std::to_string(i) + "] must be a string, found " +
                              json::describe(a[i].kind()));
        }
        texts.push_back(a[i].as_string());
      }
    } else {
      throw HttpError(422, "validation",
                      std::string("`") + key + "` must be a string or a list of strings, found " +
                          json::describe(in->kind()));
    }
    if (static_cast<std::int64_t>(texts.size()) > max_client_batch_) {
      throw HttpError(413, "validation",
                      "batch size " + std::to_string(texts.size()) + " > maximum allowed batch size " +
                          std::to_string(max_client_batch_));
    }
    return texts;
  }

  std::optional<std::int64_t> read_dimensions(const json::Value& v) const {
    const json::Value* d = v.find("dimensions");
    if (d == nullptr || d->is_null()) return std::nullopt;
    if (!d->is_integer()) {
      throw HttpError(422, "validation",
                      std::string("dimensions must be an integer, found ") + json::describe(d->kind()));
    }
    const bool in_range = d->kind() == json::Kind::int64 && d->as_int64() >= 1 &&
                          d->as_int64() <= model_.dimension();
    if (!in_range) {
      throw HttpError(422, "validation",
                      "dimensions " + json::dump(*d) + " is out of range [1, " +
                          std::to_string(model_.dimension()) + "] (the model's dimension)");
    }
    return d->as_int64();
  }

  EmbedRequest read_embed(const json::Value& v) const {
    EmbedRequest r;
    r.texts = read_inputs(v, "inputs");
    if (const json::Value* f = v.find("normalize"); f && !f->is_null()) r.normalize = bool_field(*f, "normalize");
    if (const json::Value* f = v.find("truncate"); f && !f->is_null()) r.truncate = bool_field(*f, "truncate");
    if (const json::Value* f = v.find("truncation_direction"); f && !f->is_null()) {
      std::string s = string_field(*f, "truncation_direction");
      for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      if (s == "left") {
        r.side = ek::TruncationSide::left;
      } else if (s != "right") {
        throw HttpError(422, "validation",
                        "truncation_direction \"" + f->as_string() + "\" is not one of \"right\", \"left\"");
      }
    }
    if (const json::Value* f = v.find("prompt_name"); f && !f->is_null()) r.prompt_name = string_field(*f, "prompt_name");
    r.dimensions = read_dimensions(v);
    return r;
  }

  // Validation, the batch queue, then dimensions and normalisation.
  Embeddings run(const EmbedRequest& r) const {
    std::string prompt;
    if (r.prompt_name) {
      const auto it = model_.prompts().find(*r.prompt_name);
      if (it == model_.prompts().end()) {
        std::string names;
        for (const auto& [n, t] : model_.prompts()) names += (names.empty() ? "\"" : ", \"") + n + "\"";
        throw HttpError(422, "validation",
                        "prompt_name \"" + *r.prompt_name + "\" is not one of the model's prompts (" +
                            (names.empty() ? std::string("it has none") : names) + ")");
      }
      prompt = it->second;
    } else if (const auto& d = model_.folder().default_prompt_name) {
      prompt = model_.prompts().at(*d);
    }
    Embeddings out;
    std::int64_t longest = 1;
    std::vector<std::int64_t> lengths;
    lengths.reserve(r.texts.size());
    for (std::size_t i = 0; i < r.texts.size(); ++i) {
      std::int64_t n = 0;
      try {
        n = model_.count_tokens(prompt + r.texts[i]);
      } catch (const ek::error& e) {
        throw HttpError(422, "tokenizer", "input " + std::to_string(i) + ": " + e.what());
      }
      if (n > model_.max_seq_length()) {
        if (!r.truncate) {
          throw HttpError(413, "validation",
                          "input " + std::to_string(i) + " has " + std::to_string(n) +
                              " tokens; `inputs` must have at most " +
                              std::to_string(model_.max_seq_length()) +
                              " tokens (or set truncate to true)");
        }
        n = model_.max_seq_length();
      }
      longest = std::max(longest, n);
      out.tokens += n;
      lengths.push_back(n);
    }
    metrics_.input_lengths(lengths);
    auto future = batcher_.submit(r.texts, prompt, r.side, longest);
    ek::Tensor<float> raw;
    try {
      raw = future.get();
    } catch (const std::exception& e) {
      throw HttpError(424, "backend", e.what());
    }
    const std::int64_t n = raw.size(0), full = raw.size(1);
    const std::int64_t dim = r.dimensions ? std::min(*r.dimensions, full) : full;
    if (dim != full) {
      auto cut = ek::Tensor<float>::empty(ek::Shape{n, dim});
      for (std::int64_t b = 0; b < n; ++b) std::copy_n(raw.data() + b * full, dim, cut.data() + b * dim);
      raw = std::move(cut);
    }
    if (r.normalize && n > 0) ek::normalize(raw);
    out.values = std::move(raw);
    return out;
  }

  static std::string rows(const ek::Tensor<float>& e) {
    const std::int64_t n = e.size(0), d = e.size(1);
    std::string out = "[";
    out.reserve(static_cast<std::size_t>(n * d * 12 + 2));
    for (std::int64_t i = 0; i < n; ++i) {
      if (i) out += ',';
      append_floats(out, {e.data() + i * d, static_cast<std::size_t>(d)});
    }
    out += ']';
    return out;
  }
  static std::string lines(const ek::Tensor<float>& e) {
    const std::int64_t n = e.size(0), d = e.size(1);
    std::string out;
    for (std::int64_t i = 0; i < n; ++i) {
      out += "{\"embedding\":";
      append_floats(out, {e.data() + i * d, static_cast<std::size_t>(d)});
      out += "}\n";
    }
    return out;
  }

  const ek::SentenceEncoder& model_;
  std::string id_;
  Batcher& batcher_;
  std::int64_t max_client_batch_, max_batch_tokens_, max_concurrent_;
  Metrics& metrics_;
};

}  // namespace embedkit_serve
