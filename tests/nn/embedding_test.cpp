// Embedding: properties against a plain reference loop, options, errors, and the seeds'
// nn.Embedding and Keras Embedding examples.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

namespace {

template <class T>
std::vector<T> random_table(std::int64_t rows, std::int64_t dim, std::mt19937_64& rng) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<T> w(static_cast<std::size_t>(rows * dim));
  for (auto& v : w) v = T(d(rng));
  return w;
}

template <class T, class I>
void check_random_lookups(std::mt19937_64& rng) {
  for (int trial = 0; trial < 20; ++trial) {
    const std::int64_t rows = 1 + static_cast<std::int64_t>(rng() % 50);
    const std::int64_t dim = 1 + static_cast<std::int64_t>(rng() % 40);
    const std::int64_t a = static_cast<std::int64_t>(rng() % 6);
    const std::int64_t b = static_cast<std::int64_t>(rng() % 7);
    const auto weight = random_table<T>(rows, dim, rng);
    std::vector<I> idx(static_cast<std::size_t>(a * b));
    for (auto& v : idx) v = static_cast<I>(rng() % static_cast<std::uint64_t>(rows));
    std::vector<T> go = random_table<T>(a * b, dim, rng);

    const bool padded = rng() % 2 == 0;
    ek::EmbeddingOptions opt;
    if (padded) opt.padding_idx = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(rows));
    opt.scale_grad_by_freq = rng() % 2 == 0;
    auto emb = ek::Embedding<T>::from_pretrained(
        ek::TensorView<const T>(weight.data(), {rows, dim}), opt, false);
    const ek::TensorView<const I> iv(idx.data(), {a, b});

    const auto y = emb.forward(iv);
    REQUIRE(y.shape() == ek::Shape{a, b, dim});
    for (std::int64_t i = 0; i < a * b; ++i) {
      for (std::int64_t j = 0; j < dim; ++j) {
        CHECK(static_cast<float>(y[i * dim + j]) ==
              static_cast<float>(weight[static_cast<std::size_t>(idx[static_cast<std::size_t>(i)] * dim + j)]));
      }
    }

    // Reference gradient: add each occurrence in position order, in float (double for double),
    // then scale by 1/count.
    using A = ek::acc_t<T>;
    std::vector<A> ref(static_cast<std::size_t>(rows * dim), A(0));
    std::vector<int> count(static_cast<std::size_t>(rows), 0);
    for (auto v : idx) ++count[static_cast<std::size_t>(v)];
    for (std::int64_t i = 0; i < a * b; ++i) {
      const std::int64_t r = idx[static_cast<std::size_t>(i)];
      if (padded && r == *opt.padding_idx) continue;
      for (std::int64_t j = 0; j < dim; ++j) {
        ref[static_cast<std::size_t>(r * dim + j)] += static_cast<A>(go[static_cast<std::size_t>(i * dim + j)]);
      }
    }
    if (opt.scale_grad_by_freq) {  // the mean over a row's occurrences
      for (std::int64_t k = 0; k < rows * dim; ++k) {
        const int c = count[static_cast<std::size_t>(k / dim)];
        if (c) ref[static_cast<std::size_t>(k)] *= A(1) / static_cast<A>(c);
      }
    }
    const ek::TensorView<const T> gv(go.data(), {a, b, dim});
    const auto gw = emb.backward(iv, gv);
    for (std::int64_t k = 0; k < rows * dim; ++k) {
      CHECK(static_cast<float>(gw[k]) == static_cast<float>(ek::convert<T>(ref[static_cast<std::size_t>(k)])));
    }
    // The sparse gradient is the dense one's occupied rows.
    const auto sg = emb.backward_sparse(iv, gv);
    std::int64_t expected_nnz = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      expected_nnz += count[static_cast<std::size_t>(r)] > 0 && !(padded && r == *opt.padding_idx);
    }
    REQUIRE(sg.nnz() == expected_nnz);
    for (std::int64_t k = 0; k < sg.nnz(); ++k) {
      if (k) CHECK(sg.rows[k] > sg.rows[k - 1]);
      for (std::int64_t j = 0; j < dim; ++j) {
        CHECK(static_cast<float>(sg.values[k * dim + j]) ==
              static_cast<float>(gw[sg.rows[k] * dim + j]));
      }
    }
  }
}

}  // namespace

