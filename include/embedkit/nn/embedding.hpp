// Embedding<T, Backend>: a lookup table, with the behaviour of torch.nn.Embedding (padding_idx,
// max_norm/norm_type, scale_grad_by_freq, dense and row-sparse gradients) and Keras' Embedding
// (mask_zero, initializers). The class holds what does not depend on the device (options,
// shapes, validation); every kernel is reached through the Backend policy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/nn/detail/checks.hpp"
#include "embedkit/nn/init.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit {

struct EmbeddingOptions {
  // A row that is left out of gradients (and of mask()). Negative values count from the end.
  // A table built by the (rows, dim) constructor gets this row zeroed; pretrained tables keep
  // it as given, as in PyTorch.
  std::optional<std::int64_t> padding_idx = std::nullopt;
  // When set, forward() rescales in place every referenced row whose norm_type-norm exceeds
  // max_norm to max_norm / (norm + 1e-7) of itself (PyTorch's rule).
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  // Divide each row's gradient by the number of times its index occurs in the batch.
  bool scale_grad_by_freq = false;
  // Keras: mask() is false where the index is 0.
  bool mask_zero = false;
  // The initializer of a fresh table: PyTorch's normal(0, 1) by default; Keras' default is
  // init::uniform(-0.05, 0.05).
  init::Initializer init = init::normal(0.0, 1.0);
  // Seed of the initializer; unset: the next seed of the per-process sequence (manual_seed).
  std::optional<std::uint64_t> seed = std::nullopt;
  // Gradients are sums taken in a fixed order: the same bits on every run. false lets a
  // backend that can (cuda) add them with atomics instead, faster for skewed indices but with
  // last-bit differences from run to run. The cpu backend is always deterministic.
  bool deterministic = true;
};

template <class T = float, class Backend = cpu>
class Embedding : public WithParameters<Embedding<T, Backend>> {
  static_assert(FloatStorage<T> && !std::is_const_v<T>,
                "Embedding stores float, double, ek::half or ek::bfloat16");

 public:
  using value_type = T;
  using backend_type = Backend;
  using Options = EmbeddingOptions;

  // A fresh [num_embeddings, dim] table drawn from options.init; the padding row is zeroed.
  // The draw happens on the host, so every backend starts from the same table for one seed.
  Embedding(std::int64_t num_embeddings, std::int64_t dim, Options options = {})
      : options_(std::move(options)), rows_(num_embeddings), dim_(dim) {
    validate_options();
    auto host = Tensor<T, cpu>::empty({num_embeddings, dim});
    init::fill(host.view(), options_.init, options_.seed ? *options_.seed : next_seed());
    if (padding_row_ >= 0) std::fill_n(host.data() + padding_row_ * dim_, dim_, T(0.0f));
    weight_ = Parameter<T, Backend>(to<Backend>(std::move(host)));
  }

  // A table holding a copy of `weight` ([rows, dim]). As torch.nn.Embedding.from_pretrained:
  // the padding row is not zeroed, and the table is frozen unless freeze = false.
  static Embedding from_pretrained(TensorView<const T> weight, Options options = {},
                                   bool freeze = true) {
    detail::check_table_shape("Embedding::from_pretrained", weight.shape());
    return Embedding(Tensor<T, Backend>::copy_of(weight), std::move(options), freeze);
  }
  static Embedding from_pretrained(Tensor<T, Backend> weight, Options options = {},
                                   bool freeze = true) {
    detail::check_table_shape("Embedding::from_pretrained", weight.shape());
    return Embedding(std::move(weight), std::move(options), freeze);
  }

  // A table over the caller's memory, without a copy; the memory must outlive the layer.
  // max_norm renormalises rows of that memory in place (as PyTorch, which shares the tensor).
  static Embedding wrap(TensorView<T> weight, Options options = {}, bool freeze = true) {
    detail::check_table_shape("Embedding::wrap", weight.shape());
    return Embedding(Parameter<T, Backend>::wrap(weight, freeze), std::move(options));
  }
  // Read-only memory (e.g. a memory-mapped file): max_norm is refused, since it must write.
  static Embedding wrap(TensorView<const T> weight, Options options = {}, bool freeze = true) {
    detail::check_table_shape("Embedding::wrap", weight.shape());
    detail::check_read_only_table("Embedding::wrap", options.max_norm.has_value());
    return Embedding(Parameter<T, Backend>::wrap(weight, freeze), std::move(options));
  }

  // Copies are deep for owned tables and share wrapped memory (Parameter's rules).
  Embedding(const Embedding&) = default;
  Embedding(Embedding&&) noexcept = default;
  Embedding& operator=(const Embedding&) = default;
  Embedding& operator=(Embedding&&) noexcept = default;
  ~Embedding() = default;

  std::int64_t num_embeddings() const noexcept { return rows_; }
  std::int64_t embedding_dim() const noexcept { return dim_; }
  const Options& options() const noexcept { return options_; }
  // padding_idx resolved to a row in [0, rows), or -1.
  std::int64_t padding_row() const noexcept { return padding_row_; }
  bool owns_table() const noexcept { return weight_.owns(); }

