// SequenceEncoder<Backend>: one of the three Object2Vec encoders behind one interface: embedded
// tokens [B, L, E] (zero rows at padding) and their batch -> encodings [B, enc_dim].
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/encoders/bilstm.hpp"
#include "embedkit/encoders/hcnn.hpp"
#include "embedkit/encoders/object2vec/hyperparameters.hpp"
#include "embedkit/encoders/pooled_embedding.hpp"
#include "embedkit/encoders/token_batch.hpp"

namespace embedkit {

template <class Backend = cpu>
class SequenceEncoder {
 public:
  // The encoder `h` describes, producing enc_dim values, with weights drawn from `seed`.
  SequenceEncoder(const EncoderHyperparameters& h, std::int64_t enc_dim, std::uint64_t seed)
      : impl_(make(h, enc_dim, seed)) {}

  // The number of blocks `layers` = auto (0) stands for, per network (docs/guide/encoders.md).
  static std::int64_t resolved_layers(const EncoderHyperparameters& h) {
    if (h.layers > 0) return h.layers;
    return h.network == EncoderNetwork::hcnn
               ? HcnnEncoder<Backend>::auto_layers(h.max_seq_len, h.cnn_filter_width)
               : 1;
  }

  std::int64_t output_dim() const {
    return std::visit([](const auto& e) { return e.output_dim(); }, impl_);
  }

  Tensor<float, Backend> encode(const Tensor<float, Backend>& x,
                                const TokenBatch<Backend>& batch) const {
    return std::visit([&](const auto& e) { return e.encode(x, batch); }, impl_);
  }

  template <class F>
  void visit_parameters(const std::string& prefix, F& f) {
    std::visit([&](auto& e) { e.visit_parameters(prefix, f); }, impl_);
  }

 private:
  using Impl =
      std::variant<PooledEmbeddingEncoder<Backend>, HcnnEncoder<Backend>, BiLstmEncoder<Backend>>;

  static Impl make(const EncoderHyperparameters& h, std::int64_t enc_dim, std::uint64_t seed) {
    switch (h.network) {
      case EncoderNetwork::pooled_embedding:
        return Impl(std::in_place_index<0>, h.token_embedding_dim, enc_dim, seed);
      case EncoderNetwork::hcnn:
        return Impl(std::in_place_index<1>, h.token_embedding_dim, enc_dim, resolved_layers(h),
                    h.cnn_filter_width, seed);
      case EncoderNetwork::bilstm:
        break;
    }
    return Impl(std::in_place_index<2>, h.token_embedding_dim, enc_dim, resolved_layers(h), seed);
  }

  Impl impl_;
};

}  // namespace embedkit