TEST_CASE("Embedding forward and backward equal a reference loop for every storage and index type") {
  std::mt19937_64 rng(1234);
  check_random_lookups<float, std::int64_t>(rng);
  check_random_lookups<float, std::int32_t>(rng);
  check_random_lookups<double, std::int64_t>(rng);
  check_random_lookups<ek::half, std::int32_t>(rng);
  check_random_lookups<ek::bfloat16, std::int64_t>(rng);
}

TEST_CASE("max_norm renormalises each referenced row once and leaves the others alone") {
  std::mt19937_64 rng(99);
  const std::int64_t rows = 30, dim = 17;
  auto weight = random_table<float>(rows, dim, rng);
  for (auto& v : weight) v *= 3.0f;
  const auto original = weight;
  // wrap(): no copy, so the caller sees the renormalised rows, as with torch's shared tensor.
  auto emb = ek::Embedding<float>::wrap(ek::TensorView<float>(weight.data(), {rows, dim}),
                                        {.max_norm = 2.0});
  std::vector<std::int64_t> idx{3, 3, 7, 3, 11};
  emb.forward(ek::TensorView<const std::int64_t>(idx.data(), {5}));
  for (std::int64_t r = 0; r < rows; ++r) {
    double n0 = 0, n1 = 0;
    for (std::int64_t j = 0; j < dim; ++j) {
      n0 += double(original[std::size_t(r * dim + j)]) * original[std::size_t(r * dim + j)];
      n1 += double(weight[std::size_t(r * dim + j)]) * weight[std::size_t(r * dim + j)];
    }
    n0 = std::sqrt(n0);
    n1 = std::sqrt(n1);
    const bool referenced = r == 3 || r == 7 || r == 11;
    if (referenced && n0 > 2.0) {
      CHECK(n1 == doctest::Approx(2.0 * n0 / (n0 + 1e-7)).epsilon(1e-6));  // scaled once
    } else {
      CHECK(n1 == n0);
    }
  }
}

TEST_CASE("A fresh table is drawn from the initializer, with the padding row zeroed") {
  ek::Embedding<float> a(100, 8, {.padding_idx = -1, .init = ek::init::uniform(-0.05, 0.05), .seed = 7});
  ek::Embedding<float> b(100, 8, {.padding_idx = -1, .init = ek::init::uniform(-0.05, 0.05), .seed = 7});
  ek::Embedding<float> c(100, 8, {.init = ek::init::uniform(-0.05, 0.05), .seed = 8});
  CHECK(a.padding_row() == 99);
  int differ = 0;
  for (std::int64_t i = 0; i < 100 * 8; ++i) {
    const float v = a.weight()[i];
    CHECK(v == b.weight()[i]);
    differ += v != c.weight()[i];
    if (i >= 99 * 8) {
      CHECK(v == 0.0f);
    } else {
      CHECK(v >= -0.05f);
      CHECK(v < 0.05f);
    }
  }
  CHECK(differ > 700);
  // Unseeded layers follow the per-process sequence, which manual_seed restarts.
  ek::manual_seed(5);
  ek::Embedding<float> d(4, 4);
  ek::Embedding<float> e(4, 4);
  ek::manual_seed(5);
  ek::Embedding<float> f(4, 4);
  CHECK(d.weight()[0] != e.weight()[0]);
  CHECK(d.weight()[0] == f.weight()[0]);
}

TEST_CASE("mask() follows Keras mask_zero and padding_idx") {
  ek::Embedding<float> emb(10, 2, {.padding_idx = 3, .mask_zero = true, .seed = 1});
  std::int32_t ids[] = {0, 3, 5, 0, 9, 3};
  const auto m = emb.mask(ek::TensorView<const std::int32_t>(ids, {2, 3}));
  CHECK(m.shape() == ek::Shape{2, 3});
  const bool expected[] = {false, false, true, false, true, false};
  for (int i = 0; i < 6; ++i) CHECK(m[i] == expected[i]);
  ek::Embedding<float> plain(10, 2, {.seed = 1});
  const auto all = plain.mask(ek::TensorView<const std::int32_t>(ids, {6}));
  for (int i = 0; i < 6; ++i) CHECK(all[i]);
}

