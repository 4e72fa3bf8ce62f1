// The weights of a BERT encoder in the layout the forward pass wants, read from a safetensors
// file written by Hugging Face (names with or without the "bert." prefix, old checkpoints'
// LayerNorm.gamma / .beta, F32 / F16 / BF16 / F64 converted to float). Query, key and value
// projections are stacked into one [3H, H] matrix at load, so that a layer makes one GEMM of
// them. pooler.* and heads of pre-training checkpoints (cls.*) are not used.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/encoders/bert/config.hpp"
#include "embedkit/io/safetensors.hpp"

namespace embedkit::detail {

template <class Backend>
struct BertLayerWeights {
  Tensor<float, Backend> qkv_weight, qkv_bias;              // [3H, H], [3H]
  Tensor<float, Backend> attn_out_weight, attn_out_bias;    // [H, H], [H]
  Tensor<float, Backend> attn_norm_weight, attn_norm_bias;  // [H]
  Tensor<float, Backend> inter_weight, inter_bias;          // [I, H], [I]
  Tensor<float, Backend> out_weight, out_bias;              // [H, I], [H]
  Tensor<float, Backend> out_norm_weight, out_norm_bias;    // [H]
};

template <class Backend>
struct BertWeights {
  Tensor<float, Backend> word, position, token_type;  // [V, H], [P, H], [T, H]
  Tensor<float, Backend> norm_weight, norm_bias;       // [H]
  std::vector<BertLayerWeights<Backend>> layers;
};

// Reads tensors by their HF names from one file, checking each shape.
class BertTensorReader {
 public:
  BertTensorReader(const io::SafeTensors& st, std::string file) : st_(st), file_(std::move(file)) {
    // A checkpoint saved from BertModel has bare names; one saved from a task model (or by
    // older tools) has them under "bert.".
    prefix_ = st.contains("embeddings.word_embeddings.weight") ? "" : "bert.";
  }

  Tensor<float> get(const std::string& name, const Shape& shape) const {
    const std::string full = resolve(name);
    Tensor<float> t = st_.get<float>(full);
    if (!(t.shape() == shape)) {
      raise<shape_error>(file_ + ": tensor \"" + full + "\" has shape " + t.shape().str() +
                         ", expected " + shape.str() + " from config.json");
    }
    return t;
  }

 private:
  // The name as stored: with the file's prefix, and LayerNorm.weight / .bias falling back to
  // the gamma / beta of checkpoints from the TensorFlow era.
  std::string resolve(const std::string& name) const {
    std::string full = prefix_ + name;
    if (st_.contains(full)) return full;
    for (const auto& [modern, old] : {std::pair<std::string_view, std::string_view>{"LayerNorm.weight", "LayerNorm.gamma"},
                                      {"LayerNorm.bias", "LayerNorm.beta"}}) {
      if (full.ends_with(modern)) {
        std::string alt = full.substr(0, full.size() - modern.size()) + std::string(old);
        if (st_.contains(alt)) return alt;
      }
    }
    raise<value_error>(file_ + ": no tensor \"" + full + "\", which a BERT model with this " +
                       "config.json has (the file holds " + std::to_string(st_.size()) +
                       " tensors" + (st_.size() > 0 ? ", e.g. \"" + st_.names().front() + "\"" : "") +
                       ")");
  }

  const io::SafeTensors& st_;
  std::string file_;
  std::string prefix_;
};

template <class Backend>
BertWeights<Backend> load_bert_weights(const io::SafeTensors& st, const BertConfig& c,
                                       const std::string& file) {
  const BertTensorReader r(st, file);
  const std::int64_t H = c.hidden_size, I = c.intermediate_size;
  const auto dev = [](Tensor<float> t) { return to<Backend>(std::move(t)); };
  BertWeights<Backend> w;
  w.word = dev(r.get("embeddings.word_embeddings.weight", Shape{c.vocab_size, H}));
  w.position = dev(r.get("embeddings.position_embeddings.weight", Shape{c.max_position_embeddings, H}));
  w.token_type = dev(r.get("embeddings.token_type_embeddings.weight", Shape{c.type_vocab_size, H}));
  w.norm_weight = dev(r.get("embeddings.LayerNorm.weight", Shape{H}));
  w.norm_bias = dev(r.get("embeddings.LayerNorm.bias", Shape{H}));
  w.layers.reserve(static_cast<std::size_t>(c.num_hidden_layers));
  for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    BertLayerWeights<Backend> l;
    auto qkv_w = Tensor<float>::empty(Shape{3 * H, H});
    auto qkv_b = Tensor<float>::empty(Shape{3 * H});
    const char* parts[] = {"query", "key", "value"};
    for (std::int64_t k = 0; k < 3; ++k) {
      const std::string n = p + "attention.self." + parts[k];
      const Tensor<float> wt = r.get(n + ".weight", Shape{H, H});
      const Tensor<float> bt = r.get(n + ".bias", Shape{H});
      std::copy(wt.data(), wt.data() + H * H, qkv_w.data() + k * H * H);
      std::copy(bt.data(), bt.data() + H, qkv_b.data() + k * H);
    }
    l.qkv_weight = dev(std::move(qkv_w));
    l.qkv_bias = dev(std::move(qkv_b));
    l.attn_out_weight = dev(r.get(p + "attention.output.dense.weight", Shape{H, H}));
    l.attn_out_bias = dev(r.get(p + "attention.output.dense.bias", Shape{H}));
    l.attn_norm_weight = dev(r.get(p + "attention.output.LayerNorm.weight", Shape{H}));
    l.attn_norm_bias = dev(r.get(p + "attention.output.LayerNorm.bias", Shape{H}));
    l.inter_weight = dev(r.get(p + "intermediate.dense.weight", Shape{I, H}));
    l.inter_bias = dev(r.get(p + "intermediate.dense.bias", Shape{I}));
    l.out_weight = dev(r.get(p + "output.dense.weight", Shape{H, I}));
    l.out_bias = dev(r.get(p + "output.dense.bias", Shape{H}));
    l.out_norm_weight = dev(r.get(p + "output.LayerNorm.weight", Shape{H}));
    l.out_norm_bias = dev(r.get(p + "output.LayerNorm.bias", Shape{H}));
    w.layers.push_back(std::move(l));
  }
  return w;
}

}  // namespace embedkit::detail
