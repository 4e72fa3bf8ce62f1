// Bad input on the cuda backend: the same error, with the same message, as the cpu layer
// raises for the same call (the device finds the fault, the layer words it); the first fault
// in input order when there are several; indices checked on every path (max_norm, dim 0,
// max-mode backward with the caller's max_indices); and a device that keeps working: errors
// are followed by a valid call whose result is checked against the cpu layer.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "cross_check.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

namespace {

// A valid lookup on both layers, compared: the device is still usable.
template <class I>
void check_still_works(const ek::Embedding<float>& cpu, const ek::Embedding<float, ek::cuda>& dev) {
  const std::vector<I> ids{0, 9, 4, 4, 1, 7};
  check_equal(host(dev.forward(on<ek::cuda>(ids, {2, 3}).cview())), cpu.forward(on<ek::cpu>(ids, {2, 3}).cview()),
              "forward after an error");
}

template <class I>
void check_embedding_errors() {
  const ek::EmbeddingOptions opt{.padding_idx = 2, .mask_zero = true, .seed = 11};
  const ek::Embedding<float> cpu(10, 3, opt);
  const ek::Embedding<float, ek::cuda> dev(10, 3, opt);
  const std::vector<std::vector<I>> bad_inputs = {
      {1, 2, 3, 4, 5, 12},   // too large, last position
      {-1, 2, 3, 4, 5, 6},   // negative, first position
      {1, 10, 3, -4, 5, 6},  // two faults: the first one is named
  };
  for (const auto& ids : bad_inputs) {
    const auto h = on<ek::cpu>(ids, {2, 3});
    const auto d = on<ek::cuda>(ids, {2, 3});
    std::vector<float> go(ids.size() * 3, 1.0f);
    const auto h_go = on<ek::cpu>(go, {2, 3, 3});
    const auto d_go = on<ek::cuda>(go, {2, 3, 3});
    check_same_error<ek::index_error>([&] { cpu.forward(h.cview()); }, [&] { dev.forward(d.cview()); });
    check_still_works<I>(cpu, dev);
    check_same_error<ek::index_error>([&] { cpu.mask(h.cview()); }, [&] { dev.mask(d.cview()); });
    check_still_works<I>(cpu, dev);
    check_same_error<ek::index_error>([&] { cpu.backward(h.cview(), h_go.cview()); },
                                      [&] { dev.backward(d.cview(), d_go.cview()); });
    check_same_error<ek::index_error>([&] { cpu.backward_sparse(h.cview(), h_go.cview()); },
                                      [&] { dev.backward_sparse(d.cview(), d_go.cview()); });
    check_still_works<I>(cpu, dev);
  }
}

}  // namespace

TEST_CASE("cuda: Embedding raises the cpu layer's index_error and keeps working") {
  check_embedding_errors<std::int64_t>();
  check_embedding_errors<std::int32_t>();
}

TEST_CASE("cuda: the first of many bad indices in a large input is the one named") {
  // Faults far apart, found by different blocks: the lowest position must win.
  std::vector<std::int64_t> ids(200000);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>((i * 7919) % 1000);
  ids[199999] = 1000;
  ids[150001] = -3;
  ids[54321] = 5000;
  ids[54322] = -1;
  const ek::Embedding<float> cpu(1000, 16, {.seed = 2});
  const ek::Embedding<float, ek::cuda> dev(1000, 16, {.seed = 2});
  const auto h = on<ek::cpu>(ids, {400, 500});
  const auto d = on<ek::cuda>(ids, {400, 500});
  check_same_error<ek::index_error>([&] { cpu.forward(h.cview()); }, [&] { dev.forward(d.cview()); });
  const ek::EmbeddingBag<float> cpu_bag(1000, 16, {.mode = ek::Mode::sum, .seed = 2});
  const ek::EmbeddingBag<float, ek::cuda> dev_bag(1000, 16, {.mode = ek::Mode::sum, .seed = 2});
  std::vector<std::int64_t> offsets;
  for (std::int64_t b = 0; b < 4000; ++b) offsets.push_back(b * 50);
  const auto h_off = on<ek::cpu>(offsets);
  const auto d_off = on<ek::cuda>(offsets);
  const auto h1 = on<ek::cpu>(ids);
  const auto d1 = on<ek::cuda>(ids);
  check_same_error<ek::index_error>([&] { cpu_bag.forward(h1.cview(), h_off.cview()); },
                                    [&] { dev_bag.forward(d1.cview(), d_off.cview()); });
  check_same_error<ek::index_error>([&] { cpu_bag.forward(h.cview()); }, [&] { dev_bag.forward(d.cview()); });  // 2-D
  ids[54321] = 1;
  ids[54322] = 1;
  const auto h2 = on<ek::cpu>(ids);
  const auto d2 = on<ek::cuda>(ids);
  check_same_error<ek::index_error>([&] { cpu_bag.forward(h2.cview(), h_off.cview()); },
                                    [&] { dev_bag.forward(d2.cview(), d_off.cview()); });
}

