// Embedding<T, ek::cuda> against Embedding<T> (the cpu layer, proven against PyTorch) on seeded
// random problems: every storage and index type, index ranks 0 to 3 (empty ones included),
// dims that are not multiples of a vector width, padding_idx, mask_zero, scale_grad_by_freq,
// both gradient summation modes, max_norm with every norm, fresh tables from a seed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "cross_check.hpp"
#include "random_problems.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

namespace {

constexpr std::int64_t kDims[] = {1, 3, 7, 33, 130, 512};

// An index shape of rank 0 to 3; one in eight has an empty extent.
ek::Shape random_index_shape(std::mt19937_64& rng) {
  const auto extent = [&] { return static_cast<std::int64_t>(rng() % 8 == 0 ? 0 : 1 + rng() % 9); };
  switch (rng() % 4) {
    case 0: return ek::Shape();
    case 1: return ek::Shape{extent() * 3};
    case 2: return ek::Shape{extent(), extent()};
    default: return ek::Shape{extent(), 2, extent()};
  }
}

template <class T, class I>
void check_random_problem(std::mt19937_64& rng, std::int64_t dim, int trial) {
  constexpr double tol = backend_tolerance<T>();
  const std::int64_t rows = 1 + static_cast<std::int64_t>(rng() % 300);
  const ek::Shape shape = random_index_shape(rng);
  ek::EmbeddingOptions opt;
  // The flags cycle with the trial number, so each storage type meets every combination.
  if (trial & 1) {
    const auto p = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(rows));
    opt.padding_idx = rng() % 2 ? p : p - rows;  // negative: counted from the end
  }
  opt.scale_grad_by_freq = trial & 2;
  opt.mask_zero = trial & 4;
  opt.deterministic = !(trial & 8);
  const std::int64_t pad = opt.padding_idx ? (*opt.padding_idx + rows) % rows : -1;
  INFO("trial " << trial << " rows " << rows << " dim " << dim << " indices " << shape.str());

  const auto table = random_floats(rng, rows * dim);
  std::vector<T> weight(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) weight[i] = T(table[i]);
  const std::vector<I> idx = cast_indices<I>(random_rows(rng, shape.numel(), rows, pad));
  std::vector<T> go;
  for (const float v : random_floats(rng, shape.numel() * dim)) go.push_back(T(v));

  const auto h_w = on<ek::cpu>(weight, {rows, dim});
  const auto h_idx = on<ek::cpu>(idx, shape);
  const auto h_go = on<ek::cpu>(go, shape.append(dim));
  const auto d_w = on<ek::cuda>(weight, {rows, dim});
  const auto d_idx = on<ek::cuda>(idx, shape);
  const auto d_go = on<ek::cuda>(go, shape.append(dim));
  const auto cpu = ek::Embedding<T>::from_pretrained(h_w.cview(), opt, false);
  const auto dev = ek::Embedding<T, ek::cuda>::from_pretrained(d_w.cview(), opt, false);
  CHECK(dev.padding_row() == cpu.padding_row());

  // A lookup copies rows: the results are equal, whichever overload is called.
  const auto want = cpu.forward(h_idx.cview());
  check_equal(host(dev.forward(d_idx.cview())), want, "forward");
  check_equal(host(dev.forward(d_idx)), want, "forward(Tensor)");
  check_equal(host(dev.mask(d_idx.cview())), cpu.mask(h_idx.cview()), "mask");

  const auto want_gw = cpu.backward(h_idx.cview(), h_go.cview());
  check_near(host(dev.backward(d_idx.cview(), d_go.cview())), want_gw, "backward", tol);
  const auto want_sg = cpu.backward_sparse(h_idx.cview(), h_go.cview());
  const auto sg = dev.backward_sparse(d_idx.cview(), d_go.cview());
  CHECK(sg.num_rows == want_sg.num_rows);
  check_equal(host(sg.rows), want_sg.rows, "backward_sparse rows");
  check_near(host(sg.values), want_sg.values, "backward_sparse values", tol);
}

