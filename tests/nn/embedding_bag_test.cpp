// EmbeddingBag: properties against a plain reference loop for every storage type, mode and
// option; errors; quantization round trips.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

namespace {

struct Bags {
  std::vector<std::int64_t> input, offsets;  // offsets: bags entries (+1 with include_last)
  std::vector<float> weights;
  std::int64_t bags = 0;
};

Bags random_bags(std::mt19937_64& rng, std::int64_t rows, std::int64_t bags, int max_len,
                 bool include_last, bool weighted) {
  Bags b;
  b.bags = bags;
  std::uniform_int_distribution<int> len(0, max_len);
  std::uniform_int_distribution<std::int64_t> row(0, rows - 1);
  std::normal_distribution<float> w(0.0f, 1.0f);
  for (std::int64_t k = 0; k < bags; ++k) {
    b.offsets.push_back(static_cast<std::int64_t>(b.input.size()));
    const int l = len(rng);
    for (int i = 0; i < l; ++i) {
      b.input.push_back(row(rng));
      if (weighted) b.weights.push_back(w(rng));
    }
  }
  if (include_last) b.offsets.push_back(static_cast<std::int64_t>(b.input.size()));
  return b;
}

// The reference: a plain loop over the dequantized table, in double.
std::vector<double> reference(const std::vector<float>& table, std::int64_t dim, const Bags& b,
                              ek::Mode mode, std::int64_t pad, bool weighted,
                              std::vector<std::int64_t>* argmax) {
  std::vector<double> out(static_cast<std::size_t>(b.bags * dim), 0.0);
  if (argmax) argmax->assign(out.size(), -1);
  for (std::int64_t k = 0; k < b.bags; ++k) {
    const auto s = static_cast<std::size_t>(b.offsets[static_cast<std::size_t>(k)]);
    const std::size_t e = static_cast<std::size_t>(k) + 1 < b.offsets.size()
                              ? static_cast<std::size_t>(b.offsets[static_cast<std::size_t>(k) + 1])
                              : b.input.size();
    double count = 0, wsum = 0;
    bool first = true;
    for (std::size_t j = s; j < e; ++j) {
      const std::int64_t r = b.input[j];
      if (r == pad) continue;
      const double w = weighted ? b.weights[j] : 1.0;
      count += 1;
      wsum += w;
      for (std::int64_t c = 0; c < dim; ++c) {
        const double x = table[static_cast<std::size_t>(r * dim + c)];
        double& o = out[static_cast<std::size_t>(k * dim + c)];
        if (mode == ek::Mode::max) {
          if (first || x > o) {
            o = x;
            if (argmax) (*argmax)[static_cast<std::size_t>(k * dim + c)] = r;
          }
        } else {
          o += w * x;
        }
      }
      first = false;
    }
    if (mode == ek::Mode::mean) {
      const double d = weighted ? wsum : count;
      for (std::int64_t c = 0; c < dim; ++c) {
        out[static_cast<std::size_t>(k * dim + c)] = d != 0 ? out[static_cast<std::size_t>(k * dim + c)] / d : 0.0;
      }
    }
  }
  return out;
}

template <class T>
std::vector<float> stored_table(const ek::EmbeddingBag<T>& bag) {
  if constexpr (ek::Quantized<T>) {
    const auto d = ek::dequantize(bag.table());
    return {d.data(), d.data() + d.numel()};
  } else {
    std::vector<float> t(static_cast<std::size_t>(bag.weight().numel()));
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(bag.weight()[static_cast<std::int64_t>(i)]);
    return t;
  }
}

template <class T>
void check_against_reference(std::mt19937_64& rng) {
  for (int trial = 0; trial < 24; ++trial) {
    const std::int64_t rows = 5 + static_cast<std::int64_t>(rng() % 60);
    const std::int64_t dim = 1 + static_cast<std::int64_t>(rng() % 80);
    const auto mode = static_cast<ek::Mode>(rng() % 3);
    const bool include_last = rng() % 2;
    const bool padded = rng() % 2;
    const bool weighted = mode != ek::Mode::max && rng() % 2;
    const std::int64_t bags = static_cast<std::int64_t>(rng() % 20);
    const Bags b = random_bags(rng, rows, bags, 12, include_last, weighted);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> w(static_cast<std::size_t>(rows * dim));
    for (auto& v : w) v = d(rng);
    ek::EmbeddingBagOptions opt{.mode = mode, .include_last_offset = include_last};
    if (padded) opt.padding_idx = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(rows));

    auto bag = [&] {
      if constexpr (std::is_same_v<T, float>) {
        return ek::EmbeddingBag<float>::from_pretrained(ek::TensorView<const float>(w.data(), {rows, dim}), opt);
      } else {
        return ek::EmbeddingBag<T>::from_pretrained(ek::TensorView<const float>(w.data(), {rows, dim}), opt);
      }
    }();
    const std::vector<float> table = stored_table(bag);
    std::vector<std::int64_t> ref_arg;
    const auto ref = reference(table, dim, b, mode, padded ? *opt.padding_idx : -1, weighted,
                               mode == ek::Mode::max ? &ref_arg : nullptr);

    using O = typename ek::EmbeddingBag<T>::output_type;
    std::vector<O> psw(b.weights.begin(), b.weights.end());
    const ek::TensorView<const std::int64_t> iv(b.input.data(), {static_cast<std::int64_t>(b.input.size())});
    const ek::TensorView<const std::int64_t> ov(b.offsets.data(), {static_cast<std::int64_t>(b.offsets.size())});
    const ek::TensorView<const O> wv = weighted ? ek::TensorView<const O>(psw.data(), iv.shape())
                                                : ek::TensorView<const O>();
    ek::Tensor<std::int64_t> argmax;
    const auto out = bag.forward(iv, ov, wv, mode == ek::Mode::max ? &argmax : nullptr);
    REQUIRE(out.shape() == ek::Shape{bags, dim});
    INFO("mode " << int(mode) << " dim " << dim << " weighted " << weighted << " padded " << padded);
    // Tolerance: the kernel accumulates in float (fused multiply-adds, other order).
    const double tol = std::is_same_v<T, double> ? 1e-12 : 2e-5;
    int bad = 0;
    for (std::int64_t i = 0; i < out.numel(); ++i) {
      const double want = ref[static_cast<std::size_t>(i)];
      if (!(std::abs(static_cast<double>(out[i]) - want) <= tol * (4.0 + std::abs(want)))) ++bad;
      if (mode == ek::Mode::max) {
        if (argmax[i] != ref_arg[static_cast<std::size_t>(i)]) ++bad;
      }
    }
    CHECK(bad == 0);
  }
}

}  // namespace