namespace {

template <class I>
struct BagErrors {
  const ek::EmbeddingBagOptions opt;
  const ek::EmbeddingBag<float> cpu{10, 3, opt};
  const ek::EmbeddingBag<float, ek::cuda> dev{10, 3, opt};

  // A valid call on both layers, compared.
  void check_still_works() const {
    const std::vector<I> in{1, 2, 3, 4, 5, 6};
    const std::vector<I> off = opt.include_last_offset ? std::vector<I>{0, 2, 6} : std::vector<I>{0, 2};
    const auto got = dev.forward(on<ek::cuda>(in).cview(), on<ek::cuda>(off).cview());
    check_near(host(got), cpu.forward(on<ek::cpu>(in).cview(), on<ek::cpu>(off).cview()), "forward after an error", 1e-5);
  }

  // forward, forward_into and the backward entry points on input `in` with offsets `off`.
  void check(const std::vector<I>& in, const std::vector<I>& off, bool backward = true) const {
    CAPTURE(in.size());
    CAPTURE(off.size());
    const auto hi = on<ek::cpu>(in), ho = on<ek::cpu>(off);
    const auto di = on<ek::cuda>(in), d_off = on<ek::cuda>(off);
    const std::int64_t bags = static_cast<std::int64_t>(off.size()) - (opt.include_last_offset ? 1 : 0);
    const std::vector<float> ones(static_cast<std::size_t>(bags * 3), 1.0f), w(in.size(), 0.5f);
    const auto hg = on<ek::cpu>(ones, {bags, 3});
    const auto dg = on<ek::cuda>(ones, {bags, 3});
    const auto hw = on<ek::cpu>(w);
    const auto dw = on<ek::cuda>(w);
    check_same_error<ek::index_error>([&] { cpu.forward(hi.cview(), ho.cview()); },
                                      [&] { dev.forward(di.cview(), d_off.cview()); });
    check_still_works();
    auto h_out = ek::Tensor<float>::empty({bags, 3});
    auto d_out = ek::Tensor<float, ek::cuda>::empty({bags, 3});
    check_same_error<ek::index_error>([&] { cpu.forward_into(h_out.view(), hi.cview(), ho.cview()); },
                                      [&] { dev.forward_into(d_out.view(), di.cview(), d_off.cview()); });
    check_still_works();
    if (!backward) return;
    check_same_error<ek::index_error>([&] { cpu.backward(hi.cview(), ho.cview(), hg.cview()); },
                                      [&] { dev.backward(di.cview(), d_off.cview(), dg.cview()); });
    check_same_error<ek::index_error>([&] { cpu.backward_sparse(hi.cview(), ho.cview(), hg.cview()); },
                                      [&] { dev.backward_sparse(di.cview(), d_off.cview(), dg.cview()); });
    if (opt.mode != ek::Mode::max) {
      check_same_error<ek::index_error>(
          [&] { cpu.backward_per_sample_weights(hi.cview(), ho.cview(), hg.cview(), hw.cview()); },
          [&] { dev.backward_per_sample_weights(di.cview(), d_off.cview(), dg.cview(), dw.cview()); });
    }
    check_still_works();
  }
};

template <class I>
void check_bag_errors(ek::Mode mode) {
  CAPTURE(int(mode));
  const BagErrors<I> plain{{.mode = mode, .seed = 4}};
  plain.check({1, 2, 3, 4, 12, 5}, {0, 2, 4});   // index too large, in bag 2
  plain.check({1, 2, -1, 4, 5, 6}, {0, 2, 4});   // negative index
  plain.check({1, 2, 3, 4, 5, 6}, {1, 3});       // offsets do not start at 0
  plain.check({1, 2, 3, 4, 5, 6}, {0, 3, 1});    // decreasing offsets
  plain.check({1, 2, 3, 4, 5, 6}, {0, 7});       // an offset beyond the input
  plain.check({1, 2, 3, 4, 5, 6}, {0, 3, 2, 9}); // decreasing, then beyond: the first rule broken
  plain.check({1, 2, 3, 4, 5, 16}, {0, 6});      // the last entry, before an empty last bag
  const BagErrors<I> last{{.mode = mode, .include_last_offset = true, .seed = 4}};
  last.check({1, 2, 3, 4, 5, 16}, {0, 2, 4});    // an entry after the closing offset
  last.check({1, 2, 3, 4, 5, 6}, {0, 2, 7});     // the closing offset beyond the input
  last.check({1, 2, 3, 4, 5, 6}, {0, 4, 3});     // the closing offset before the last bag's start
}

}  // namespace

