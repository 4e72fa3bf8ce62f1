// One EmbeddingBag problem run on backend B and on ek::cpu, every result compared: the stored
// table, forward (and forward_into), max_indices, the dense and sparse table gradients (in the
// order the options ask for and with atomics), and the gradient of per-sample weights.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>

#include "support/backend_data.hpp"
#include "cross_check.hpp"
#include "random_problems.hpp"

namespace embedkit_test {

struct BagCase {
  std::int64_t rows = 0, dim = 0;
  std::vector<float> table;  // [rows, dim], converted to the storage type by from_pretrained
  RandomBags bags;           // with two_d: input holds bags * length entries, offsets unused
  bool two_d = false;
  std::int64_t length = 0;
  embedkit::EmbeddingBagOptions options;
  std::vector<double> grad_output;  // [bags, dim]
};

// The stored tables of two layers, byte for byte (the conversion happens on the host for
// every backend, so they must not differ at all).
template <class T, class B>
void check_same_table(const embedkit::EmbeddingBag<T>& cpu_bag, const embedkit::EmbeddingBag<T, B>& dev_bag) {
  if constexpr (embedkit::Quantized<T>) {
    CHECK(dev_bag.table().dim == cpu_bag.table().dim);
    CHECK(same_bits(host(dev_bag.table().bytes), cpu_bag.table().bytes));
  } else {
    CHECK(same_bits(host_of<B>(dev_bag.weight()), embedkit::Tensor<T>::copy_of(cpu_bag.weight())));
  }
}

// max_indices of both backends. Float tables: equal (the first maximum wins on both).
// Quantized tables: rows are dequantized on the fly, where a fused multiply-add may round
// differently, so a different row is accepted only where its value ties the cpu's within tol.
template <class T>
void check_argmax(const embedkit::Tensor<std::int64_t>& got, const embedkit::Tensor<std::int64_t>& want,
                  const embedkit::Tensor<float>& dequantized, std::int64_t dim) {
  REQUIRE(got.shape() == want.shape());
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    if (got[i] == want[i]) continue;
    bool tie = false;
    if constexpr (embedkit::Quantized<T>) {
      const std::int64_t c = i % dim;
      tie = got[i] >= 0 && want[i] >= 0 &&
            std::abs(dequantized[got[i] * dim + c] - dequantized[want[i] * dim + c]) <=
                backend_tolerance<T>() * (1.0f + std::abs(dequantized[want[i] * dim + c]));
    }
    if (!tie && bad++ == 0) MESSAGE("max_indices[" << i << "]: got " << got[i] << ", cpu " << want[i]);
  }
  CHECK(bad == 0);
}