TEST_CASE("EmbeddingBag forward equals a reference loop for every storage type, mode and option") {
  std::mt19937_64 rng(7);
  check_against_reference<float>(rng);
  check_against_reference<double>(rng);
  check_against_reference<ek::half>(rng);
  check_against_reference<ek::bfloat16>(rng);
  check_against_reference<ek::q8>(rng);
  check_against_reference<ek::q4>(rng);
}

TEST_CASE("Fixed-length 2-D input equals the same bags given by offsets") {
  ek::EmbeddingBag<float> bag(50, 24, {.mode = ek::Mode::sum, .padding_idx = 3, .seed = 5});
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 6 * 7; ++i) ids.push_back((i * 13) % 50);
  std::vector<std::int32_t> offs;
  for (int b = 0; b < 6; ++b) offs.push_back(b * 7);
  const auto a = bag.forward(ek::TensorView<const std::int32_t>(ids.data(), {6, 7}));
  const auto b = bag.forward(ek::TensorView<const std::int32_t>(ids.data(), {42}),
                             ek::TensorView<const std::int32_t>(offs.data(), {6}));
  REQUIRE(a.shape() == b.shape());
  for (std::int64_t i = 0; i < a.numel(); ++i) CHECK(a[i] == b[i]);
}

TEST_CASE("Backward: gradients of the table and of the weights equal finite differences") {
  // Sum and (weighted) mean are linear in the table; the gradient of <grad_output, output> with
  // respect to each table element and each weight is checked numerically (in double).
  std::mt19937_64 rng(11);
  for (ek::Mode mode : {ek::Mode::sum, ek::Mode::mean, ek::Mode::max}) {
    for (bool weighted : {false, true}) {
      if (mode == ek::Mode::max && weighted) continue;
      const std::int64_t rows = 9, dim = 5;
      const Bags b = random_bags(rng, rows, 4, 6, false, weighted);
      std::normal_distribution<double> d(0.0, 1.0);
      std::vector<double> w(static_cast<std::size_t>(rows * dim)), go(static_cast<std::size_t>(4 * dim));
      for (auto& v : w) v = d(rng);
      for (auto& v : go) v = d(rng);
      std::vector<double> psw(b.weights.begin(), b.weights.end());
      const ek::EmbeddingBagOptions opt{.mode = mode, .padding_idx = 2, .scale_grad_by_freq = false};
      const ek::TensorView<const std::int64_t> iv(b.input.data(), {static_cast<std::int64_t>(b.input.size())});
      const ek::TensorView<const std::int64_t> ov(b.offsets.data(), {4});
      const ek::TensorView<const double> pv = weighted ? ek::TensorView<const double>(psw.data(), iv.shape())
                                                       : ek::TensorView<const double>();
      const ek::TensorView<const double> gv(go.data(), {4, dim});
      auto loss = [&](const std::vector<double>& table, const std::vector<double>& weights) {
        auto bag = ek::EmbeddingBag<double>::from_pretrained(ek::TensorView<const double>(table.data(), {rows, dim}), opt);
        const ek::TensorView<const double> wv2 = weighted ? ek::TensorView<const double>(weights.data(), iv.shape())
                                                          : ek::TensorView<const double>();
        const auto y = bag.forward(iv, ov, wv2);
        double s = 0;
        for (std::int64_t i = 0; i < y.numel(); ++i) s += y[i] * go[static_cast<std::size_t>(i)];
        return s;
      };
      auto bag = ek::EmbeddingBag<double>::from_pretrained(ek::TensorView<const double>(w.data(), {rows, dim}), opt, false);
      const auto g = bag.backward(iv, ov, gv, pv);
      const double h = 1e-6;
      for (std::size_t k = 0; k < w.size(); ++k) {
        auto wp = w, wm = w;
        wp[k] += h;
        wm[k] -= h;
        const double numeric = (loss(wp, psw) - loss(wm, psw)) / (2 * h);
        CHECK(g[static_cast<std::int64_t>(k)] == doctest::Approx(numeric).epsilon(1e-6).scale(1.0));
      }
      if (weighted) {
        const auto gw = bag.backward_per_sample_weights(iv, ov, gv, pv);
        for (std::size_t k = 0; k < psw.size(); ++k) {
          auto pp = psw, pm = psw;
          pp[k] += h;
          pm[k] -= h;
          const double numeric = (loss(w, pp) - loss(w, pm)) / (2 * h);
          CHECK(gw[static_cast<std::int64_t>(k)] == doctest::Approx(numeric).epsilon(1e-6).scale(1.0));
        }
      }
      // The sparse gradient holds the dense one's rows: every distinct non-padding input row.
      const auto sg = bag.backward_sparse(iv, ov, gv, pv);
      for (std::int64_t k = 0; k < sg.nnz(); ++k) {
        CHECK(sg.rows[k] != 2);
        for (std::int64_t c = 0; c < dim; ++c) CHECK(sg.values[k * dim + c] == g[sg.rows[k] * dim + c]);
      }
    }
  }
}

