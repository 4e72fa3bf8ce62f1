// EmbeddingBag against PyTorch: every case under tests/data/embedding_bag was written by
// tests/golden/make_bag_fixtures.py from torch.nn.functional.embedding_bag and its gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

#include "support/compare.hpp"
#include "support/fixture.hpp"

namespace ek = embedkit;
using embedkit_test::Array;
using embedkit_test::Fixture;

namespace {

// The bag kernels accumulate with fused multiply-adds, in another order than PyTorch.
template <class T, class V>
void check_close(const V* got, const Array& want, const std::string& what) {
  embedkit_test::check_close<T>(got, want, what, embedkit_test::tolerance<T>(4e-6));
}

const Array& preferred(const Fixture& fx, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (fx.has(n)) return fx.at(n);
  }
  return fx.at(*names.begin());
}

using embedkit_test::shape_of;

template <class T, class I>
void run_case(const Fixture& fx) {
  using O = typename ek::EmbeddingBag<T>::output_type;
  const Array& w = fx.at("weight");
  const std::vector<T> weight = w.as<T>();
  const std::vector<I> input = fx.at("input").as<I>();
  const bool has_offsets = fx.has("offsets");
  const std::vector<I> offsets = has_offsets ? fx.at("offsets").as<I>() : std::vector<I>{};
  const bool weighted = fx.has("per_sample_weights");
  const std::vector<O> psw = weighted ? fx.at("per_sample_weights").as<O>() : std::vector<O>{};
  const std::vector<O> grad_output = fx.at("grad_output").as<O>();

  ek::EmbeddingBagOptions opt;
  opt.mode = static_cast<ek::Mode>(fx.at("mode").ints.at(0));
  if (fx.has("padding_idx")) opt.padding_idx = fx.at("padding_idx").ints.at(0);
  if (fx.has("max_norm")) opt.max_norm = fx.at("max_norm").values.at(0);
  if (fx.has("norm_type")) opt.norm_type = fx.at("norm_type").values.at(0);
  if (fx.has("scale_grad_by_freq")) opt.scale_grad_by_freq = fx.at("scale_grad_by_freq").ints.at(0);
  if (fx.has("include_last_offset")) opt.include_last_offset = fx.at("include_last_offset").ints.at(0);

  auto bag = ek::EmbeddingBag<T>::from_pretrained(ek::TensorView<const T>(weight.data(), shape_of(w)), opt, false);
  const ek::TensorView<const I> iv(input.data(), shape_of(fx.at("input")));
  const ek::TensorView<const I> ov = has_offsets ? ek::TensorView<const I>(offsets.data(), shape_of(fx.at("offsets")))
                                                 : ek::TensorView<const I>();
  const ek::TensorView<const O> pv = weighted ? ek::TensorView<const O>(psw.data(), iv.shape()) : ek::TensorView<const O>();
  const ek::TensorView<const O> gv(grad_output.data(), shape_of(fx.at("grad_output")));

  ek::Tensor<std::int64_t> argmax;
  ek::Tensor<std::int64_t>* want_argmax = opt.mode == ek::Mode::max ? &argmax : nullptr;
  const ek::Tensor<O> y = has_offsets ? bag.forward(iv, ov, pv, want_argmax) : bag.forward(iv, pv, want_argmax);
  CHECK(y.shape() == shape_of(fx.at("output")));
  check_close<T>(y.data(), preferred(fx, {"output_f32acc", "output"}), "output");
  check_close<T>(bag.weight().data(), fx.at("weight_after"), "weight_after");

  if (fx.has("max_indices")) {
    const auto want = fx.at("max_indices").as<std::int64_t>();
    REQUIRE(argmax.numel() == static_cast<std::int64_t>(want.size()));
    std::int64_t bad = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      // torch reports 0 for an empty bag's columns; embedkit reports -1 (no row).
      const std::int64_t got = argmax[static_cast<std::int64_t>(i)];
      if (!(got == want[i] || (got == -1 && want[i] == 0))) ++bad;
    }
    CHECK(bad == 0);
  }

  // The table gradient. scale_grad_by_freq: the documented rule (PyTorch 1.13's CPU bag
  // backward divides by the wrong row's count; see the fixture's comment).
  const auto gw = has_offsets ? bag.backward(iv, ov, gv, pv, argmax.cview()) : bag.backward(iv, gv, pv, argmax.cview());
  check_close<T>(gw.data(), preferred(fx, {"grad_weight_row_freq", "grad_weight_f32acc", "grad_weight"}), "grad_weight");
  const auto sg = has_offsets ? bag.backward_sparse(iv, ov, gv, pv) : bag.backward_sparse(iv, gv, pv);
  const auto rows = fx.at("sparse_rows").as<std::int64_t>();
  REQUIRE(sg.nnz() == static_cast<std::int64_t>(rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) CHECK(sg.rows[static_cast<std::int64_t>(k)] == rows[k]);
  check_close<T>(sg.values.data(), preferred(fx, {"sparse_values_row_freq", "sparse_values_f32acc", "sparse_values"}),
                 "sparse_values");

  if (fx.has("grad_per_sample_weights")) {
    const auto gp = has_offsets ? bag.backward_per_sample_weights(iv, ov, gv, pv)
                                : bag.backward_per_sample_weights(iv, gv, pv);
    check_close<T>(gp.data(), preferred(fx, {"grad_per_sample_weights_f32acc", "grad_per_sample_weights"}),
                   "grad_per_sample_weights");
  }
}

template <class T>
void run_for_index_type(const Fixture& fx) {
  if (fx.at("input").dtype == "i32") {
    run_case<T, std::int32_t>(fx);
  } else {
    run_case<T, std::int64_t>(fx);
  }
}

}  // namespace

TEST_CASE("EmbeddingBag matches torch.nn.functional.embedding_bag on every golden case") {
  const auto cases = embedkit_test::read_lines(embedkit_test::data_path("embedding_bag/cases.txt"));
  REQUIRE(cases.size() >= 40);
  for (const std::string& name : cases) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(embedkit_test::data_path("embedding_bag/" + name + ".txt"));
      const std::string& dt = fx.at("weight").dtype;
      if (dt == "f32") run_for_index_type<float>(fx);
      else if (dt == "f64") run_for_index_type<double>(fx);
      else if (dt == "f16") run_for_index_type<ek::half>(fx);
      else if (dt == "bf16") run_for_index_type<ek::bfloat16>(fx);
      else FAIL("unknown weight dtype " << dt);
    }
  }
}