template <class B, class T, class I, class J>
void cross_check_bag(const BagCase& c) {
  namespace ek = embedkit;
  using O = typename ek::EmbeddingBag<T>::output_type;
  constexpr double tol = backend_tolerance<T>();
  const ek::EmbeddingBagOptions& opt = c.options;
  const bool max = opt.mode == ek::Mode::max;
  const bool weighted = !c.bags.weights.empty();
  INFO("dim " << c.dim << " rows " << c.rows << " bags " << c.bags.bags << " mode " << int(opt.mode)
               << " 2-D " << c.two_d << " weighted " << weighted << " padding " << opt.padding_idx.value_or(-1)
               << " include_last " << opt.include_last_offset << " freq " << opt.scale_grad_by_freq);

  const ek::TensorView<const float> table(c.table.data(), {c.rows, c.dim});
  const auto cpu_bag = ek::EmbeddingBag<T>::from_pretrained(table, opt, false);
  const auto dev_table = on<B>(c.table, {c.rows, c.dim});
  const auto dev_bag = ek::EmbeddingBag<T, B>::from_pretrained(dev_table.cview(), opt, false);
  ek::EmbeddingBagOptions atomic_opt = opt;
  atomic_opt.deterministic = !opt.deterministic;
  const auto dev_other = ek::EmbeddingBag<T, B>::from_pretrained(dev_table.cview(), atomic_opt, false);
  check_same_table(cpu_bag, dev_bag);

  // The same inputs in both memories.
  const ek::Shape in_shape = c.two_d ? ek::Shape{c.bags.bags, c.length}
                                     : ek::Shape{static_cast<std::int64_t>(c.bags.input.size())};
  const std::vector<I> input = cast_indices<I>(c.bags.input);
  const std::vector<J> offsets = cast_indices<J>(c.bags.offsets);
  const std::vector<O> psw(c.bags.weights.begin(), c.bags.weights.end());
  const std::vector<O> go(c.grad_output.begin(), c.grad_output.end());
  const auto h_in = on<ek::cpu>(input, in_shape);
  const auto h_off = on<ek::cpu>(offsets);
  const auto h_psw = weighted ? on<ek::cpu>(psw, in_shape) : ek::Tensor<O>();
  const auto h_go = on<ek::cpu>(go, {c.bags.bags, c.dim});
  const auto d_in = on<B>(input, in_shape);
  const auto d_off = on<B>(offsets);
  const auto d_psw = weighted ? on<B>(psw, in_shape) : ek::Tensor<O, B>();
  const auto d_go = on<B>(go, {c.bags.bags, c.dim});
  const auto pv = [&](const auto& t) { return weighted ? t.cview() : ek::TensorView<const O>(); };

  // Every entry point takes 2-D input without offsets, 1-D input with them.
  const auto forward = [&](const auto& bag, const auto& in, const auto& off, const auto& w, auto* arg) {
    return c.two_d ? bag.forward(in.cview(), pv(w), arg) : bag.forward(in.cview(), off.cview(), pv(w), arg);
  };
  const auto forward_into = [&](const auto& bag, auto out, const auto& in, const auto& off, const auto& w, auto* arg) {
    c.two_d ? bag.forward_into(out, in.cview(), pv(w), arg) : bag.forward_into(out, in.cview(), off.cview(), pv(w), arg);
  };
  const auto backward = [&](const auto& bag, const auto& in, const auto& off, const auto& w, const auto& g,
                            ek::TensorView<const std::int64_t> arg) {
    return c.two_d ? bag.backward(in.cview(), g.cview(), pv(w), arg)
                   : bag.backward(in.cview(), off.cview(), g.cview(), pv(w), arg);
  };
  const auto backward_sparse = [&](const auto& bag, const auto& in, const auto& off, const auto& w, const auto& g) {
    return c.two_d ? bag.backward_sparse(in.cview(), g.cview(), pv(w))
                   : bag.backward_sparse(in.cview(), off.cview(), g.cview(), pv(w));
  };

  // Forward, with max_indices in max mode.
  ek::Tensor<std::int64_t> cpu_arg;
  ek::Tensor<std::int64_t, B> dev_arg;
  const ek::Tensor<O> want = forward(cpu_bag, h_in, h_off, h_psw, max ? &cpu_arg : nullptr);
  check_near(host(forward(dev_bag, d_in, d_off, d_psw, max ? &dev_arg : nullptr)), want, "forward", tol);
  if (max) {
    ek::Tensor<float> dequantized;
    if constexpr (ek::Quantized<T>) dequantized = ek::dequantize(cpu_bag.table());
    check_argmax<T>(host(dev_arg), cpu_arg, dequantized, c.dim);
  }
  // forward_into a device buffer filled with garbage: every element is written.
  auto into = on<B>(std::vector<O>(static_cast<std::size_t>(c.bags.bags * c.dim), O(-7)), {c.bags.bags, c.dim});
  ek::Tensor<std::int64_t, B> into_arg;
  forward_into(dev_bag, into.view(), d_in, d_off, d_psw, max ? &into_arg : nullptr);
  check_near(host(into), want, "forward_into", tol);
  if (max) CHECK(same_bits(host(into_arg), host(dev_arg)));

  // Dense gradient (max: routed by forward's max_indices), in both summation modes.
  const auto want_gw = backward(cpu_bag, h_in, h_off, h_psw, h_go, cpu_arg.cview());
  check_near(host(backward(dev_bag, d_in, d_off, d_psw, d_go, dev_arg.cview())), want_gw, "backward", tol);
  check_near(host(backward(dev_other, d_in, d_off, d_psw, d_go, dev_arg.cview())), want_gw,
             "backward, deterministic flipped", tol);

  // Sparse gradient (max: max_indices recomputed): the same rows, the same sums.
  const auto want_sg = backward_sparse(cpu_bag, h_in, h_off, h_psw, h_go);
  for (const auto* bag : {&dev_bag, &dev_other}) {
    const auto sg = backward_sparse(*bag, d_in, d_off, d_psw, d_go);
    CHECK(sg.num_rows == want_sg.num_rows);
    check_equal(host(sg.rows), want_sg.rows, "backward_sparse rows");
    check_near(host(sg.values), want_sg.values, "backward_sparse values", tol);
  }

  if (weighted) {
    const auto want_gp = c.two_d ? cpu_bag.backward_per_sample_weights(h_in.cview(), h_go.cview(), h_psw.cview())
                                 : cpu_bag.backward_per_sample_weights(h_in.cview(), h_off.cview(), h_go.cview(), h_psw.cview());
    const auto got_gp = c.two_d ? dev_bag.backward_per_sample_weights(d_in.cview(), d_go.cview(), d_psw.cview())
                                : dev_bag.backward_per_sample_weights(d_in.cview(), d_off.cview(), d_go.cview(), d_psw.cview());
    check_near(host(got_gp), want_gp, "backward_per_sample_weights", tol);
  }
}

}  // namespace embedkit_test