TEST_CASE("Quantization matches the documented row-wise rules and round-trips within a step") {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> d(0.0f, 2.0f);
  const std::int64_t rows = 40, dim = 33;
  std::vector<float> w(static_cast<std::size_t>(rows * dim));
  for (auto& v : w) v = d(rng);
  for (std::int64_t j = 0; j < dim; ++j) w[static_cast<std::size_t>(5 * dim + j)] = 1.25f;  // a constant row
  const ek::TensorView<const float> wv(w.data(), {rows, dim});
  const auto t8 = ek::quantize<ek::q8>(wv);
  const auto t4 = ek::quantize<ek::q4>(wv);
  CHECK(t8.row_bytes() == dim + 8);
  CHECK(t4.row_bytes() == (dim + 1) / 2 + 4);
  const auto d8 = ek::dequantize(t8), d4 = ek::dequantize(t4);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t j = 0; j < dim; ++j) {
      const float x = w[static_cast<std::size_t>(r * dim + j)];
      CHECK(std::abs(d8[r * dim + j] - x) <= 0.5f * t8.scale(r) + 1e-5f);
      CHECK(std::abs(d4[r * dim + j] - x) <= 0.5f * t4.scale(r) + 2e-3f * (1 + std::abs(x)));
    }
  }
  CHECK(d8[5 * dim] == 1.25f);  // constant row: scale 0, bias = the value
  CHECK(d4[5 * dim] == 1.25f);
  // from_packed round-trips the bytes.
  const auto again = ek::QuantizedTable<ek::q8>::from_packed(t8.bytes.cview(), dim);
  CHECK(std::equal(again.bytes.data(), again.bytes.data() + again.bytes.numel(), t8.bytes.data()));
  CHECK_THROWS_AS(ek::QuantizedTable<ek::q8>::from_packed(t8.bytes.cview(), dim + 1), ek::shape_error);
}

