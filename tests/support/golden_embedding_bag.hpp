// EmbeddingBag against PyTorch on any backend: every case under tests/data/embedding_bag
// (tests/golden/make_bag_fixtures.py) and the quantized sums under tests/data/quantized
// (tests/golden/make_quantized_fixtures.py), run through EmbeddingBag<T, B>. Inputs go to B's
// memory, results come back to the host: tests/nn runs it on ek::cpu, tests/cuda on ek::cuda.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

#include "support/backend_data.hpp"
#include "support/compare.hpp"
#include "support/fixture.hpp"

namespace embedkit_test::golden {

// The first of `names` the fixture has (a float-accumulated or documented-rule reference
// before torch's own result).
inline const Array& preferred(const Fixture& fx, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (fx.has(n)) return fx.at(n);
  }
  return fx.at(*names.begin());
}

template <class B, class T, class I>
void bag_case(const Fixture& fx) {
  namespace ek = embedkit;
  using O = typename ek::EmbeddingBag<T, B>::output_type;
  // The bag kernels accumulate with fused multiply-adds, in another order than PyTorch.
  const auto close = [](const auto& got, const Array& want, const std::string& what) {
    check_close<T>(got.data(), want, what, tolerance<T>(4e-6));
  };
  const Array& w = fx.at("weight");
  const auto weight = on<B>(w.as<T>(), shape_of(w));
  const auto input = on<B>(fx.at("input").as<I>(), shape_of(fx.at("input")));
  const bool has_offsets = fx.has("offsets");
  const auto offsets = has_offsets ? on<B>(fx.at("offsets").as<I>(), shape_of(fx.at("offsets")))
                                   : ek::Tensor<I, B>();
  const bool weighted = fx.has("per_sample_weights");
  const auto psw = weighted ? on<B>(fx.at("per_sample_weights").as<O>(), input.shape()) : ek::Tensor<O, B>();
  const auto grad_output = on<B>(fx.at("grad_output").as<O>(), shape_of(fx.at("grad_output")));

  ek::EmbeddingBagOptions opt;
  opt.mode = static_cast<ek::Mode>(fx.at("mode").ints.at(0));
  if (fx.has("padding_idx")) opt.padding_idx = fx.at("padding_idx").ints.at(0);
  if (fx.has("max_norm")) opt.max_norm = fx.at("max_norm").values.at(0);
  if (fx.has("norm_type")) opt.norm_type = fx.at("norm_type").values.at(0);
  if (fx.has("scale_grad_by_freq")) opt.scale_grad_by_freq = fx.at("scale_grad_by_freq").ints.at(0);
  if (fx.has("include_last_offset")) opt.include_last_offset = fx.at("include_last_offset").ints.at(0);
  auto bag = ek::EmbeddingBag<T, B>::from_pretrained(weight.cview(), opt, /*freeze=*/false);

  const ek::TensorView<const I> iv = input.cview();
  const ek::TensorView<const I> ov = offsets.cview();
  const ek::TensorView<const O> pv = weighted ? psw.cview() : ek::TensorView<const O>();
  const ek::TensorView<const O> gv = grad_output.cview();

  ek::Tensor<std::int64_t, B> argmax;
  ek::Tensor<std::int64_t, B>* want_argmax = opt.mode == ek::Mode::max ? &argmax : nullptr;
  const ek::Tensor<O> y = host(has_offsets ? bag.forward(iv, ov, pv, want_argmax) : bag.forward(iv, pv, want_argmax));
  CHECK(y.shape() == shape_of(fx.at("output")));
  close(y, preferred(fx, {"output_f32acc", "output"}), "output");
  close(host_of<B>(bag.weight()), fx.at("weight_after"), "weight_after");

  if (fx.has("max_indices")) {
    const auto want = fx.at("max_indices").as<std::int64_t>();
    const ek::Tensor<std::int64_t> got = host(argmax);
    REQUIRE(got.numel() == static_cast<std::int64_t>(want.size()));
    std::int64_t bad = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      // torch reports 0 for an empty bag's columns; embedkit reports -1 (no row).
      const std::int64_t g = got[static_cast<std::int64_t>(i)];
      if (!(g == want[i] || (g == -1 && want[i] == 0))) ++bad;
    }
    CHECK(bad == 0);
  }

  // The table gradient. scale_grad_by_freq: the documented rule (PyTorch 1.13's CPU bag
  // backward divides by the wrong row's count; see the fixture's comment).
  const auto gw = host(has_offsets ? bag.backward(iv, ov, gv, pv, argmax.cview()) : bag.backward(iv, gv, pv, argmax.cview()));
  close(gw, preferred(fx, {"grad_weight_row_freq", "grad_weight_f32acc", "grad_weight"}), "grad_weight");
  const auto sg = has_offsets ? bag.backward_sparse(iv, ov, gv, pv) : bag.backward_sparse(iv, gv, pv);
  const auto want_rows = fx.at("sparse_rows").as<std::int64_t>();
  REQUIRE(sg.nnz() == static_cast<std::int64_t>(want_rows.size()));
  CHECK(elements(host(sg.rows)) == want_rows);
  close(host(sg.values), preferred(fx, {"sparse_values_row_freq", "sparse_values_f32acc", "sparse_values"}),
        "sparse_values");

  if (fx.has("grad_per_sample_weights")) {
    const auto gp = host(has_offsets ? bag.backward_per_sample_weights(iv, ov, gv, pv)
                                     : bag.backward_per_sample_weights(iv, gv, pv));
    close(gp, preferred(fx, {"grad_per_sample_weights_f32acc", "grad_per_sample_weights"}),
          "grad_per_sample_weights");
  }
}

