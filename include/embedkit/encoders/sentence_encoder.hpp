// ek::SentenceEncoder: sentence embeddings from a sentence-transformers model folder, with
// SentenceTransformer(path).encode(sentences)'s numbers.
//
//   auto model = ek::SentenceEncoder::load("all-MiniLM-L6-v2");
//   std::vector<std::string> sentences = {"A man is eating food.", "A man is riding a horse."};
//   ek::Tensor<float> E = model.encode(sentences, {.batch_size = 16});   // [N, dim]
//   auto ids = model.tokenizer().encode("Hello, world!");               // [CLS] ... [SEP]
//
// The pipeline is the folder's (encoders/sentence/folder.hpp): BERT (encoders/bert/), Pooling,
// Dense and Normalize modules. encode() follows sentence-transformers: the prompt prepended,
// texts sorted by length (longest first) and batched in that order, each text stripped (and
// lowercased with do_lower_case) and tokenized with truncation to max_seq_length, the batch
// padded to its longest text, the modules run, the result cut to truncate_dim and normalised
// when asked, rows returned in input order. Attention and pooling see each text's own tokens
// only, so a text's embedding does not depend on the rest of its batch.
//
// Thread safety: a loaded model is immutable; any number of threads may call encode at once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/encoders/bert/bert_model.hpp"
#include "embedkit/encoders/sentence/detail/python_text.hpp"
#include "embedkit/encoders/sentence/folder.hpp"
#include "embedkit/encoders/sentence/quantize.hpp"
#include "embedkit/io/safetensors.hpp"
#include "embedkit/nn/activation.hpp"
#include "embedkit/nn/linear.hpp"
#include "embedkit/nn/normalize.hpp"
#include "embedkit/nn/pooling.hpp"
#include "embedkit/text/bert_tokenizer.hpp"
#include "embedkit/text/unicode.hpp"

namespace embedkit {

// sentence-transformers' encode() arguments (the same names and defaults), plus embedkit's
// hidden_layer and the truncation controls servers need.
struct SentenceEncodeOptions {
  std::int64_t batch_size = 32;
  bool normalize_embeddings = false;
  std::optional<std::int64_t> truncate_dim = std::nullopt;  // Matryoshka: keep the first k values
  std::optional<std::string> prompt_name = std::nullopt;    // a key of the folder's prompts
  std::optional<std::string> prompt = std::nullopt;         // a prompt text (wins over prompt_name)
  // Pool this hidden state instead of the last: 0 the embeddings' output, i layer i's, negative
  // from the end (-1 the last). Only the layers up to it run.
  std::optional<std::int64_t> hidden_layer = std::nullopt;
  Precision precision = Precision::float32;  // encode_quantized(); encode() takes float32 only
  bool truncate = true;                      // false: a text past max_seq_length is an error
  TruncationSide truncation_side = TruncationSide::right;
};

template <class Backend = cpu>
class BasicSentenceEncoder {
 public:
  using backend_type = Backend;

  // A sentence-transformers folder (or a Hugging Face BERT folder: then mean pooling).
  static BasicSentenceEncoder load(const std::filesystem::path& folder) {
    BasicSentenceEncoder m(SentenceFolder::read(folder));
    return m;
  }

  const BertTokenizer& tokenizer() const noexcept { return tokenizer_; }
  const BasicBertModel<Backend>& transformer() const noexcept { return bert_; }
  const SentenceFolder& folder() const noexcept { return folder_; }
  // Texts are cut to this many tokens, [CLS] and [SEP] included.
  std::int64_t max_seq_length() const noexcept { return max_seq_length_; }
  // The width of a sentence embedding (before truncate_dim).
  std::int64_t dimension() const noexcept { return dimension_; }
  // The width of a token embedding (the transformer's hidden size).
  std::int64_t hidden_size() const noexcept { return bert_.hidden_size(); }
  const std::map<std::string, std::string>& prompts() const noexcept { return folder_.prompts; }

  // Sentence embeddings [N, dim] (dim = truncate_dim when set), in input order.
  Tensor<float> encode(std::span<const std::string> sentences,
                       const SentenceEncodeOptions& options = {}) const {
    if (options.precision != Precision::float32) {
      detail::raise<value_error>(std::string("SentenceEncoder::encode: precision ") +
                                 precision_name(options.precision) +
                                 " gives integers; call encode_quantized, or use float32");
    }
    return run(sentences, options, nullptr);
  }
  Tensor<float> encode(std::span<const std::string_view> sentences,
                       const SentenceEncodeOptions& options = {}) const {
    return encode(std::vector<std::string>(sentences.begin(), sentences.end()), options);
  }
  Tensor<float> encode(std::initializer_list<std::string_view> sentences,
                       const SentenceEncodeOptions& options = {}) const {
    return encode(std::vector<std::string>(sentences.begin(), sentences.end()), options);
  }