TEST_CASE("EmbeddingBag errors name the offset, index, bag and rule") {
  auto bag = ek::EmbeddingBag<float>(10, 3, {.mode = ek::Mode::sum, .seed = 1});
  std::vector<std::int64_t> in{1, 2, 3, 4, 12, 5};
  const ek::TensorView<const std::int64_t> iv(in.data(), {6});
  auto offsets = [](std::vector<std::int64_t>& o) {
    return ek::TensorView<const std::int64_t>(o.data(), {static_cast<std::int64_t>(o.size())});
  };
  std::vector<std::int64_t> o1{1, 3};
  CHECK_THROWS_WITH_AS(bag.forward(iv, offsets(o1)),
                       "EmbeddingBag::forward: offsets[0] is 1; the first offset must be 0", ek::index_error);
  std::vector<std::int64_t> o2{0, 3, 1};
  CHECK_THROWS_WITH_AS(bag.forward(iv, offsets(o2)),
                       "EmbeddingBag::forward: offsets[2] = 1 is less than offsets[1] = 3; offsets must be non-decreasing",
                       ek::index_error);
  std::vector<std::int64_t> o3{0, 7};
  CHECK_THROWS_WITH_AS(bag.forward(iv, offsets(o3)),
                       "EmbeddingBag::forward: offsets[1] = 7 is greater than the input's length 6", ek::index_error);
  std::vector<std::int64_t> o4{0, 2, 4};
  CHECK_THROWS_WITH_AS(bag.forward(iv, offsets(o4)),
                       "EmbeddingBag::forward: index 12 at position 4 (bag 2) is out of range [0, 10)", ek::index_error);
  std::vector<std::int64_t> neg{0, -1};
  std::vector<std::int64_t> o5{0};
  CHECK_THROWS_WITH_AS(bag.forward(ek::TensorView<const std::int64_t>(neg.data(), {2}), offsets(o5)),
                       "EmbeddingBag::forward: index -1 at position 1 (bag 0) is out of range [0, 10)", ek::index_error);
  // A 2-D input takes no offsets; a 1-D input needs them.
  CHECK_THROWS_AS(bag.forward(ek::TensorView<const std::int64_t>(in.data(), {2, 3}), offsets(o5)), ek::shape_error);
  CHECK_THROWS_AS(bag.forward(iv), ek::shape_error);
  // Option combinations.
  CHECK_THROWS_WITH_AS(ek::EmbeddingBag<float>(10, 3, {.mode = ek::Mode::max, .scale_grad_by_freq = true}),
                       "EmbeddingBag: max mode does not support scaling the gradient by the frequency",
                       ek::value_error);
  CHECK_THROWS_AS(ek::EmbeddingBag<ek::q8>(10, 3, {.max_norm = 1.0}), ek::value_error);
  auto mx = ek::EmbeddingBag<float>(10, 3, {.mode = ek::Mode::max, .seed = 1});
  std::vector<float> w(6, 1.0f);
  std::vector<std::int64_t> ok{1, 2, 3, 4, 5, 6};
  const ek::TensorView<const std::int64_t> okv(ok.data(), {6});
  CHECK_THROWS_WITH_AS(mx.forward(okv, offsets(o4), ek::TensorView<const float>(w.data(), {6})),
                       "EmbeddingBag::forward: per_sample_weights are only supported in sum and mean modes (mode is max)",
                       ek::value_error);
  CHECK_THROWS_AS(bag.forward(okv, offsets(o4), ek::TensorView<const float>(w.data(), {5})), ek::shape_error);
  // include_last_offset needs the closing offset; entries after it are still checked.
  auto last = ek::EmbeddingBag<float>(10, 3, {.mode = ek::Mode::sum, .include_last_offset = true, .seed = 1});
  std::vector<std::int64_t> none;
  CHECK_THROWS_AS(last.forward(okv, offsets(none)), ek::shape_error);
  std::vector<std::int64_t> o6{0, 2, 4};
  CHECK(last.forward(okv, offsets(o6)).shape() == ek::Shape{2, 3});
  CHECK_THROWS_WITH_AS(last.forward(iv, offsets(o6)),
                       "EmbeddingBag::forward: index 12 at position 4 is out of range [0, 10)", ek::index_error);
  // Backward: shapes and frozen tables.
  std::vector<float> go(2 * 3, 1.0f);
  CHECK_THROWS_AS(bag.backward(okv, offsets(o4), ek::TensorView<const float>(go.data(), {2, 3})), ek::shape_error);
  auto frozen = ek::EmbeddingBag<float>::from_pretrained(ek::TensorView<const float>(w.data(), {2, 3}));
  std::vector<std::int64_t> small{0, 1};
  std::vector<std::int64_t> o7{0};
  CHECK_THROWS_AS(frozen.backward(ek::TensorView<const std::int64_t>(small.data(), {2}), offsets(o7),
                                  ek::TensorView<const float>(go.data(), {1, 3})),
                  ek::value_error);
  // Max backward with max_indices that are not rows of the input: refused, never followed.
  auto mx2 = ek::EmbeddingBag<float>(10, 3, {.mode = ek::Mode::max, .seed = 1});
  std::vector<std::int64_t> argmax{1, 7, 2};  // one bag holding rows 1..6: 7 is not among them
  CHECK_THROWS_WITH_AS(
      mx2.backward(okv, offsets(o5), ek::TensorView<const float>(go.data(), {1, 3}), {},
                   ek::TensorView<const std::int64_t>(argmax.data(), {1, 3})),
      "EmbeddingBag::backward: max_indices[0, 1] = 7 is not a row of bag 0 (max_indices must come "
      "from forward on the same input: a row of the bag, or -1 for an empty bag)",
      ek::value_error);
  // ... and the input is still checked when max_indices are given (not recomputed).
  std::vector<std::int64_t> fwd{1, 2, 3, 4, 4}, bad_in{1, 2, 3, 4, 12};
  ek::Tensor<std::int64_t> am;
  (void)mx2.forward(ek::TensorView<const std::int64_t>(fwd.data(), {5}), offsets(o5), {}, &am);
  CHECK_THROWS_WITH_AS(
      mx2.backward_sparse(ek::TensorView<const std::int64_t>(bad_in.data(), {5}), offsets(o5),
                          ek::TensorView<const float>(go.data(), {1, 3}), {}, am.cview()),
      "EmbeddingBag::backward: index 12 at position 4 is out of range [0, 10)", ek::index_error);
  std::vector<float> go3(3 * 3, 1.0f);
  std::vector<std::int64_t> argmax3{1, 2, 1, 3, 4, 4, 5, 6, 99};
  CHECK_THROWS_WITH_AS(
      mx2.backward(okv, offsets(o4), ek::TensorView<const float>(go3.data(), {3, 3}), {},
                   ek::TensorView<const std::int64_t>(argmax3.data(), {3, 3})),
      "EmbeddingBag::backward: max_indices[2, 2] = 99 is not a row of bag 2 (max_indices must "
      "come from forward on the same input: a row of the bag, or -1 for an empty bag)",
      ek::value_error);
  // Rows of the input that belong to another bag, negative values, and -1 for a bag with
  // entries would misroute or drop gradients: each is refused, naming the first such element.
  const auto refused = [&](std::vector<std::int64_t> am3, const char* message) {
    CHECK_THROWS_WITH_AS(mx2.backward(okv, offsets(o4), ek::TensorView<const float>(go3.data(), {3, 3}), {},
                                      ek::TensorView<const std::int64_t>(am3.data(), {3, 3})),
                         message, ek::value_error);
  };
  refused({1, 2, 1, 3, 5, 4, 5, 6, 6},
          "EmbeddingBag::backward: max_indices[1, 1] = 5 is not a row of bag 1 (max_indices must come "
          "from forward on the same input: a row of the bag, or -1 for an empty bag)");
  refused({1, 2, -5, 3, 4, 4, 5, 6, 6},
          "EmbeddingBag::backward: max_indices[0, 2] = -5 is not a row of bag 0 (max_indices must come "
          "from forward on the same input: a row of the bag, or -1 for an empty bag)");
  refused({1, 2, 1, 3, 4, 4, 5, -1, 6},
          "EmbeddingBag::backward: max_indices[2, 1] = -1 is not a row of bag 2 (max_indices must come "
          "from forward on the same input: a row of the bag, or -1 for an empty bag)");
  // An empty bag takes -1 only.
  std::vector<std::int64_t> o_empty{0, 2, 2};
  std::vector<std::int64_t> am_empty{1, 2, 1, 2, -1, -1, 3, 4, 5};
  CHECK_THROWS_AS(mx2.backward(ek::TensorView<const std::int64_t>(ok.data(), {6}), offsets(o_empty),
                               ek::TensorView<const float>(go3.data(), {3, 3}), {},
                               ek::TensorView<const std::int64_t>(am_empty.data(), {3, 3})),
                  ek::value_error);
  std::vector<std::int64_t> am_empty_ok{1, 2, 1, -1, -1, -1, 3, 4, 5};
  const auto g_ok = mx2.backward(ek::TensorView<const std::int64_t>(ok.data(), {6}), offsets(o_empty),
                                 ek::TensorView<const float>(go3.data(), {3, 3}), {},
                                 ek::TensorView<const std::int64_t>(am_empty_ok.data(), {3, 3}));
  // Bag 0 = {1, 2}: row 1 takes columns 0 and 2, row 2 column 1; bag 2 = {3, 4, 5, 6}: rows
  // 3, 4, 5 take one column each; the empty bag 1 routes nothing.
  const std::vector<float> want{0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(std::vector<float>(g_ok.data(), g_ok.data() + g_ok.numel()) == want);
}

TEST_CASE("forward_into writes the same result into a caller-owned output") {
  auto bag = ek::EmbeddingBag<float>(30, 12, {.mode = ek::Mode::mean, .seed = 4});
  std::vector<std::int32_t> in{1, 2, 3, 4, 5, 6, 7};
  std::vector<std::int32_t> off{0, 3, 3};
  const ek::TensorView<const std::int32_t> iv(in.data(), {7}), ov(off.data(), {3});
  const auto y = bag.forward(iv, ov);
  auto out = ek::Tensor<float>::full({3, 12}, -1.0f);
  bag.forward_into(out.view(), iv, ov);
  for (std::int64_t i = 0; i < y.numel(); ++i) CHECK(out[i] == y[i]);
  auto wrong = ek::Tensor<float>::empty({2, 12});
  CHECK_THROWS_AS(bag.forward_into(wrong.view(), iv, ov), ek::shape_error);
}

TEST_CASE("Empty inputs and empty bags give zeros") {
  auto bag = ek::EmbeddingBag<float>(10, 4, {.mode = ek::Mode::max, .seed = 1});
  std::vector<std::int64_t> in;
  std::vector<std::int64_t> o{0, 0, 0};
  ek::Tensor<std::int64_t> arg;
  const auto y = bag.forward(ek::TensorView<const std::int64_t>(in.data(), {0}),
                             ek::TensorView<const std::int64_t>(o.data(), {3}), {}, &arg);
  CHECK(y.shape() == ek::Shape{3, 4});
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    CHECK(y[i] == 0.0f);
    CHECK(arg[i] == -1);
  }
}