TEST_CASE("cuda: EmbeddingBag raises the cpu layer's index_error for bad indices and offsets") {
  for (const ek::Mode mode : {ek::Mode::sum, ek::Mode::mean, ek::Mode::max}) {
    check_bag_errors<std::int64_t>(mode);
    check_bag_errors<std::int32_t>(mode);
  }
}

TEST_CASE("cuda: a bad index with max_norm is reported before any row is written") {
  std::vector<float> table(10 * 4);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<float>(i % 7) - 2.5f;
  const ek::EmbeddingBagOptions opt{.mode = ek::Mode::sum, .max_norm = 1.0};
  const auto cpu = ek::EmbeddingBag<float>::from_pretrained(on<ek::cpu>(table, {10, 4}).cview(), opt);
  const auto dev = ek::EmbeddingBag<float, ek::cuda>::from_pretrained(on<ek::cuda>(table, {10, 4}).cview(), opt);
  const std::vector<std::int64_t> in{1, 2, 3, 10}, off{0, 2};
  check_same_error<ek::index_error>([&] { cpu.forward(on<ek::cpu>(in).cview(), on<ek::cpu>(off).cview()); },
                                    [&] { dev.forward(on<ek::cuda>(in).cview(), on<ek::cuda>(off).cview()); });
  CHECK(elements(host_of<ek::cuda>(dev.weight())) == table);

  const auto emb_cpu = ek::Embedding<float>::from_pretrained(on<ek::cpu>(table, {10, 4}).cview(), {.max_norm = 1.0});
  const auto emb_dev = ek::Embedding<float, ek::cuda>::from_pretrained(on<ek::cuda>(table, {10, 4}).cview(), {.max_norm = 1.0});
  check_same_error<ek::index_error>([&] { emb_cpu.forward(on<ek::cpu>(in).cview()); },
                                    [&] { emb_dev.forward(on<ek::cuda>(in).cview()); });
  CHECK(elements(host_of<ek::cuda>(emb_dev.weight())) == table);
}

TEST_CASE("cuda: a 2-D bag input with a bad index raises the cpu layer's error") {
  const ek::EmbeddingBag<float> cpu(10, 5, {.mode = ek::Mode::mean, .seed = 6});
  const ek::EmbeddingBag<float, ek::cuda> dev(10, 5, {.mode = ek::Mode::mean, .seed = 6});
  const std::vector<std::int32_t> in{1, 2, 3, 4, 5, 6, 7, 8, 11, 0, 1, 2};
  const auto h = on<ek::cpu>(in, {4, 3});
  const auto d = on<ek::cuda>(in, {4, 3});
  check_same_error<ek::index_error>([&] { cpu.forward(h.cview()); }, [&] { dev.forward(d.cview()); });
  const std::vector<float> g(4 * 5, 1.0f);
  check_same_error<ek::index_error>([&] { cpu.backward(h.cview(), on<ek::cpu>(g, {4, 5}).cview()); },
                                    [&] { dev.backward(d.cview(), on<ek::cuda>(g, {4, 5}).cview()); });
  ek::cuda::synchronize();  // nothing left failed on the stream
  CHECK(ek::cuda::available());
}

