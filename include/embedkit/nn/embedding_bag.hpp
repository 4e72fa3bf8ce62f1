// EmbeddingBag<T, Backend>: lookups reduced per bag (sum, mean, max), with the behaviour of
// torch.nn.EmbeddingBag (offsets, include_last_offset, fixed-length 2-D input, per_sample_weights,
// padding_idx, max_norm, scale_grad_by_freq, dense and row-sparse gradients) plus what its peers
// lack: weighted mean (TensorFlow's combiner), padding in every mode on the fast path, every
// offset validated, and quantized tables (ek::q8, ek::q4). Outputs are float (double for
// double tables).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "embedkit/backend/cpu.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/quantized.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/nn/detail/bag_checks.hpp"
#include "embedkit/nn/detail/checks.hpp"
#include "embedkit/nn/init.hpp"
#include "embedkit/nn/parameter.hpp"

namespace embedkit {
struct EmbeddingBagOptions {
  Mode mode = Mode::mean;  // PyTorch's default
  // Entries equal to this row are left out of the reduction and of mean's divisor.
  std::optional<std::int64_t> padding_idx = std::nullopt;
  // As Embedding: referenced rows whose norm exceeds max_norm are rescaled in place first.
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  // Divide each row's gradient by its number of occurrences in the input (not with max).
  bool scale_grad_by_freq = false;
  // offsets has bags + 1 entries; the last one ends the last bag (CSR style).
  bool include_last_offset = false;
  init::Initializer init = init::normal(0.0, 1.0);
  std::optional<std::uint64_t> seed = std::nullopt;
  // As Embedding: false lets the cuda backend sum gradients with atomics (cpu: always fixed order).
  bool deterministic = true;
};

template <class T = float, class Backend = cpu>
class EmbeddingBag : public WithParameters<EmbeddingBag<T, Backend>> {
  static_assert((FloatStorage<T> || Quantized<T>) && !std::is_const_v<T>,
                "EmbeddingBag stores float, double, ek::half, ek::bfloat16, ek::q8 or ek::q4");
  static constexpr bool quantized = Quantized<T>;
  using traits = detail::storage_traits<T>;
  using owned_type = typename Parameter<T, Backend>::storage_type;

 public:
  using value_type = T;
  using backend_type = Backend;
  using Options = EmbeddingBagOptions;
  using output_type = typename traits::acc;                      // float, or double
  using grad_type = std::conditional_t<quantized, float, T>;     // type of the table gradient

  // A fresh [num_embeddings, dim] table drawn from options.init (quantized after drawing for
  // q8/q4); the padding row is zeroed. The draw happens on the host, so every backend starts
  // from the same table for one seed.
  EmbeddingBag(std::int64_t num_embeddings, std::int64_t dim, Options options = {})
      : options_(std::move(options)), rows_(num_embeddings), dim_(dim) {
    using Draw = std::conditional_t<quantized, float, T>;
    auto t = Tensor<Draw, cpu>::empty({num_embeddings, dim});
    init::fill(t.view(), options_.init, options_.seed ? *options_.seed : next_seed());
    const std::int64_t pad = detail::resolve_padding_idx("EmbeddingBag", options_.padding_idx, rows_);
    if (pad >= 0) std::fill_n(t.data() + pad * dim, dim, Draw(0.0f));
    if constexpr (quantized) {
      adopt(Parameter<T, Backend>(to<Backend>(quantize<T>(t.cview()))));
    } else {
      adopt(Parameter<T, Backend>(to<Backend>(std::move(t))));
    }
  }

  // A copy of a [rows, dim] table of the storage type (float types).
  static EmbeddingBag from_pretrained(TensorView<const T> weight, Options options = {},
                                      bool freeze = true)
    requires FloatStorage<T>
  {
    detail::check_table_shape("EmbeddingBag::from_pretrained", weight.shape());
    return EmbeddingBag(Tensor<T, Backend>::copy_of(weight), std::move(options), freeze);
  }

  // A float table converted to the storage type: rounded (double, half, bfloat16) or quantized
  // row-wise (q8, q4).
  static EmbeddingBag from_pretrained(TensorView<const float> weight, Options options = {},
                                      bool freeze = true)
    requires(!std::is_same_v<T, float>)
  {
    detail::check_table_shape("EmbeddingBag::from_pretrained", weight.shape());
    // Converted on the host (a one-time cost; the rounding is the one the cpu tests prove).
    const auto host = detail::host_copy<Backend>(weight);
    if constexpr (quantized) {
      return EmbeddingBag(to<Backend>(quantize<T>(host.cview())), std::move(options), freeze);
    } else {
      auto t = Tensor<T, cpu>::empty(weight.shape());
      for (std::int64_t i = 0; i < weight.numel(); ++i) t[i] = convert<T>(host[i]);
      return EmbeddingBag(to<Backend>(std::move(t)), std::move(options), freeze);
    }
  }

