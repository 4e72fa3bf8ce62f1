// deterministic = true (the default): the cuda backend's gradients are the same bits on every
// run, on inputs where atomics would not be (thousands of contributions to a few rows). With
// deterministic = false the bits may differ, but the values stay within the backends' accuracy.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "cross_check.hpp"
#include "random_problems.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

namespace {

template <class T>
void check_embedding_runs(bool freq) {
  CAPTURE(freq);
  std::mt19937_64 rng(101);
  const std::int64_t rows = 64, dim = 130, n = 30000;
  const auto idx = on<ek::cuda>(random_rows(rng, n, rows), {n});
  std::vector<T> go;
  for (const float v : random_floats(rng, n * dim)) go.push_back(T(v));
  const auto d_go = on<ek::cuda>(go, {n, dim});
  const ek::Embedding<T, ek::cuda> emb(rows, dim, {.padding_idx = 1, .scale_grad_by_freq = freq, .seed = 5});
  const auto first = host(emb.backward(idx.cview(), d_go.cview()));
  for (int run = 0; run < 3; ++run) {
    CHECK(same_bits(host(emb.backward(idx.cview(), d_go.cview())), first));
    const auto sg = emb.backward_sparse(idx.cview(), d_go.cview());
    // The sparse values are the dense gradient's occupied rows, bit for bit.
    const auto rows_h = host(sg.rows);
    const auto values_h = host(sg.values);
    std::int64_t bad = 0;
    for (std::int64_t k = 0; k < sg.nnz(); ++k) {
      bad += std::memcmp(values_h.data() + k * dim, first.data() + rows_h[k] * dim, static_cast<std::size_t>(dim) * sizeof(T)) != 0;
    }
    CHECK(bad == 0);
  }
  // Atomics: other bits allowed, the same values within the accuracy the backends promise.
  const ek::Embedding<T, ek::cuda> fast(rows, dim,
                                        {.padding_idx = 1, .scale_grad_by_freq = freq, .seed = 5, .deterministic = false});
  check_near(host(fast.backward(idx.cview(), d_go.cview())), first, "deterministic = false", backend_tolerance<T>());
}

template <class T>
void check_bag_runs(ek::Mode mode, bool weighted) {
  CAPTURE(int(mode));
  CAPTURE(weighted);
  std::mt19937_64 rng(202);
  const std::int64_t rows = 50, dim = 33;
  const auto bags = random_bags(rng, {.rows = rows, .bags = 2000, .max_len = 30, .weighted = weighted});
  const auto in = on<ek::cuda>(bags.input);
  const auto off = on<ek::cuda>(bags.offsets);
  const std::vector<float> wv(bags.weights.begin(), bags.weights.end());
  const auto w = weighted ? on<ek::cuda>(wv, in.shape()) : ek::Tensor<float, ek::cuda>();
  const auto g = on<ek::cuda>(random_floats(rng, bags.bags * dim), {bags.bags, dim});
  const ek::EmbeddingBagOptions opt{.mode = mode, .padding_idx = 3, .scale_grad_by_freq = mode != ek::Mode::max, .seed = 8};
  const ek::EmbeddingBag<T, ek::cuda> bag(rows, dim, opt);
  const auto fwd = host(bag.forward(in.cview(), off.cview(), w.cview()));
  const auto first = host(bag.backward(in.cview(), off.cview(), g.cview(), w.cview()));
  const auto first_sparse = host(bag.backward_sparse(in.cview(), off.cview(), g.cview(), w.cview()).values);
  for (int run = 0; run < 3; ++run) {
    CHECK(same_bits(host(bag.forward(in.cview(), off.cview(), w.cview())), fwd));
    CHECK(same_bits(host(bag.backward(in.cview(), off.cview(), g.cview(), w.cview())), first));
    CHECK(same_bits(host(bag.backward_sparse(in.cview(), off.cview(), g.cview(), w.cview()).values), first_sparse));
    if (weighted) {
      const auto a = host(bag.backward_per_sample_weights(in.cview(), off.cview(), g.cview(), w.cview()));
      const auto b = host(bag.backward_per_sample_weights(in.cview(), off.cview(), g.cview(), w.cview()));
      CHECK(same_bits(a, b));
    }
  }
  ek::EmbeddingBagOptions fast_opt = opt;
  fast_opt.deterministic = false;
  const ek::EmbeddingBag<T, ek::cuda> fast(rows, dim, fast_opt);
  check_near(host(fast.backward(in.cview(), off.cview(), g.cview(), w.cview())), first, "deterministic = false",
             backend_tolerance<T>());
}

}  // namespace

TEST_CASE("cuda: Embedding gradients are bit-identical from run to run") {
  for (const bool freq : {false, true}) {
    check_embedding_runs<float>(freq);
    check_embedding_runs<double>(freq);
    check_embedding_runs<ek::half>(freq);
  }
}

TEST_CASE("cuda: EmbeddingBag results and gradients are bit-identical from run to run") {
  check_bag_runs<float>(ek::Mode::sum, true);
  check_bag_runs<float>(ek::Mode::mean, true);
  check_bag_runs<float>(ek::Mode::mean, false);
  check_bag_runs<float>(ek::Mode::max, false);
  check_bag_runs<ek::bfloat16>(ek::Mode::sum, false);
  check_bag_runs<ek::q8>(ek::Mode::sum, true);
}
