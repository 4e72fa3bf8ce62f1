// Embedding against PyTorch on any backend: every case under tests/data/embedding (written by
// tests/golden/make_embedding_fixtures.py) run through Embedding<T, B>. Inputs are copied to B's memory
// and results back to the host, so the same walk checks ek::cpu (tests/nn) and ek::cuda
// (tests/cuda).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

#include "support/backend_data.hpp"
#include "support/compare.hpp"
#include "support/fixture.hpp"

namespace embedkit_test::golden {

template <class B, class T, class I>
void embedding_case(const Fixture& fx) {
  namespace ek = embedkit;
  const auto close = [](const auto& got, const Array& want, const std::string& what) {
    check_close<T>(got.data(), want, what, tolerance<T>());
  };
  const Array& w = fx.at("weight");
  const auto weight = on<B>(w.as<T>(), shape_of(w));
  const auto indices = on<B>(fx.at("indices").as<I>(), shape_of(fx.at("indices")));
  const auto grad_output = on<B>(fx.at("grad_output").as<T>(), shape_of(fx.at("grad_output")));

  ek::EmbeddingOptions opt;
  if (fx.has("padding_idx")) opt.padding_idx = fx.at("padding_idx").ints.at(0);
  if (fx.has("max_norm")) opt.max_norm = fx.at("max_norm").values.at(0);
  if (fx.has("norm_type")) opt.norm_type = fx.at("norm_type").values.at(0);
  if (fx.has("scale_grad_by_freq")) opt.scale_grad_by_freq = fx.at("scale_grad_by_freq").ints.at(0);
  auto emb = ek::Embedding<T, B>::from_pretrained(weight.cview(), opt, /*freeze=*/false);

  // Forward: output and, with max_norm, the table renormalised in place.
  const ek::Tensor<T> y = host(emb.forward(indices.cview()));
  CHECK(y.shape() == shape_of(fx.at("output")));
  close(y, fx.at("output"), "output");
  close(host_of<B>(emb.weight()), fx.at("weight_after"), "weight_after");

  // Backward, dense and row-sparse. 16-bit tables accumulate in float and round once: compare
  // with the float-accumulated reference where the fixture has one.
  const ek::Tensor<T> gw = host(emb.backward(indices.cview(), grad_output.cview()));
  CHECK(gw.shape() == shape_of(fx.at("grad_weight")));
  close(gw, fx.has("grad_weight_f32acc") ? fx.at("grad_weight_f32acc") : fx.at("grad_weight"), "grad_weight");

  const ek::SparseGrad<T, B> sg = emb.backward_sparse(indices.cview(), grad_output.cview());
  const std::vector<std::int64_t> want_rows = fx.at("sparse_rows").as<std::int64_t>();
  CHECK(sg.num_rows == emb.num_embeddings());
  REQUIRE(sg.nnz() == static_cast<std::int64_t>(want_rows.size()));
  CHECK(elements(host(sg.rows)) == want_rows);
  close(host(sg.values),
        fx.has("sparse_values_f32acc") ? fx.at("sparse_values_f32acc") : fx.at("sparse_values"),
        "sparse_values");
}

template <class B, class T>
void embedding_case_for_index_type(const Fixture& fx) {
  if (fx.at("indices").dtype == "i32") {
    embedding_case<B, T, std::int32_t>(fx);
  } else {
    embedding_case<B, T, std::int64_t>(fx);
  }
}

// One SUBCASE per fixture named in tests/data/embedding/cases.txt.
template <class B>
void embedding_cases() {
  const auto cases = read_lines(data_path("embedding/cases.txt"));
  REQUIRE(cases.size() >= 20);
  for (const std::string& name : cases) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(data_path("embedding/" + name + ".txt"));
      const std::string& dt = fx.at("weight").dtype;
      if (dt == "f32") embedding_case_for_index_type<B, float>(fx);
      else if (dt == "f64") embedding_case_for_index_type<B, double>(fx);
      else if (dt == "f16") embedding_case_for_index_type<B, embedkit::half>(fx);
      else if (dt == "bf16") embedding_case_for_index_type<B, embedkit::bfloat16>(fx);
      else FAIL("unknown weight dtype " << dt);
    }
  }
}

}  // namespace embedkit_test::golden