TEST_CASE("cuda: a bag table of dim 0 still checks every index") {
  // No column to reduce, but the indices are read all the same.
  const ek::EmbeddingBag<float> cpu(10, 0, {.mode = ek::Mode::sum, .seed = 1});
  const ek::EmbeddingBag<float, ek::cuda> dev(10, 0, {.mode = ek::Mode::sum, .seed = 1});
  const std::vector<std::int64_t> in{1, 2, 3, 12}, off{0, 2};
  check_same_error<ek::index_error>([&] { cpu.forward(on<ek::cpu>(in).cview(), on<ek::cpu>(off).cview()); },
                                    [&] { dev.forward(on<ek::cuda>(in).cview(), on<ek::cuda>(off).cview()); });
  const std::vector<std::int64_t> ok{1, 2, 3, 4};
  CHECK(dev.forward(on<ek::cuda>(ok).cview(), on<ek::cuda>(off).cview()).shape() == ek::Shape{2, 0});
}

TEST_CASE("cuda: max-mode backward with forward's max_indices checks the input's indices and rows") {
  const ek::EmbeddingBag<float> cpu(10, 3, {.mode = ek::Mode::max, .seed = 7});
  const ek::EmbeddingBag<float, ek::cuda> dev(10, 3, {.mode = ek::Mode::max, .seed = 7});
  const std::vector<std::int64_t> off{0, 2};
  const std::vector<float> g(2 * 3, 1.0f);
  ek::Tensor<std::int64_t> cpu_arg;
  ek::Tensor<std::int64_t, ek::cuda> dev_arg;
  const std::vector<std::int64_t> ok{1, 2, 3, 4, 4};
  cpu.forward(on<ek::cpu>(ok).cview(), on<ek::cpu>(off).cview(), {}, &cpu_arg);
  dev.forward(on<ek::cuda>(ok).cview(), on<ek::cuda>(off).cview(), {}, &dev_arg);
  // Every row max_indices names is in the input below, so only the index check can object.
  const std::vector<std::int64_t> bad{1, 2, 3, 4, 12};
  check_same_error<ek::index_error>(
      [&] { cpu.backward_sparse(on<ek::cpu>(bad).cview(), on<ek::cpu>(off).cview(), on<ek::cpu>(g, {2, 3}).cview(), {}, cpu_arg.cview()); },
      [&] { dev.backward_sparse(on<ek::cuda>(bad).cview(), on<ek::cuda>(off).cview(), on<ek::cuda>(g, {2, 3}).cview(), {}, dev_arg.cview()); });
  // max_indices naming a row the input does not hold.
  const std::vector<std::int64_t> other{1, 2, 5, 5, 5};
  check_same_error<ek::value_error>(
      [&] { cpu.backward_sparse(on<ek::cpu>(other).cview(), on<ek::cpu>(off).cview(), on<ek::cpu>(g, {2, 3}).cview(), {}, cpu_arg.cview()); },
      [&] { dev.backward_sparse(on<ek::cuda>(other).cview(), on<ek::cuda>(off).cview(), on<ek::cuda>(g, {2, 3}).cview(), {}, dev_arg.cview()); });
  // max_indices naming rows of the input that belong to the other bag, or -1 for a bag with
  // entries: the same first element is refused on both devices.
  for (const std::vector<std::int64_t>& am : {std::vector<std::int64_t>{3, 3, 3, 1, 1, 1},
                                              std::vector<std::int64_t>{1, 2, -1, 3, 4, 4}}) {
    check_same_error<ek::value_error>(
        [&] { cpu.backward_sparse(on<ek::cpu>(ok).cview(), on<ek::cpu>(off).cview(), on<ek::cpu>(g, {2, 3}).cview(), {}, on<ek::cpu>(am, {2, 3}).cview()); },
        [&] { dev.backward_sparse(on<ek::cuda>(ok).cview(), on<ek::cuda>(off).cview(), on<ek::cuda>(g, {2, 3}).cview(), {}, on<ek::cuda>(am, {2, 3}).cview()); });
  }
  check_equal(host(dev.backward(on<ek::cuda>(ok).cview(), on<ek::cuda>(off).cview(), on<ek::cuda>(g, {2, 3}).cview(), {}, dev_arg.cview())),
              cpu.backward(on<ek::cpu>(ok).cview(), on<ek::cpu>(off).cview(), on<ek::cpu>(g, {2, 3}).cview(), {}, cpu_arg.cview()),
              "backward after the errors");
}
