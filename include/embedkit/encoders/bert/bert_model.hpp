// BasicBertModel<Backend>: Hugging Face's BertModel (eval mode) on embedkit's backend ops, the
// transformer of sentence-transformers' BERT models.
//
//   x = LayerNorm(word[ids] + token_type[0] + position[t])                       (embeddings)
//   per layer (post-LN):
//     x = LayerNorm(x + Wo · attention(x Wqkvᵀ + bqkv) + bo)                     (one GEMM for Q, K, V)
//     x = LayerNorm(x + W2 · act(W1 x + b1) + b2)                                 (act: exact gelu)
//
// Attention covers each sequence's real tokens only (keys past its length get probability 0,
// as HF's additive mask gives); its scores exist for one (sequence, head) at a time per thread.
// Residual sums are GEMMs accumulating into x, so a layer allocates nothing per token beyond
// its QKV, context and intermediate buffers. Every hidden state (the embeddings' output and
// each layer's) can be had: hidden_states(), or forward(..., layers) to stop early.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "embedkit/backend/common/attention.hpp"
#include "embedkit/backend/common/gemm.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/checked.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/encoders/bert/config.hpp"
#include "embedkit/encoders/bert/weights.hpp"
#include "embedkit/io/safetensors.hpp"

namespace embedkit {

template <class Backend = cpu>
class BasicBertModel {
 public:
  using backend_type = Backend;

  BasicBertModel(BertConfig config, detail::BertWeights<Backend> weights)
      : config_(config), w_(std::move(weights)) {}

  // config.json + model.safetensors of a folder (pytorch_model.bin is not read: the error says
  // how to convert it).
  static BasicBertModel load(const std::filesystem::path& dir) {
    const BertConfig config = BertConfig::load(dir / "config.json");
    const std::filesystem::path file = dir / "model.safetensors";
    if (!std::filesystem::exists(file)) {
      if (std::filesystem::exists(dir / "pytorch_model.bin")) {
        detail::raise<io_error>(
            (dir / "pytorch_model.bin").string() +
            ": embedkit reads weights from model.safetensors only (pytorch_model.bin is a "
            "pickle); convert it once, e.g. in Python: "
            "SentenceTransformer(path).save(path, safe_serialization=True), or "
            "safetensors.torch.save_file(torch.load(bin), 'model.safetensors')");
      }
      detail::raise<io_error>(file.string() + ": no such file (the transformer's weights)");
    }
    const io::SafeTensors st = io::SafeTensors::open(file);
    return BasicBertModel(config, detail::load_bert_weights<Backend>(st, config, file.string()));
  }

  const BertConfig& config() const noexcept { return config_; }
  std::int64_t hidden_size() const noexcept { return config_.hidden_size; }
  std::int64_t num_layers() const noexcept { return config_.num_hidden_layers; }

  // The hidden state after the embeddings and the first `layers` blocks (default: all),
  // [B, L, H] in Backend memory. ids: host [B, L] (positions past a sequence's length hold any
  // valid id, the pad id usually); lengths: host, one per sequence, in [0, L].
  Tensor<float, Backend> forward(TensorView<const std::int64_t> ids,
                                 std::span<const std::int64_t> lengths,
                                 std::optional<std::int64_t> layers = std::nullopt) const {
    const std::int64_t n = layers.value_or(config_.num_hidden_layers);
    if (n < 0 || n > config_.num_hidden_layers) {
      detail::raise<value_error>("BertModel::forward: layers = " + std::to_string(n) +
                                 " is out of range [0, " +
                                 std::to_string(config_.num_hidden_layers) + "]");
    }
    Tensor<float, Backend> x = embed(ids, lengths);
    Scratch s = scratch(lengths);
    for (std::int64_t i = 0; i < n; ++i) layer(i, x, s);
    return x;
  }

  // Every hidden state: [0] the embeddings' output, [i] layer i's, as HF's
  // output_hidden_states (num_layers + 1 tensors [B, L, H]).
  std::vector<Tensor<float, Backend>> hidden_states(TensorView<const std::int64_t> ids,
                                                    std::span<const std::int64_t> lengths) const {
    std::vector<Tensor<float, Backend>> out;
    Tensor<float, Backend> x = embed(ids, lengths);
    Scratch s = scratch(lengths);
    out.push_back(x);
    for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i) {
      layer(i, x, s);
      out.push_back(x);
    }
    return out;
  }

 private:
  struct Scratch {
    Tensor<std::int64_t, Backend> lengths;  // the attention op reads them in Backend memory
    Tensor<float, Backend> qkv, context, inter;
  };

  static Scratch scratch(std::span<const std::int64_t> lengths) {
    Scratch s;
    s.lengths = to<Backend>(TensorView<const std::int64_t>(
        lengths.data(), Shape{static_cast<std::int64_t>(lengths.size())}));
    return s;
  }

  static void ensure(Tensor<float, Backend>& t, std::int64_t rows, std::int64_t cols) {
    if (!(t.shape() == Shape{rows, cols})) t = Tensor<float, Backend>::empty(Shape{rows, cols});
  }