template <class B, class T>
void bag_case_for_index_type(const Fixture& fx) {
  if (fx.at("input").dtype == "i32") {
    bag_case<B, T, std::int32_t>(fx);
  } else {
    bag_case<B, T, std::int64_t>(fx);
  }
}

// One SUBCASE per fixture named in tests/data/embedding_bag/cases.txt.
template <class B>
void bag_cases() {
  const auto cases = read_lines(data_path("embedding_bag/cases.txt"));
  REQUIRE(cases.size() >= 40);
  for (const std::string& name : cases) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(data_path("embedding_bag/" + name + ".txt"));
      const std::string& dt = fx.at("weight").dtype;
      if (dt == "f32") bag_case_for_index_type<B, float>(fx);
      else if (dt == "f64") bag_case_for_index_type<B, double>(fx);
      else if (dt == "f16") bag_case_for_index_type<B, embedkit::half>(fx);
      else if (dt == "bf16") bag_case_for_index_type<B, embedkit::bfloat16>(fx);
      else FAIL("unknown weight dtype " << dt);
    }
  }
}

// The sums of PyTorch's quantized embedding_bag ops over rows it packed: the table is built on
// the host from the packed bytes and moved to B by from_pretrained.
template <class B, class Q>
void quantized_sums(const Fixture& fx, const char* packed, const char* sum, const char* weighted) {
  namespace ek = embedkit;
  const std::int64_t dim = fx.at("weight").shape[1];
  const Array& pa = fx.at(packed);
  const auto bytes = pa.as<std::uint8_t>();
  const auto table = ek::QuantizedTable<Q>::from_packed(
      ek::TensorView<const std::uint8_t>(bytes.data(), {pa.shape[0], pa.shape[1]}), dim);
  auto bag = ek::EmbeddingBag<Q, B>::from_pretrained(table, {.mode = ek::Mode::sum});
  const auto input = on<B>(fx.at("input").as<std::int64_t>());
  const auto offsets = on<B>(fx.at("offsets").as<std::int64_t>());
  const auto psw = on<B>(fx.at("per_sample_weights").as<float>(), input.shape());
  for (int pass = 0; pass < 2; ++pass) {
    const ek::Tensor<float> y = host(pass == 0 ? bag.forward(input.cview(), offsets.cview())
                                               : bag.forward(input.cview(), offsets.cview(), psw.cview()));
    const Array& want = fx.at(pass == 0 ? sum : weighted);
    REQUIRE(y.numel() == want.numel());
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < y.numel(); ++i) {
      const double t = want.values[static_cast<std::size_t>(i)];
      if (!(std::abs(y[i] - t) <= 1e-5 * (1 + std::abs(t)))) ++bad;
    }
    CHECK_MESSAGE(bad == 0, (pass == 0 ? sum : weighted));
  }
}

// One SUBCASE per fixture named in tests/data/quantized/cases.txt, for q8 and q4.
template <class B>
void quantized_cases() {
  const auto cases = read_lines(data_path("quantized/cases.txt"));
  REQUIRE(!cases.empty());
  for (const std::string& name : cases) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(data_path("quantized/" + name + ".txt"));
      quantized_sums<B, embedkit::q8>(fx, "q8_packed", "q8_sum", "q8_weighted_sum");
      quantized_sums<B, embedkit::q4>(fx, "q4_packed", "q4_sum", "q4_weighted_sum");
    }
  }
}

}  // namespace embedkit_test::golden
