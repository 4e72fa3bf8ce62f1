// Embedding against PyTorch: every case under tests/data/embedding was written by
// tests/golden/make_fixtures.py from torch.nn.functional.embedding and its gradients.
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

template <class T>
void check_close(const T* got, const Array& want, const std::string& what) {
  embedkit_test::check_close<T>(got, want, what, embedkit_test::tolerance<T>());
}

using embedkit_test::shape_of;

template <class T, class I>
void run_case(const Fixture& fx) {
  const Array& w = fx.at("weight");
  const std::vector<T> weight = w.as<T>();
  const std::vector<I> indices = fx.at("indices").as<I>();
  const std::vector<T> grad_output = fx.at("grad_output").as<T>();

  ek::EmbeddingOptions opt;
  if (fx.has("padding_idx")) opt.padding_idx = fx.at("padding_idx").ints.at(0);
  if (fx.has("max_norm")) opt.max_norm = fx.at("max_norm").values.at(0);
  if (fx.has("norm_type")) opt.norm_type = fx.at("norm_type").values.at(0);
  if (fx.has("scale_grad_by_freq")) opt.scale_grad_by_freq = fx.at("scale_grad_by_freq").ints.at(0);

  const ek::TensorView<const T> wv(weight.data(), shape_of(w));
  const ek::TensorView<const I> iv(indices.data(), shape_of(fx.at("indices")));
  auto emb = ek::Embedding<T>::from_pretrained(wv, opt, /*freeze=*/false);

  // Forward: output and, with max_norm, the table renormalised in place.
  const ek::Tensor<T> y = emb.forward(iv);
  CHECK(y.shape() == shape_of(fx.at("output")));
  check_close(y.data(), fx.at("output"), "output");
  check_close(emb.weight().data(), fx.at("weight_after"), "weight_after");

  // Backward: dense and row-sparse. 16-bit tables: embedkit accumulates in float and rounds
  // once; torch rounds after every addition, so compare with the float-accumulated reference
  // where the fixture has one, and with torch's own result at the looser tolerance anyway.
  const ek::TensorView<const T> gv(grad_output.data(), shape_of(fx.at("grad_output")));
  const ek::Tensor<T> gw = emb.backward(iv, gv);
  CHECK(gw.shape() == shape_of(fx.at("grad_weight")));
  if (fx.has("grad_weight_f32acc")) {
    check_close(gw.data(), fx.at("grad_weight_f32acc"), "grad_weight (float accumulation)");
  } else {
    check_close(gw.data(), fx.at("grad_weight"), "grad_weight");
  }

  const ek::SparseGrad<T> sg = emb.backward_sparse(iv, gv);
  const std::vector<std::int64_t> rows = fx.at("sparse_rows").as<std::int64_t>();
  REQUIRE(sg.nnz() == static_cast<std::int64_t>(rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) CHECK(sg.rows[static_cast<std::int64_t>(k)] == rows[k]);
  CHECK(sg.num_rows == emb.num_embeddings());
  if (fx.has("sparse_values_f32acc")) {
    check_close(sg.values.data(), fx.at("sparse_values_f32acc"), "sparse_values (float accumulation)");
  } else {
    check_close(sg.values.data(), fx.at("sparse_values"), "sparse_values");
  }
}

template <class T>
void run_for_index_type(const Fixture& fx) {
  if (fx.at("indices").dtype == "i32") {
    run_case<T, std::int32_t>(fx);
  } else {
    run_case<T, std::int64_t>(fx);
  }
}

}  // namespace

TEST_CASE("Embedding matches torch.nn.functional.embedding on every golden case") {
  const auto cases = embedkit_test::read_lines(embedkit_test::data_path("embedding/cases.txt"));
  REQUIRE(cases.size() >= 20);
  for (const std::string& name : cases) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(embedkit_test::data_path("embedding/" + name + ".txt"));
      const std::string& dt = fx.at("weight").dtype;
      if (dt == "f32") run_for_index_type<float>(fx);
      else if (dt == "f64") run_for_index_type<double>(fx);
      else if (dt == "f16") run_for_index_type<ek::half>(fx);
      else if (dt == "bf16") run_for_index_type<ek::bfloat16>(fx);
      else FAIL("unknown weight dtype " << dt);
    }
  }
}
