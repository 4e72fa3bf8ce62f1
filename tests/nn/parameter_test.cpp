// Parameter: the ownership, copy, freeze and naming rules every layer shares.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

TEST_CASE("Parameter: owned memory is copied deeply, wrapped memory is shared") {
  auto t = ek::Tensor<float>::zeros({2, 3});
  ek::Parameter<float> owned(std::move(t));
  CHECK(owned.owns());
  CHECK(owned.writable());
  CHECK(owned.shape() == ek::Shape{2, 3});

  ek::Parameter<float> copy = owned;
  CHECK(copy.owns());
  CHECK(copy.data() != owned.data());
  copy.mutable_view("test")[0] = 5.0f;
  CHECK(owned.view()[0] == 0.0f);

  std::vector<float> memory(6, 1.0f);
  auto shared = ek::Parameter<float>::wrap(ek::TensorView<float>(memory.data(), {2, 3}));
  CHECK_FALSE(shared.owns());
  ek::Parameter<float> shared_copy = shared;
  CHECK(shared_copy.data() == memory.data());

  // A move keeps the data where it is and leaves the source empty.
  const float* where = owned.data();
  ek::Parameter<float> moved = std::move(owned);
  CHECK(moved.data() == where);
  CHECK(moved.owns());
}

TEST_CASE("Parameter: read-only memory refuses writes; frozen parameters refuse training") {
  const std::vector<float> memory(4, 2.0f);
  auto p = ek::Parameter<float>::wrap(ek::TensorView<const float>(memory.data(), {2, 2}), true);
  CHECK_FALSE(p.writable());
  CHECK(p.frozen());
  CHECK_THROWS_WITH_AS(p.mutable_view("Layer"), "Layer: the table wraps read-only memory", ek::value_error);
  CHECK_THROWS_AS(p.require_trainable("Layer::backward"), ek::value_error);
  p.freeze(false);
  CHECK_NOTHROW(p.require_trainable("Layer::backward"));
  const std::vector<float> values(4, 3.0f);
  CHECK_THROWS_AS(p.assign(ek::TensorView<const float>(values.data(), {2, 2}), "weight", "Layer"),
                  ek::value_error);
}

TEST_CASE("Parameter::assign copies values of the same shape, and names the parameter otherwise") {
  ek::Parameter<double> p(ek::Tensor<double>::zeros({2, 2}));
  const std::vector<double> values = {1, 2, 3, 4};
  p.assign(ek::TensorView<const double>(values.data(), {2, 2}), "weight", "Layer");
  CHECK(p.view()[3] == 4.0);
  try {
    p.assign(ek::TensorView<const double>(values.data(), {4}), "weight", "Layer");
    FAIL("expected a shape_error");
  } catch (const ek::shape_error& e) {
    CHECK(std::string(e.what()) == "Layer: parameter 'weight' has shape [2, 2], got values of shape [4]");
  }
}

TEST_CASE("Layers name their parameters as PyTorch's state dict does") {
  ek::Embedding<float> emb(10, 4, {.seed = 1});
  std::vector<std::string> names;
  emb.visit_parameters([&](std::string_view name, auto& p) {
    names.emplace_back(name);
    CHECK(p.shape() == ek::Shape{10, 4});
  });
  CHECK(names == std::vector<std::string>{"weight"});

  // A loader fills a layer by name, without the layer knowing the source.
  std::vector<float> values(40);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  emb.visit_parameters([&](std::string_view name, auto& p) {
    if (name == "weight") p.assign(ek::TensorView<const float>(values.data(), {10, 4}), name, "Embedding");
  });
  CHECK(emb.weight()[13] == 13.0f);

  const ek::EmbeddingBag<ek::q8> bag(6, 8, {.seed = 2});
  int visited = 0;
  bag.visit_parameters([&](std::string_view name, const auto& p) {
    CHECK(name == "weight");
    CHECK(p.shape() == ek::Shape{6, 8});  // the logical [rows, dim] of the quantized table
    CHECK(p.owns());
    ++visited;
  });
  CHECK(visited == 1);
}

TEST_CASE("Layer copies follow Parameter's rules: deep for owned tables, shared for wrapped ones") {
  ek::EmbeddingBag<float> bag(5, 3, {.mode = ek::Mode::sum, .seed = 3});
  ek::EmbeddingBag<float> copy = bag;
  CHECK(copy.weight().data() != bag.weight().data());
  CHECK(copy.owns_table());
  // The copy computes with its own table.
  copy.mutable_weight()[0] = 100.0f;
  const std::vector<std::int64_t> ids = {0};
  const std::vector<std::int64_t> offsets = {0};
  const auto a = bag.forward(ek::TensorView<const std::int64_t>(ids.data(), {1}),
                             ek::TensorView<const std::int64_t>(offsets.data(), {1}));
  const auto b = copy.forward(ek::TensorView<const std::int64_t>(ids.data(), {1}),
                              ek::TensorView<const std::int64_t>(offsets.data(), {1}));
  CHECK(a[0] == bag.weight()[0]);
  CHECK(b[0] == 100.0f);

  std::vector<float> memory(15, 0.5f);
  auto wrapped = ek::EmbeddingBag<float>::wrap(ek::TensorView<float>(memory.data(), {5, 3}));
  ek::EmbeddingBag<float> wrapped_copy = wrapped;
  CHECK(wrapped_copy.weight().data() == memory.data());
}
