// The public API contract of docs/guide/api.md, compiled and run as written there (the CPU
// lines; the cuda and io lines are exercised by their own suites).
#include <doctest/doctest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include <embedkit/embedkit.hpp>
namespace ek = embedkit;

TEST_CASE("API contract: memory, Embedding and EmbeddingBag lines compile and run as written") {
  const std::int64_t rows = 10, dim = 4, batch = 2, seq = 3, bags = 2, len = 3;
  std::vector<float> table(static_cast<std::size_t>(rows * dim));
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<float>(i % 7) * 0.25f - 0.5f;
  const float* ptr = table.data();
  std::vector<std::int64_t> ids_storage{1, 2, 3, 4, 5, 6};
  const std::int64_t* ids = ids_storage.data();

  // memory
  ek::TensorView<const float> w(ptr, {rows, dim});          // non-owning, row-major, contiguous;
  CHECK(w.data() == ptr);
  CHECK(w.shape() == ek::Shape{rows, dim});
  CHECK(w.numel() == rows * dim);
  ek::Tensor<float> t = ek::Tensor<float>::zeros({2, 3});   // owning; t.shape(), t.numel(), t.data(), t.view()
  CHECK(t.shape() == ek::Shape{2, 3});
  CHECK(t.numel() == 6);
  CHECK(t.data() == t.view().data());

  // errors
  CHECK_THROWS_AS(throw ek::index_error("x"), ek::error);
  CHECK_THROWS_AS(throw ek::shape_error("x"), ek::error);
  CHECK_THROWS_AS(throw ek::format_error("x", 0), ek::error);

  // Embedding
  auto emb = ek::Embedding<float>::from_pretrained(w, {.padding_idx = 0, .max_norm = 1.0});
  ek::Embedding<float> fresh(rows, dim, {.init = ek::init::uniform(-0.05, 0.05), .seed = 7});
  ek::Tensor<float> y = emb.forward(ek::TensorView<const int64_t>(ids, {batch, seq}));  // {batch, seq, dim}
  CHECK(y.shape() == ek::Shape{batch, seq, dim});
  std::vector<std::int32_t> ids32{1, 2, 3, 4, 5, 6};
  CHECK(fresh.forward(ek::TensorView<const std::int32_t>(ids32.data(), {batch, seq})).shape() ==
        ek::Shape{batch, seq, dim});  // int32 indices work the same way

  // parameters
  int named = 0;
  emb.visit_parameters([&](std::string_view name, auto& p) {
    CHECK(name == "weight");
    CHECK(p.shape() == ek::Shape{rows, dim});
    ++named;
  });
  CHECK(named == 1);

  // EmbeddingBag
  std::vector<std::int64_t> idx{1, 2, 3, 4, 5, 6};
  std::vector<std::int64_t> off{0, 2};
  std::vector<float> psw{1, 2, 3, 4, 5, 6};
  const ek::TensorView<const int64_t> indices_view(idx.data(), {6});
  const ek::TensorView<const int64_t> offsets_view(off.data(), {2});
  const ek::TensorView<const float> psw_view(psw.data(), {6});
  auto bag = ek::EmbeddingBag<float>::from_pretrained(w, {.mode = ek::Mode::max, .padding_idx = 2});
  ek::Tensor<float> pooled = bag.forward(indices_view, offsets_view);             // {bags, dim}
  CHECK(pooled.shape() == ek::Shape{bags, dim});
  auto sum_bag = ek::EmbeddingBag<float>::from_pretrained(w, {.mode = ek::Mode::sum});
  ek::Tensor<float> weighted = sum_bag.forward(indices_view, offsets_view, psw_view); // sum mode
  CHECK(weighted.shape() == ek::Shape{bags, dim});
  ek::Tensor<float> fixed = bag.forward(ek::TensorView<const int64_t>(ids, {bags, len}));
  CHECK(fixed.shape() == ek::Shape{bags, dim});
  // options also: .include_last_offset, .max_norm, .norm_type, .scale_grad_by_freq
  ek::EmbeddingBag<float> opts(rows, dim, {.mode = ek::Mode::mean, .max_norm = 2.0, .norm_type = 1.0,
                                           .scale_grad_by_freq = true, .include_last_offset = true});
  CHECK(opts.options().include_last_offset);
  // storage types: float, double, ek::half, ek::bfloat16, ek::q8 (row-wise int8), ek::q4
  CHECK(ek::EmbeddingBag<double>(rows, dim).embedding_dim() == dim);
  CHECK(ek::EmbeddingBag<ek::half>::from_pretrained(w).forward(indices_view, offsets_view).shape() == ek::Shape{bags, dim});
  CHECK(ek::EmbeddingBag<ek::bfloat16>::from_pretrained(w).forward(indices_view, offsets_view).shape() == ek::Shape{bags, dim});
  CHECK(ek::EmbeddingBag<ek::q8>::from_pretrained(w).forward(indices_view, offsets_view).shape() == ek::Shape{bags, dim});
  CHECK(ek::EmbeddingBag<ek::q4>::from_pretrained(w).forward(indices_view, offsets_view).shape() == ek::Shape{bags, dim});
}