  // The embeddings quantised to options.precision over the whole set (sentence-transformers
  // quantises after all batches); ranges [2, dim] for int8 / uint8, else the set's own.
  QuantizedEmbeddings encode_quantized(std::span<const std::string> sentences,
                                       const SentenceEncodeOptions& options,
                                       std::optional<TensorView<const float>> ranges = std::nullopt) const {
    if (options.precision == Precision::float32) {
      detail::raise<value_error>(
          "SentenceEncoder::encode_quantized: precision is float32; expected int8, uint8, "
          "binary or ubinary (encode() gives float32)");
    }
    const Tensor<float> e = run(sentences, options, nullptr);
    return quantize_embeddings(e.cview(), options.precision, ranges);
  }

  // Token embeddings (output_value="token_embeddings"): per text [tokens, hidden] of the chosen
  // hidden state, [CLS] and [SEP] included, padding left out.
  std::vector<Tensor<float>> encode_tokens(std::span<const std::string> sentences,
                                           const SentenceEncodeOptions& options = {}) const {
    std::vector<Tensor<float>> out(sentences.size());
    run(sentences, options, &out);
    return out;
  }

  // The token ids encode() feeds the transformer for one text (prompt, strip, lowercase and
  // truncation applied), and the prompt's length in tokens ([CLS] included).
  std::vector<std::int64_t> input_ids(std::string_view text, const SentenceEncodeOptions& options = {}) const {
    const Prepared p = prepare(options);
    return ids_of(std::string(p.prompt) + std::string(text), options, 0);
  }

  // How many tokens `text` has after tokenisation, before truncation (specials included).
  std::int64_t count_tokens(std::string_view text) const {
    TokenizeOptions t;
    t.max_length = std::numeric_limits<std::int64_t>::max();
    return static_cast<std::int64_t>(tokenizer_.encode(preprocess(text), t).size());
  }

 private:
  explicit BasicSentenceEncoder(SentenceFolder folder)
      : folder_(std::move(folder)),
        tokenizer_(BertTokenizer::load(folder_.transformer_dir)),
        bert_(BasicBertModel<Backend>::load(folder_.transformer_dir)) {
    const BertConfig& c = bert_.config();
    max_seq_length_ = folder_.max_seq_length.value_or(
        std::min<std::int64_t>(c.max_position_embeddings, tokenizer_.config().max_length));
    if (max_seq_length_ > c.max_position_embeddings) {
      detail::raise<value_error>(
          (folder_.transformer_dir / "sentence_bert_config.json").string() +
          ": max_seq_length " + std::to_string(max_seq_length_) + " exceeds the model's " +
          std::to_string(c.max_position_embeddings) + " positions (config.json " +
          "max_position_embeddings)");
    }
    if (max_seq_length_ < 2) {
      detail::raise<value_error>(folder_.transformer_dir.string() + ": max_seq_length " +
                                 std::to_string(max_seq_length_) +
                                 " leaves no room for [CLS] and [SEP]");
    }
    tokenizer_.set_max_length(max_seq_length_);
    if (tokenizer_.vocabulary().id_bound() > c.vocab_size) {
      detail::raise<value_error>(folder_.transformer_dir.string() + ": the tokenizer has ids up to " +
                                 std::to_string(tokenizer_.vocabulary().id_bound() - 1) +
                                 ", the model's vocab_size is " + std::to_string(c.vocab_size));
    }
    if (folder_.pooling.dimension != 0 && folder_.pooling.dimension != c.hidden_size) {
      detail::raise<value_error>("Pooling config.json: word_embedding_dimension " +
                                 std::to_string(folder_.pooling.dimension) +
                                 " differs from the transformer's hidden_size " +
                                 std::to_string(c.hidden_size));
    }
    pooling_.emplace(folder_.pooling);
    dimension_ = pooling_->output_dimension(c.hidden_size);
    for (const SentenceStep& s : folder_.steps) {
      if (s.kind != SentenceStep::Kind::dense) continue;
      const SentenceDenseConfig& d = s.dense;
      if (d.in_features != dimension_) {
        detail::raise<value_error>((d.dir / "config.json").string() + ": in_features " +
                                   std::to_string(d.in_features) + ", but the module before it gives " +
                                   std::to_string(dimension_) + " values");
      }
      dense_.push_back(load_dense(d));
      dimension_ = d.out_features;
    }
  }