  // A quantized table as it is (e.g. rows packed by PyTorch's prepack ops), from any backend's
  // memory (a host table is copied to this backend's).
  template <class Q = T, class From = Backend>
    requires Quantized<Q>
  static EmbeddingBag from_pretrained(QuantizedTable<Q, From> table, Options options = {},
                                      bool freeze = true) {
    if constexpr (std::is_same_v<From, Backend>) {
      return EmbeddingBag(std::move(table), std::move(options), freeze);
    } else {
      return EmbeddingBag(to<Backend>(table), std::move(options), freeze);
    }
  }

  // The caller's memory without a copy (float types); max_norm writes through it.
  static EmbeddingBag wrap(TensorView<T> weight, Options options = {}, bool freeze = true)
    requires FloatStorage<T>
  {
    detail::check_table_shape("EmbeddingBag::wrap", weight.shape());
    return EmbeddingBag(Parameter<T, Backend>::wrap(weight, freeze), std::move(options));
  }
  static EmbeddingBag wrap(TensorView<const T> weight, Options options = {}, bool freeze = true)
    requires FloatStorage<T>
  {
    detail::check_table_shape("EmbeddingBag::wrap", weight.shape());
    detail::check_read_only_table("EmbeddingBag::wrap", options.max_norm.has_value());
    return EmbeddingBag(Parameter<T, Backend>::wrap(weight, freeze), std::move(options));
  }

  // Copies are deep for owned tables and share wrapped memory (Parameter's rules).
  EmbeddingBag(const EmbeddingBag&) = default;
  EmbeddingBag(EmbeddingBag&&) noexcept = default;
  EmbeddingBag& operator=(const EmbeddingBag&) = default;
  EmbeddingBag& operator=(EmbeddingBag&&) noexcept = default;
  ~EmbeddingBag() = default;

  std::int64_t num_embeddings() const noexcept { return rows_; }
  std::int64_t embedding_dim() const noexcept { return dim_; }
  const Options& options() const noexcept { return options_; }
  std::int64_t padding_row() const noexcept { return padding_row_; }
  bool owns_table() const noexcept { return weight_.owns(); }
  bool frozen() const noexcept { return weight_.frozen(); }
  void freeze(bool on = true) noexcept { weight_.freeze(on); }

  // The table (float types).
  TensorView<const T> weight() const
    requires FloatStorage<T>
  {
    return weight_.view();
  }
  TensorView<T> mutable_weight()
    requires FloatStorage<T>
  {
    return weight_.mutable_view("EmbeddingBag");
  }
  // The quantized table (q8, q4).
  template <class Q = T>
    requires Quantized<Q>
  const QuantizedTable<Q, Backend>& table() const {
    return weight_.quantized_table();
  }

  // Bags given by offsets into a 1-D input: bag b is input[offsets[b] : offsets[b + 1]] (the
  // last bag runs to the end of the input, or to offsets[bags] with include_last_offset).
  // per_sample_weights (same shape as input) weight each entry in sum and mean modes.
  // max_indices, when given in max mode, receives the argmax row per (bag, column) (-1 for
  // empty bags) for backward.
  template <class I, class J>
    requires IndexType<I> && IndexType<J>
  Tensor<output_type, Backend> forward(TensorView<I> input, TensorView<J> offsets,
                                       TensorView<const output_type> per_sample_weights = {},
                                       Tensor<std::int64_t, Backend>* max_indices = nullptr) const {
    auto p = problem("EmbeddingBag::forward", TensorView<const I>(input), TensorView<const J>(offsets),
                     per_sample_weights);
    return run_forward(p, max_indices);
  }

  // Fixed-length bags: a 2-D input [bags, length].
  template <class I>
    requires IndexType<I>
  Tensor<output_type, Backend> forward(TensorView<I> input,
                                       TensorView<const output_type> per_sample_weights = {},
                                       Tensor<std::int64_t, Backend>* max_indices = nullptr) const {
    auto p = problem("EmbeddingBag::forward", TensorView<const I>(input), per_sample_weights);
    return run_forward(p, max_indices);
  }