  void check_batch(TensorView<const std::int64_t> ids, std::span<const std::int64_t> lengths) const {
    constexpr const char* where = "BertModel::forward";
    if (ids.rank() != 2) {
      detail::raise<shape_error>(std::string(where) + ": ids have shape " + ids.shape().str() +
                                 ", expected [batch, length]");
    }
    const std::int64_t B = ids.size(0), L = ids.size(1);
    if (static_cast<std::int64_t>(lengths.size()) != B) {
      detail::raise<shape_error>(std::string(where) + ": " + std::to_string(lengths.size()) +
                                 " lengths for " + std::to_string(B) + " sequences");
    }
    if (L > config_.max_position_embeddings) {
      detail::raise<value_error>(std::string(where) + ": sequences of " + std::to_string(L) +
                                 " tokens; the model has " +
                                 std::to_string(config_.max_position_embeddings) +
                                 " positions (max_position_embeddings)");
    }
    for (std::int64_t b = 0; b < B; ++b) {
      const std::int64_t len = lengths[static_cast<std::size_t>(b)];
      if (len < 0 || len > L) {
        detail::raise<value_error>(std::string(where) + ": lengths[" + std::to_string(b) +
                                   "] = " + std::to_string(len) + " is out of range [0, " +
                                   std::to_string(L) + "]");
      }
      for (std::int64_t t = 0; t < L; ++t) {
        const std::int64_t id = ids.data()[b * L + t];
        if (id < 0 || id >= config_.vocab_size) {
          detail::raise<index_error>(std::string(where) + ": token id " + std::to_string(id) +
                                     " at sequence " + std::to_string(b) + ", position " +
                                     std::to_string(t) + " is out of range [0, " +
                                     std::to_string(config_.vocab_size) + ") (vocab_size)");
        }
      }
    }
  }

  Tensor<float, Backend> embed(TensorView<const std::int64_t> ids,
                               std::span<const std::int64_t> lengths) const {
    check_batch(ids, lengths);
    const std::int64_t B = ids.size(0), L = ids.size(1), H = config_.hidden_size;
    auto x = Tensor<float, Backend>::empty(Shape{B, L, H});
    const std::int64_t n = detail::checked_mul(B * L, H, "BertModel::forward");
    if (n == 0) return x;
    const Tensor<std::int64_t, Backend> dev_ids = to<Backend>(ids);
    Backend::embedding::gather(w_.word.data(), H, dev_ids.cview().reshape(Shape{B * L}), x.data());
    // HF's order: (word + token_type) + position, then LayerNorm.
    Backend::pointwise::add_tiled(w_.token_type.data(), H, x.data(), n);
    Backend::pointwise::add_tiled(w_.position.data(), L * H, x.data(), n);
    Backend::pointwise::layer_norm(x.data(), B * L, H, w_.norm_weight.data(),
                                   w_.norm_bias.data(), config_.layer_norm_eps, x.data());
    return x;
  }

  void gemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, const float* w,
            const float* bias, float* c, bool accumulate) const {
    detail::GemmProblem<float> p;
    p.m = m, p.n = n, p.k = k;
    p.a = a, p.lda = k;
    p.b = w, p.ldb = k, p.b_transposed = true;
    p.c = c, p.ldc = n;
    p.bias = bias;
    p.accumulate = accumulate;
    Backend::gemm::gemm(p);
  }

  void layer(std::int64_t i, Tensor<float, Backend>& x, Scratch& s) const {
    const auto& l = w_.layers[static_cast<std::size_t>(i)];
    const std::int64_t B = x.size(0), L = x.size(1), H = config_.hidden_size,
                       I = config_.intermediate_size, R = B * L;
    if (R == 0) return;
    ensure(s.qkv, R, 3 * H);
    ensure(s.context, R, H);
    ensure(s.inter, R, I);
    gemm(R, 3 * H, H, x.data(), l.qkv_weight.data(), l.qkv_bias.data(), s.qkv.data(), false);
    attention(B, L, s.qkv.data(), s.lengths.data(), s.context.data());
    gemm(R, H, H, s.context.data(), l.attn_out_weight.data(), l.attn_out_bias.data(), x.data(), true);
    Backend::pointwise::layer_norm(x.data(), R, H, l.attn_norm_weight.data(),
                                   l.attn_norm_bias.data(), config_.layer_norm_eps, x.data());
    gemm(R, I, H, x.data(), l.inter_weight.data(), l.inter_bias.data(), s.inter.data(), false);
    Backend::pointwise::activate(config_.hidden_act, s.inter.data(), R * I);
    gemm(R, H, I, s.inter.data(), l.out_weight.data(), l.out_bias.data(), x.data(), true);
    Backend::pointwise::layer_norm(x.data(), R, H, l.out_norm_weight.data(),
                                   l.out_norm_bias.data(), config_.layer_norm_eps, x.data());
  }

  void attention(std::int64_t B, std::int64_t L, const float* qkv, const std::int64_t* lengths,
                 float* out) const {
    detail::AttentionProblem<float> p;
    p.batch = B, p.seq = L, p.heads = config_.num_attention_heads, p.head_dim = config_.head_dim();
    p.qkv = qkv, p.ld_qkv = 3 * config_.hidden_size;
    p.lengths = lengths;
    p.out = out, p.ld_out = config_.hidden_size;
    p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(config_.head_dim())));
    const detail::AttentionFault fault = Backend::attention::self_attention(p);
    if (!fault.ok()) detail::raise_bad_length("BertModel::forward", fault, L);
  }

  BertConfig config_;
  detail::BertWeights<Backend> w_;
};

using BertModel = BasicBertModel<cpu>;

}  // namespace embedkit