TEST_CASE("Bad input raises errors that name the value, the place and the range") {
  ek::Embedding<float> emb(10, 3, {.seed = 1});
  std::int64_t bad[] = {1, 2, 3, 4, 5, 12};
  try {
    emb.forward(ek::TensorView<const std::int64_t>(bad, {2, 3}));
    FAIL("no error");
  } catch (const ek::index_error& e) {
    CHECK(std::string(e.what()) == "Embedding::forward: index 12 at position [1, 2] is out of range [0, 10)");
  }
  std::int32_t neg[] = {-1};
  CHECK_THROWS_WITH_AS(emb.forward(ek::TensorView<const std::int32_t>(neg, {1})),
                       "Embedding::forward: index -1 at position 0 is out of range [0, 10)",
                       ek::index_error);
  CHECK_THROWS_AS(emb.mask(ek::TensorView<const std::int32_t>(neg, {1})), ek::index_error);
  CHECK_THROWS_WITH_AS(ek::Embedding<float>(10, 3, {.padding_idx = 10}),
                       "Embedding: padding_idx 10 is out of range [-10, 10)", ek::value_error);
  CHECK_THROWS_AS(ek::Embedding<float>(10, 3, {.padding_idx = -11}), ek::value_error);
  CHECK_THROWS_AS(ek::Embedding<float>(10, 3, {.max_norm = 0.0}), ek::value_error);
  CHECK_THROWS_AS(ek::Embedding<float>(10, 3, {.max_norm = 1.0, .norm_type = -1.0}), ek::value_error);
  CHECK_THROWS_AS(ek::Embedding<float>(-1, 3), ek::shape_error);

  std::vector<float> w(12, 1.0f);
  CHECK_THROWS_AS(ek::Embedding<float>::from_pretrained(ek::TensorView<const float>(w.data(), {12})),
                  ek::shape_error);
  CHECK_THROWS_AS(ek::Embedding<float>::wrap(ek::TensorView<const float>(w.data(), {4, 3}), {.max_norm = 1.0}),
                  ek::value_error);

  // backward: shape of grad_output, frozen tables.
  std::int64_t ids[] = {1, 2};
  std::vector<float> go(2 * 4, 1.0f);
  CHECK_THROWS_AS(emb.backward(ek::TensorView<const std::int64_t>(ids, {2}),
                               ek::TensorView<const float>(go.data(), {2, 4})),
                  ek::shape_error);
  auto frozen = ek::Embedding<float>::from_pretrained(ek::TensorView<const float>(w.data(), {4, 3}));
  CHECK(frozen.frozen());
  CHECK_THROWS_AS(frozen.backward(ek::TensorView<const std::int64_t>(ids, {2}),
                                  ek::TensorView<const float>(go.data(), {2, 3})),
                  ek::value_error);
  frozen.freeze(false);
  CHECK(frozen.backward(ek::TensorView<const std::int64_t>(ids, {2}),
                        ek::TensorView<const float>(go.data(), {2, 3}))[3] == 1.0f);
}

TEST_CASE("from_pretrained copies; wrap shares the caller's memory") {
  std::vector<float> w{0, 1, 2, 3, 4, 5};
  auto copied = ek::Embedding<float>::from_pretrained(ek::TensorView<const float>(w.data(), {3, 2}));
  auto shared = ek::Embedding<float>::wrap(ek::TensorView<float>(w.data(), {3, 2}));
  auto readonly = ek::Embedding<float>::wrap(ek::TensorView<const float>(w.data(), {3, 2}));
  CHECK(copied.owns_table());
  CHECK_FALSE(shared.owns_table());
  CHECK(shared.weight().data() == w.data());
  w[4] = 40;
  std::int64_t id = 2;
  CHECK(copied.forward(ek::TensorView<const std::int64_t>(&id, {}))[0] == 4.0f);
  CHECK(shared.forward(ek::TensorView<const std::int64_t>(&id, {}))[0] == 40.0f);
  CHECK(shared.mutable_weight().data() == w.data());
  CHECK_THROWS_AS(readonly.mutable_weight(), ek::value_error);
  // A copied layer stays valid after the source goes away, and copies of layers are deep.
  auto copy2 = copied;
  copy2.mutable_weight()[0] = 100;
  CHECK(copied.weight()[0] == 0.0f);
}