  // forward() into a caller-owned [bags, dim] output: no allocation in steady state (serving
  // loops, benchmarks).
  template <class I, class J>
    requires IndexType<I> && IndexType<J>
  void forward_into(TensorView<output_type> out, TensorView<I> input, TensorView<J> offsets,
                    TensorView<const output_type> per_sample_weights = {},
                    Tensor<std::int64_t, Backend>* max_indices = nullptr) const {
    auto p = problem("EmbeddingBag::forward_into", TensorView<const I>(input), TensorView<const J>(offsets),
                     per_sample_weights);
    run_forward_into(p, out, max_indices);
  }
  template <class I>
    requires IndexType<I>
  void forward_into(TensorView<output_type> out, TensorView<I> input,
                    TensorView<const output_type> per_sample_weights = {},
                    Tensor<std::int64_t, Backend>* max_indices = nullptr) const {
    auto p = problem("EmbeddingBag::forward_into", TensorView<const I>(input), per_sample_weights);
    run_forward_into(p, out, max_indices);
  }

  // The dense table gradient [rows, dim] for grad_output [bags, dim]. Max mode routes each
  // element to its argmax row: pass forward's max_indices, or leave it empty to recompute them.
  template <class I, class J>
    requires IndexType<I> && IndexType<J>
  Tensor<grad_type, Backend> backward(TensorView<I> input, TensorView<J> offsets,
                                      TensorView<const output_type> grad_output,
                                      TensorView<const output_type> per_sample_weights = {},
                                      TensorView<const std::int64_t> max_indices = {}) const {
    return densify(backward_sparse(input, offsets, grad_output, per_sample_weights, max_indices));
  }
  template <class I>
    requires IndexType<I>
  Tensor<grad_type, Backend> backward(TensorView<I> input, TensorView<const output_type> grad_output,
                                      TensorView<const output_type> per_sample_weights = {},
                                      TensorView<const std::int64_t> max_indices = {}) const {
    return densify(backward_sparse(input, grad_output, per_sample_weights, max_indices));
  }

  // The same gradient, row-sparse: every distinct non-padding row of the input (ascending)
  // with its summed gradient (zero rows included for max mode's non-argmax rows).
  template <class I, class J>
    requires IndexType<I> && IndexType<J>
  SparseGrad<grad_type, Backend> backward_sparse(TensorView<I> input, TensorView<J> offsets,
                                                 TensorView<const output_type> grad_output,
                                                 TensorView<const output_type> per_sample_weights = {},
                                                 TensorView<const std::int64_t> max_indices = {}) const {
    auto p = problem("EmbeddingBag::backward", TensorView<const I>(input), TensorView<const J>(offsets),
                     per_sample_weights);
    return run_backward(p, grad_output, max_indices);
  }
  template <class I>
    requires IndexType<I>
  SparseGrad<grad_type, Backend> backward_sparse(TensorView<I> input,
                                                 TensorView<const output_type> grad_output,
                                                 TensorView<const output_type> per_sample_weights = {},
                                                 TensorView<const std::int64_t> max_indices = {}) const {
    auto p = problem("EmbeddingBag::backward", TensorView<const I>(input), per_sample_weights);
    return run_backward(p, grad_output, max_indices);
  }

  // d loss / d per_sample_weights (shape of the input): sum mode, dot(grad_output[bag], row);
  // weighted mean, the derivative of the weighted average.
  template <class I, class J>
    requires IndexType<I> && IndexType<J>
  Tensor<output_type, Backend> backward_per_sample_weights(
      TensorView<I> input, TensorView<J> offsets, TensorView<const output_type> grad_output,
      TensorView<const output_type> per_sample_weights) const {
    auto p = problem("EmbeddingBag::backward_per_sample_weights", TensorView<const I>(input),
                     TensorView<const J>(offsets), per_sample_weights);
    return run_weights_backward(p, grad_output, per_sample_weights);
  }
  template <class I>
    requires IndexType<I>
  Tensor<output_type, Backend> backward_per_sample_weights(
      TensorView<I> input, TensorView<const output_type> grad_output,
      TensorView<const output_type> per_sample_weights) const {
    auto p = problem("EmbeddingBag::backward_per_sample_weights", TensorView<const I>(input),
                     per_sample_weights);
    return run_weights_backward(p, grad_output, per_sample_weights);
  }