template <class T, class I>
void check_storage_and_index_type(std::mt19937_64& rng) {
  int trial = 0;
  for (int round = 0; round < 3; ++round) {
    for (const std::int64_t dim : kDims) check_random_problem<T, I>(rng, dim, trial++);
  }
}

}  // namespace

TEST_CASE("cuda: Embedding forward, mask and backward equal the cpu layer's") {
  std::mt19937_64 rng(20240);
  SUBCASE("float, int64") { check_storage_and_index_type<float, std::int64_t>(rng); }
  SUBCASE("float, int32") { check_storage_and_index_type<float, std::int32_t>(rng); }
  SUBCASE("double, int64") { check_storage_and_index_type<double, std::int64_t>(rng); }
  SUBCASE("double, int32") { check_storage_and_index_type<double, std::int32_t>(rng); }
  SUBCASE("half, int64") { check_storage_and_index_type<ek::half, std::int64_t>(rng); }
  SUBCASE("half, int32") { check_storage_and_index_type<ek::half, std::int32_t>(rng); }
  SUBCASE("bfloat16, int64") { check_storage_and_index_type<ek::bfloat16, std::int64_t>(rng); }
  SUBCASE("bfloat16, int32") { check_storage_and_index_type<ek::bfloat16, std::int32_t>(rng); }
}

TEST_CASE("cuda: Embedding backward over many repeats of few rows equals the cpu layer's") {
  // 20000 lookups of 100 rows: each row's gradient sums about 200 contributions, where the
  // order of the sum and atomics show.
  std::mt19937_64 rng(77);
  const std::int64_t rows = 100, dim = 130;
  const auto table = random_floats(rng, rows * dim);
  const auto idx = random_rows(rng, 20000, rows);
  const auto go = random_floats(rng, 20000 * dim);
  for (const bool freq : {false, true}) {
    for (const bool deterministic : {true, false}) {
      INFO("scale_grad_by_freq " << freq << " deterministic " << deterministic);
      const ek::EmbeddingOptions opt{.padding_idx = 3, .scale_grad_by_freq = freq, .deterministic = deterministic};
      const auto cpu = ek::Embedding<float>::from_pretrained(on<ek::cpu>(table, {rows, dim}).cview(), opt, false);
      const auto d_w = on<ek::cuda>(table, {rows, dim});
      const auto dev = ek::Embedding<float, ek::cuda>::from_pretrained(d_w.cview(), opt, false);
      const auto h_idx = on<ek::cpu>(idx, {200, 100});
      const auto d_idx = on<ek::cuda>(idx, {200, 100});
      const auto h_go = on<ek::cpu>(go, {200, 100, dim});
      const auto d_go = on<ek::cuda>(go, {200, 100, dim});
      check_near(host(dev.backward(d_idx.cview(), d_go.cview())), cpu.backward(h_idx.cview(), h_go.cview()),
                 "backward", backend_tolerance<float>());
      const auto want = cpu.backward_sparse(h_idx.cview(), h_go.cview());
      const auto got = dev.backward_sparse(d_idx.cview(), d_go.cview());
      check_equal(host(got.rows), want.rows, "backward_sparse rows");
      check_near(host(got.values), want.values, "backward_sparse values", backend_tolerance<float>());
    }
  }
}