TEST_CASE("Concurrent forward calls on one table agree with a serial call") {
  ek::Embedding<float> emb(1000, 32, {.seed = 3});
  std::vector<std::int64_t> idx(4096);
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::int64_t>((i * 7919) % 1000);
  const ek::TensorView<const std::int64_t> iv(idx.data(), {64, 64});
  const auto ref = emb.forward(iv);
  std::vector<ek::Tensor<float>> outs(8);
#if defined(_OPENMP)
#pragma omp parallel for num_threads(4)
#endif
  for (int t = 0; t < 8; ++t) outs[static_cast<std::size_t>(t)] = emb.forward(iv);
  for (const auto& o : outs) {
    REQUIRE(o.numel() == ref.numel());
    CHECK(std::equal(o.data(), o.data() + o.numel(), ref.data()));
  }
}

// The seeds' examples. PyTorch's own random tables cannot be reproduced (another generator),
// so these check the shapes and the lookup behaviour the examples show.
TEST_CASE("Seed example: nn.Embedding(10, 3) looks up [1, 2, 3, 4]") {
  ek::Embedding<float> embed(10, 3);  // PyTorch default init: N(0, 1)
  std::int64_t input[] = {1, 2, 3, 4};
  const auto out = embed.forward(ek::TensorView<const std::int64_t>(input, {4}));
  CHECK(out.shape() == ek::Shape{4, 3});
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) CHECK(out[i * 3 + j] == embed.weight()[input[i] * 3 + j]);
  }
}

TEST_CASE("Seed example: nn.Embedding(num_embeddings=10, embedding_dim=2) on [3, 1, 7, 4, 0]") {
  ek::Embedding<float> embedding(10, 2);
  std::int64_t input[] = {3, 1, 7, 4, 0};
  const auto out = embedding.forward(ek::TensorView<const std::int64_t>(input, {5}));
  CHECK(out.shape() == ek::Shape{5, 2});
  CHECK(out[4 * 2 + 1] == embedding.weight()[0 * 2 + 1]);
}

TEST_CASE("Seed example: Keras Embedding(1000, 64) on a (32, 10) batch gives (32, 10, 64)") {
  // Keras' default initializer, uniform(-0.05, 0.05).
  ek::Embedding<float> layer(1000, 64, {.init = ek::init::uniform(-0.05, 0.05), .seed = 0});
  std::mt19937 rng(0);
  std::vector<std::int32_t> input(32 * 10);
  for (auto& v : input) v = static_cast<std::int32_t>(rng() % 1000);  // np.random.randint(1000, ...)
  const auto out = layer.forward(ek::TensorView<const std::int32_t>(input.data(), {32, 10}));
  CHECK(out.shape() == ek::Shape{32, 10, 64});
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    CHECK(std::abs(out[i]) <= 0.05f);
  }
  std::int32_t too_big = 1000;  // "no larger than 999 (vocabulary size)"
  CHECK_THROWS_AS(layer.forward(ek::TensorView<const std::int32_t>(&too_big, {1, 1})), ek::index_error);
}

TEST_CASE("Seed example: Keras [[4], [20]] -> [[0.25, 0.1], [0.6, -0.2]]") {
  std::vector<float> table(21 * 2, 0.0f);
  table[4 * 2 + 0] = 0.25f;
  table[4 * 2 + 1] = 0.1f;
  table[20 * 2 + 0] = 0.6f;
  table[20 * 2 + 1] = -0.2f;
  auto layer = ek::Embedding<float>::from_pretrained(ek::TensorView<const float>(table.data(), {21, 2}));
  std::int64_t input[] = {4, 20};
  const auto out = layer.forward(ek::TensorView<const std::int64_t>(input, {2, 1}));
  CHECK(out.shape() == ek::Shape{2, 1, 2});
  const float expected[] = {0.25f, 0.1f, 0.6f, -0.2f};
  for (int i = 0; i < 4; ++i) CHECK(out[i] == expected[i]);
}