 private:
  friend class WithParameters<EmbeddingBag>;

  // The parameters by their PyTorch state-dict names (visit_parameters): "weight".
  template <class Self, class F>
  static void parameters(Self& self, F& f) {
    f("weight", self.weight_);
  }

  template <class I, class J>
  using Problem = detail::BagProblem<T, I, J>;

  EmbeddingBag(owned_type owned, Options options, bool freeze) : options_(std::move(options)) {
    adopt(Parameter<T, Backend>(std::move(owned), freeze));
  }
  EmbeddingBag(Parameter<T, Backend> weight, Options options) : options_(std::move(options)) {
    adopt(std::move(weight));
  }

  void adopt(Parameter<T, Backend> weight) {
    weight_ = std::move(weight);
    rows_ = weight_.size(0);
    dim_ = weight_.size(1);
    validate_options();
  }

  // The table's row bytes, as the kernels read them.
  std::uint8_t* table_bytes() const noexcept { return reinterpret_cast<std::uint8_t*>(weight_.data()); }

  void validate_options() {
    padding_row_ = detail::resolve_padding_idx("EmbeddingBag", options_.padding_idx, rows_);
    detail::check_max_norm("EmbeddingBag", options_.max_norm, options_.norm_type);
    detail::check_bag_options("EmbeddingBag", options_.mode, options_.scale_grad_by_freq,
                              options_.max_norm.has_value(), quantized);
  }

  template <class I, class J>
  Problem<I, J> base_problem(TensorView<const I> input, const J* offsets, std::int64_t offsets_count,
                             std::int64_t fixed, std::int64_t bags,
                             TensorView<const output_type> psw, const char* where) const {
    detail::check_per_sample_weights(where, options_.mode, psw.shape(), psw.data() != nullptr,
                                     input.shape());
    Problem<I, J> p;
    p.table = table_bytes();
    p.rows = rows_;
    p.dim = dim_;
    p.stride = traits::row_bytes(dim_);
    p.indices = input.data();
    p.n = input.numel();
    p.offsets = offsets;
    p.offsets_count = offsets_count;
    p.fixed = fixed;
    p.bags = bags;
    p.weights = psw.data() ? psw.data() : nullptr;
    p.mode = options_.mode;
    p.padding_row = padding_row_;
    return p;
  }

  template <class I, class J>
  Problem<I, J> problem(const char* where, TensorView<const I> input, TensorView<const J> offsets,
                        TensorView<const output_type> psw) const {
    const std::int64_t bags =
        detail::check_bag_input(where, input.shape(), offsets.shape(), options_.include_last_offset);
    const detail::OffsetFault f = Backend::bag::check_offsets(offsets, input.numel());
    if (f.kind != detail::OffsetFault::none) {
      detail::raise_bad_offset(where, f, input.numel(), options_.include_last_offset);
    }
    // Entries in no bag (all of them when there are no offsets; with include_last_offset, those
    // after offsets[bags]) are never read by the kernel, but are still checked: bad data is
    // reported wherever it is.
    std::int64_t end = input.numel();
    if (offsets.numel() == 0) {
      end = 0;
    } else if (options_.include_last_offset) {
      end = static_cast<std::int64_t>(Backend::memory::load(offsets.data() + offsets.numel() - 1));
    }
    if (end < input.numel()) {
      const TensorView<const I> rest(input.data() + end, {input.numel() - end});
      const detail::IndexFault g = Backend::index::first_bad(rest, rows_);
      if (g.position >= 0) {
        detail::raise_bad_bag_index(where, g.value, end + g.position, -1, rows_);
      }
    }
    return base_problem<I, J>(input, offsets.data(), offsets.numel(), 0, bags, psw, where);
  }

  template <class I>
  Problem<I, std::int64_t> problem(const char* where, TensorView<const I> input,
                                   TensorView<const output_type> psw) const {
    if (input.rank() != 2) {
      detail::raise<shape_error>(std::string(where) + ": input of shape " + input.shape().str() +
                                 " needs offsets; only a 2-D input [bags, length] may omit them");
    }
    return base_problem<I, std::int64_t>(input, nullptr, 0, input.shape()[1], input.shape()[0], psw,
                                         where);
  }

  template <class I, class J>
  Tensor<output_type, Backend> run_forward(Problem<I, J>& p,
                                           Tensor<std::int64_t, Backend>* max_indices) const {
    auto out = Tensor<output_type, Backend>::empty({p.bags, dim_});
    run_forward_into(p, out.view(), max_indices);
    return out;
  }