// The seed's nn.EmbeddingBag examples (PyTorch's own random tables cannot be reproduced; the
// shapes and the reduction they show can).
TEST_CASE("Seed example: nn.EmbeddingBag(100, 5, mode='mean') on [1, 2, 4, 5, 3, 2, 9] with offsets [0, 3]") {
  ek::EmbeddingBag<float> embedding_bag(100, 5, {.mode = ek::Mode::mean});
  const std::int64_t input_indices[] = {1, 2, 4, 5, 3, 2, 9};
  const std::int64_t offsets[] = {0, 3};
  const auto embeddings = embedding_bag.forward(ek::TensorView<const std::int64_t>(input_indices, {7}),
                                                ek::TensorView<const std::int64_t>(offsets, {2}));
  CHECK(embeddings.shape() == ek::Shape{2, 5});
  const auto w = embedding_bag.weight();
  for (int c = 0; c < 5; ++c) {
    CHECK(embeddings[c] == doctest::Approx((w[1 * 5 + c] + w[2 * 5 + c] + w[4 * 5 + c]) / 3));
    CHECK(embeddings[5 + c] == doctest::Approx((w[5 * 5 + c] + w[3 * 5 + c] + w[2 * 5 + c] + w[9 * 5 + c]) / 4));
  }
}

TEST_CASE("Seed example: nn.EmbeddingBag(num_embeddings=10, embedding_dim=3) on [3, 1, 7, 4, 0], offsets [0, 2]") {
  ek::EmbeddingBag<float> embeddingbag(10, 3);  // mode mean, as PyTorch's default
  CHECK(embeddingbag.options().mode == ek::Mode::mean);
  const std::int64_t input[] = {3, 1, 7, 4, 0};
  const std::int64_t offsets[] = {0, 2};
  const auto output = embeddingbag.forward(ek::TensorView<const std::int64_t>(input, {5}),
                                           ek::TensorView<const std::int64_t>(offsets, {2}));
  CHECK(output.shape() == ek::Shape{2, 3});
  const auto w = embeddingbag.weight();
  CHECK(output[3] == doctest::Approx((w[7 * 3] + w[4 * 3] + w[0]) / 3));
}