namespace {

// max_norm: the output and the whole table after forward match the cpu layer's; rows that
// were not referenced are left exactly as they were.
template <class T>
void check_max_norm(double norm_type) {
  INFO("norm_type " << norm_type);
  std::mt19937_64 rng(5 + static_cast<std::uint64_t>(norm_type * 10));
  const std::int64_t rows = 64, dim = 33;
  std::vector<T> weight(static_cast<std::size_t>(rows * dim));
  const auto table = random_floats(rng, rows * dim, 3.0f);
  for (std::size_t i = 0; i < table.size(); ++i) weight[i] = T(table[i]);
  const auto idx = random_rows(rng, 40, rows / 2);  // rows 32 and above stay unreferenced
  const ek::EmbeddingOptions opt{.max_norm = 1.5, .norm_type = norm_type};
  auto cpu = ek::Embedding<T>::from_pretrained(on<ek::cpu>(weight, {rows, dim}).cview(), opt);
  auto d_w = on<ek::cuda>(weight, {rows, dim});
  // wrap(): the layer renormalises the caller's device memory in place.
  auto dev = ek::Embedding<T, ek::cuda>::wrap(d_w.view(), opt);
  const auto y = cpu.forward(on<ek::cpu>(idx, {5, 8}).cview());
  check_near(host(dev.forward(on<ek::cuda>(idx, {5, 8}).cview())), y, "forward", backend_tolerance<T>());
  const auto want = ek::Tensor<T>::copy_of(cpu.weight());
  const auto got = host(d_w);
  check_near(got, want, "table after forward", backend_tolerance<T>());
  int changed = 0, unreferenced_changed = 0;
  for (std::int64_t i = 0; i < rows * dim; ++i) {
    const bool differs = as_double(got[i]) != as_double(weight[static_cast<std::size_t>(i)]);
    changed += differs;
    unreferenced_changed += differs && i >= (rows / 2) * dim;
  }
  CHECK(unreferenced_changed == 0);
  CHECK(changed > 0);  // the test renormalised something
}

}  // namespace

TEST_CASE("cuda: max_norm renormalises the table as the cpu layer does") {
  for (const double p : {1.0, 2.0, 3.0, std::numeric_limits<double>::infinity()}) {
    check_max_norm<float>(p);
    check_max_norm<double>(p);
    check_max_norm<ek::half>(p);
    check_max_norm<ek::bfloat16>(p);
  }
}

TEST_CASE("cuda: a fresh table drawn from a seed is the cpu layer's table") {
  const auto same_table = [](const auto& dev, const auto& cpu) {
    using T = typename std::decay_t<decltype(cpu)>::value_type;
    return same_bits(host_of<ek::cuda>(dev.weight()), ek::Tensor<T>::copy_of(cpu.weight()));
  };
  const ek::EmbeddingOptions opt{.padding_idx = -2, .init = ek::init::uniform(-0.5, 0.5), .seed = 42};
  CHECK(same_table(ek::Embedding<float, ek::cuda>(300, 33, opt), ek::Embedding<float>(300, 33, opt)));
  CHECK(same_table(ek::Embedding<double, ek::cuda>(300, 7, opt), ek::Embedding<double>(300, 7, opt)));
  CHECK(same_table(ek::Embedding<ek::half, ek::cuda>(300, 130, opt), ek::Embedding<ek::half>(300, 130, opt)));
  CHECK(same_table(ek::Embedding<ek::bfloat16, ek::cuda>(30, 1, opt), ek::Embedding<ek::bfloat16>(30, 1, opt)));
  // Without a seed both follow the per-process sequence that manual_seed restarts.
  ek::manual_seed(9);
  const ek::Embedding<float, ek::cuda> dev(50, 8);
  ek::manual_seed(9);
  const ek::Embedding<float> cpu(50, 8);
  CHECK(same_table(dev, cpu));
  const ek::Embedding<float> other(50, 8);
  CHECK_FALSE(same_table(dev, other));  // the comparison can tell tables apart
}

TEST_CASE("cuda: copies of a layer own their table") {
  const ek::Embedding<float, ek::cuda> a(20, 5, {.max_norm = 0.5, .seed = 3});
  const auto before = host_of<ek::cuda>(a.weight());
  auto b = a;  // deep: b's max_norm writes its own table
  CHECK(b.weight().data() != a.weight().data());
  std::vector<std::int64_t> ids{1, 2, 3};
  b.forward(on<ek::cuda>(ids).cview());
  CHECK(same_bits(host_of<ek::cuda>(a.weight()), before));
  CHECK_FALSE(same_bits(host_of<ek::cuda>(b.weight()), before));
}