  static Linear<float, Backend> load_dense(const SentenceDenseConfig& d) {
    const std::filesystem::path file = d.dir / "model.safetensors";
    if (!std::filesystem::exists(file)) {
      detail::raise<io_error>(file.string() + ": no such file" +
                              (std::filesystem::exists(d.dir / "pytorch_model.bin")
                                   ? std::string(" (embedkit reads safetensors, not pytorch_model.bin: "
                                                 "save the model again with safe_serialization=True)")
                                   : std::string()));
    }
    const io::SafeTensors st = io::SafeTensors::open(file);
    Linear<float, Backend> l(d.in_features, d.out_features, {.bias = d.bias, .seed = 0});
    l.visit_parameters([&](const std::string& name, auto& p) {
      const std::string stored = "linear." + name;
      if (!st.contains(stored)) {
        detail::raise<value_error>(file.string() + ": no tensor \"" + stored + "\" " +
                                   p.shape().str() + " (the Dense module's " + name + ")");
      }
      const Tensor<float> t = st.get<float>(stored);
      if (!(t.shape() == p.shape())) {
        detail::raise<shape_error>(file.string() + ": tensor \"" + stored + "\" has shape " +
                                   t.shape().str() + ", expected " + p.shape().str() +
                                   " from config.json");
      }
      p.assign(t.cview(), stored, "SentenceEncoder::load");
    });
    return l;
  }

  struct Prepared {
    std::string prompt;
    std::int64_t prompt_length = 0;  // tokens of the prompt, [CLS] included ([SEP] not)
    std::int64_t layers = 0;         // transformer layers to run
  };

  Prepared prepare(const SentenceEncodeOptions& o) const {
    constexpr const char* where = "SentenceEncoder::encode";
    if (o.batch_size < 1) {
      detail::raise<value_error>(std::string(where) + ": batch_size " + std::to_string(o.batch_size) +
                                 " must be at least 1");
    }
    if (o.truncate_dim && (*o.truncate_dim < 1)) {
      detail::raise<value_error>(std::string(where) + ": truncate_dim " +
                                 std::to_string(*o.truncate_dim) + " must be at least 1");
    }
    Prepared p;
    const std::int64_t L = bert_.num_layers();
    p.layers = L;
    if (o.hidden_layer) {
      const std::int64_t k = *o.hidden_layer < 0 ? L + 1 + *o.hidden_layer : *o.hidden_layer;
      if (k < 0 || k > L) {
        detail::raise<value_error>(std::string(where) + ": hidden_layer " +
                                   std::to_string(*o.hidden_layer) + " is out of range [" +
                                   std::to_string(-(L + 1)) + ", " + std::to_string(L) +
                                   "] (0: the embeddings, " + std::to_string(L) + ": the last layer)");
      }
      p.layers = k;
    }
    if (o.prompt) {
      p.prompt = *o.prompt;
    } else if (o.prompt_name) {
      const auto it = folder_.prompts.find(*o.prompt_name);
      if (it == folder_.prompts.end()) {
        std::string names;
        for (const auto& [n, t] : folder_.prompts) names += (names.empty() ? "" : ", ") + ("\"" + n + "\"");
        detail::raise<value_error>(std::string(where) + ": prompt_name \"" + *o.prompt_name +
                                   "\" is not one of the model's prompts (" +
                                   (names.empty() ? std::string("it has none") : names) + ")");
      }
      p.prompt = it->second;
    } else if (folder_.default_prompt_name) {
      p.prompt = folder_.prompts.at(*folder_.default_prompt_name);
    }
    if (!p.prompt.empty()) {
      // sentence-transformers: the prompt's tokenised length less its [SEP].
      p.prompt_length = static_cast<std::int64_t>(tokenizer_.encode(preprocess(p.prompt)).size()) - 1;
    }
    return p;
  }

  std::string preprocess(std::string_view text) const {
    const std::string_view stripped = detail::python_strip(text);
    return folder_.do_lower_case ? to_lower(stripped) : std::string(stripped);
  }

  std::vector<std::int64_t> ids_of(const std::string& text, const SentenceEncodeOptions& o,
                                   std::size_t index) const {
    TokenizeOptions t;
    t.truncation = o.truncation_side;
    if (!o.truncate) {
      t.max_length = std::numeric_limits<std::int64_t>::max();
      std::vector<std::int64_t> ids = tokenizer_.encode(preprocess(text), t);
      if (static_cast<std::int64_t>(ids.size()) > max_seq_length_) {
        detail::raise<value_error>("SentenceEncoder::encode: text " + std::to_string(index) +
                                   " has " + std::to_string(ids.size()) +
                                   " tokens, more than max_seq_length " +
                                   std::to_string(max_seq_length_) + " (truncation is off)");
      }
      return ids;
    }
    return tokenizer_.encode(preprocess(text), t);
  }