  template <class I, class J>
  void run_forward_into(Problem<I, J>& p, TensorView<output_type> out,
                        Tensor<std::int64_t, Backend>* max_indices) const {
    if (!(out.shape() == Shape{p.bags, dim_})) {
      detail::raise<shape_error>("EmbeddingBag::forward_into: the output has shape " + out.shape().str() +
                                 ", expected " + Shape{p.bags, dim_}.str() + " ([bags, dim])");
    }
    if (options_.max_norm) {
      // Renormalisation writes rows: every index is checked before any write.
      const TensorView<const I> all(p.indices, {p.n});
      const detail::IndexFault g = Backend::index::first_bad(all, rows_);
      if (g.position >= 0) detail::raise_bad_bag_index("EmbeddingBag::forward", g.value, g.position, -1, rows_);
      if constexpr (!quantized) {  // refused at construction for quantized tables
        Backend::rows::renorm(weight_.data(), dim_, all, *options_.max_norm, options_.norm_type);
      }
    }
    p.out = out.data();
    if (options_.mode == Mode::max && max_indices) {
      *max_indices = Tensor<std::int64_t, Backend>::empty({p.bags, dim_});
      p.argmax = max_indices->data();
    }
    const detail::BagFault f = Backend::bag::forward(p);
    if (f.position >= 0) detail::raise_bad_bag_index("EmbeddingBag::forward", f.value, f.position, f.bag, rows_);
  }

  template <class I, class J>
  SparseGrad<grad_type, Backend> run_backward(Problem<I, J>& p, TensorView<const output_type> grad_output,
                                              TensorView<const std::int64_t> max_indices) const {
    weight_.require_trainable("EmbeddingBag::backward");
    detail::check_grad_output("EmbeddingBag::backward", grad_output.shape(), p.bags, dim_);
    Tensor<std::int64_t, Backend> recomputed;
    const std::int64_t* argmax = max_indices.data();
    if (options_.mode == Mode::max) {
      if (max_indices.data() == nullptr) {
        run_forward(p, &recomputed);
        argmax = recomputed.data();
      } else if (!(max_indices.shape() == Shape{p.bags, dim_})) {
        detail::raise<shape_error>("EmbeddingBag::backward: max_indices has shape " +
                                   max_indices.shape().str() + ", expected " + Shape{p.bags, dim_}.str());
      } else {
        validate_indices(p);  // the recomputing forward above checks them itself
        // The caller's max indices route gradients: each must be a row of its bag.
        const detail::ArgmaxFault f = Backend::bag::check_argmax(p, max_indices.data());
        if (f.element >= 0) detail::raise_bad_max_index("EmbeddingBag::backward", f, dim_);
      }
    } else {
      validate_indices(p);
    }
    return Backend::bag::template backward<grad_type>(p, grad_output.data(), argmax,
                                                      options_.scale_grad_by_freq,
                                                      options_.deterministic);
  }

  template <class I, class J>
  Tensor<output_type, Backend> run_weights_backward(Problem<I, J>& p,
                                                    TensorView<const output_type> grad_output,
                                                    TensorView<const output_type> psw) const {
    if (psw.data() == nullptr) {
      detail::raise<value_error>(
          "EmbeddingBag::backward_per_sample_weights: per_sample_weights are required");
    }
    detail::check_grad_output("EmbeddingBag::backward_per_sample_weights", grad_output.shape(), p.bags, dim_);
    validate_indices(p);
    return Backend::bag::weights_backward(p, grad_output.data());
  }

  // Backward reads rows and scatters into them: indices are checked first, in one pass.
  template <class I, class J>
  void validate_indices(const Problem<I, J>& p) const {
    const detail::IndexFault g = Backend::index::first_bad(TensorView<const I>(p.indices, {p.n}), rows_);
    if (g.position >= 0) detail::raise_bad_bag_index("EmbeddingBag::backward", g.value, g.position, -1, rows_);
  }

  Tensor<grad_type, Backend> densify(const SparseGrad<grad_type, Backend>& g) const {
    auto dense = Tensor<grad_type, Backend>::empty({rows_, dim_});
    Backend::rows::scatter(g, dense.data());
    return dense;
  }

  Options options_;
  Parameter<T, Backend> weight_;
  std::int64_t rows_ = 0;
  std::int64_t dim_ = 0;
  std::int64_t padding_row_ = -1;
};

}  // namespace embedkit