  TensorView<const T> weight() const { return weight_.view(); }
  // The table for writing (an optimizer step, a custom constraint).
  TensorView<T> mutable_weight() { return weight_.mutable_view("Embedding"); }

  bool frozen() const noexcept { return weight_.frozen(); }
  void freeze(bool on = true) noexcept { weight_.freeze(on); }

  // Looks up every index: output shape indices.shape + [dim]. Indices are int32 or int64 of
  // any rank (rank 0: one row). With max_norm, referenced rows are first renormalised in place.
  // Thread safety: without max_norm, forward only reads the table and may run concurrently;
  // with max_norm it writes the table and calls on one layer must not overlap.
  template <class I>
    requires IndexType<I>
  Tensor<T, Backend> forward(TensorView<I> indices) const {
    const TensorView<const I> idx(indices);
    check_indices(idx, "Embedding::forward");
    if (options_.max_norm) {
      Backend::rows::renorm(weight_.data(), dim_, idx, *options_.max_norm, options_.norm_type);
    }
    auto out = Tensor<T, Backend>::empty(idx.shape().append(dim_));
    Backend::embedding::gather(weight_.data(), dim_, idx, out.data());
    return out;
  }
  template <class I>
    requires IndexType<I>
  Tensor<T, Backend> forward(const Tensor<I, Backend>& indices) const {
    return forward(indices.cview());
  }

  // Keras' compute_mask: false where the index is 0 (mask_zero) or padding_idx; true otherwise.
  template <class I>
    requires IndexType<I>
  Tensor<bool, Backend> mask(TensorView<I> indices) const {
    const TensorView<const I> idx(indices);
    check_indices(idx, "Embedding::mask");
    auto out = Tensor<bool, Backend>::empty(idx.shape());
    Backend::embedding::mask(idx, options_.mask_zero ? 0 : -1, padding_row_, out.data());
    return out;
  }

  // The gradient of the table for an upstream gradient of the output (shape indices.shape +
  // [dim]), dense [rows, dim]. The padding row gets none; scale_grad_by_freq divides each
  // row's sum by its count in `indices`.
  template <class I>
    requires IndexType<I>
  Tensor<T, Backend> backward(TensorView<I> indices, TensorView<const T> grad_output) const {
    const SparseGrad<T, Backend> g = backward_sparse(indices, grad_output);
    auto dense = Tensor<T, Backend>::empty({rows_, dim_});
    Backend::rows::scatter(g, dense.data());
    return dense;
  }

  // The same gradient, row-sparse and coalesced: distinct rows (ascending) and their sums.
  // scale_grad_by_freq is allowed here too (PyTorch refuses the combination).
  template <class I>
    requires IndexType<I>
  SparseGrad<T, Backend> backward_sparse(TensorView<I> indices,
                                         TensorView<const T> grad_output) const {
    const TensorView<const I> idx(indices);
    weight_.require_trainable("Embedding::backward");
    check_indices(idx, "Embedding::backward");
    const Shape expected = idx.shape().append(dim_);
    if (!(grad_output.shape() == expected)) {
      detail::raise<shape_error>("Embedding::backward: grad_output has shape " +
                                 grad_output.shape().str() + ", expected " + expected.str() +
                                 " (indices shape + [dim])");
    }
    return Backend::embedding::backward(idx, grad_output.data(), dim_, rows_, padding_row_,
                             options_.scale_grad_by_freq, options_.deterministic);
  }

 private:
  friend class WithParameters<Embedding>;

  // The parameters by their PyTorch state-dict names (visit_parameters): "weight".
  template <class Self, class F>
  static void parameters(Self& self, F& f) {
    f("weight", self.weight_);
  }

  Embedding(Tensor<T, Backend> owned, Options options, bool freeze)
      : Embedding(Parameter<T, Backend>(std::move(owned), freeze), std::move(options)) {}
  Embedding(Parameter<T, Backend> weight, Options options)
      : options_(std::move(options)),
        weight_(std::move(weight)),
        rows_(weight_.size(0)),
        dim_(weight_.size(1)) {
    validate_options();
  }

  void validate_options() {
    padding_row_ = detail::resolve_padding_idx("Embedding", options_.padding_idx, rows_);
    detail::check_max_norm("Embedding", options_.max_norm, options_.norm_type);
  }

  template <class I>
  void check_indices(TensorView<const I> idx, const char* where) const {
    const detail::IndexFault f = Backend::index::first_bad(idx, rows_);
    if (f.position >= 0) detail::raise_bad_index(where, f.value, f.position, idx.shape(), rows_);
  }

  Options options_;
  Parameter<T, Backend> weight_;
  std::int64_t rows_ = 0;
  std::int64_t dim_ = 0;
  std::int64_t padding_row_ = -1;
};

}  // namespace embedkit