  // The whole of encode: sentence embeddings (returned), or token embeddings into *tokens.
  Tensor<float> run(std::span<const std::string> sentences, const SentenceEncodeOptions& o,
                    std::vector<Tensor<float>>* tokens) const {
    const Prepared p = prepare(o);
    const std::size_t N = sentences.size();
    std::int64_t dim = dimension_;
    if (o.truncate_dim) dim = std::min(dim, *o.truncate_dim);
    auto out = Tensor<float>::empty(Shape{static_cast<std::int64_t>(N), tokens ? 0 : dim});
    if (N == 0) return out;

    // Longest first by code points, as sentence-transformers sorts (ties keep input order).
    std::vector<std::string> texts(N);
    std::vector<std::int64_t> length(N);
    for (std::size_t i = 0; i < N; ++i) {
      texts[i] = p.prompt + sentences[i];
      length[i] = detail::python_length(texts[i]);
    }
    std::vector<std::size_t> order(N);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return length[a] > length[b]; });

    const auto batch = static_cast<std::size_t>(o.batch_size);
    for (std::size_t start = 0; start < N; start += batch) {
      const std::size_t B = std::min(batch, N - start);
      std::vector<std::vector<std::int64_t>> ids(B);
      std::vector<std::int64_t> lengths(B);
      std::int64_t L = 0;
      for (std::size_t b = 0; b < B; ++b) {
        const std::size_t i = order[start + b];
        ids[b] = ids_of(texts[i], o, i);
        lengths[b] = static_cast<std::int64_t>(ids[b].size());
        L = std::max(L, lengths[b]);
      }
      auto flat = Tensor<std::int64_t>::full(Shape{static_cast<std::int64_t>(B), L},
                                             tokenizer_.pad_id());
      for (std::size_t b = 0; b < B; ++b) {
        std::copy(ids[b].begin(), ids[b].end(), flat.data() + static_cast<std::int64_t>(b) * L);
      }
      const Tensor<float, Backend> hidden = bert_.forward(flat.cview(), lengths, p.layers);
      if (tokens) {
        const Tensor<float> host = to<cpu>(hidden);
        const std::int64_t H = bert_.hidden_size();
        for (std::size_t b = 0; b < B; ++b) {
          auto t = Tensor<float>::empty(Shape{lengths[b], H});
          const float* src = host.data() + static_cast<std::int64_t>(b) * L * H;
          std::copy(src, src + lengths[b] * H, t.data());
          (*tokens)[order[start + b]] = std::move(t);
        }
        continue;
      }
      const Tensor<float> e = sentence_embeddings(hidden, lengths, p.prompt_length, o, dim);
      for (std::size_t b = 0; b < B; ++b) {
        std::copy_n(e.data() + static_cast<std::int64_t>(b) * dim, dim,
                    out.data() + static_cast<std::int64_t>(order[start + b]) * dim);
      }
    }
    return out;
  }

  // Pooling, the Dense / Normalize modules, truncate_dim, normalize_embeddings: [B, dim] host.
  Tensor<float> sentence_embeddings(const Tensor<float, Backend>& hidden,
                                    std::span<const std::int64_t> lengths,
                                    std::int64_t prompt_length, const SentenceEncodeOptions& o,
                                    std::int64_t dim) const {
    Tensor<float, Backend> e = pooling_->forward(hidden.cview(), lengths, prompt_length);
    std::size_t next_dense = 0;
    for (const SentenceStep& s : folder_.steps) {
      if (s.kind == SentenceStep::Kind::dense) {
        e = dense_[next_dense++].forward(e);
        activate(s.dense.activation, e);
      } else {
        normalize(e);
      }
    }
    Tensor<float> host = to<cpu>(std::move(e));
    const std::int64_t B = host.size(0), full = host.size(1);
    if (dim != full) {
      auto cut = Tensor<float>::empty(Shape{B, dim});
      for (std::int64_t b = 0; b < B; ++b) std::copy_n(host.data() + b * full, dim, cut.data() + b * dim);
      host = std::move(cut);
    }
    if (o.normalize_embeddings) normalize(host);
    return host;
  }

  SentenceFolder folder_;
  BertTokenizer tokenizer_;
  BasicBertModel<Backend> bert_;
  std::optional<Pooling<float, Backend>> pooling_;
  std::vector<Linear<float, Backend>> dense_;
  std::int64_t max_seq_length_ = 0, dimension_ = 0;
};

using SentenceEncoder = BasicSentenceEncoder<cpu>;

}  // namespace embedkit
