// The cuda kernels of the dense ops (gemm, pointwise, conv, recurrent, pool) against the cpu
// kernels (backend/cpu/, proven against PyTorch through the layers' golden tests), called
// through the two policies on the same seeded random problems: sizes of 0 and 1, odd sizes,
// sizes past one tile or one block, both B layouts, leading dimensions wider than the rows,
// bias and accumulate, every activation and pooling mode, masks with empty rows, NaNs where
// the mask says nothing is read, LSTM steps in both directions over variable lengths, and
// grids with more rows than one launch has blocks. Output buffers are compared whole,
// including what the kernels must leave alone (c's padding columns, the other slots of a
// pooled row, the positions a sequence never reaches).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "cross_check.hpp"

namespace ek = embedkit;
namespace ekd = embedkit::detail;
using namespace embedkit_test;

namespace {

// Relative tolerances (of 1 + |cpu value|). Element-wise results differ by the last bits of
// the device's and the host's tanh, exp and erf; products differ by the order of their sums
// (for depths up to 512 with weights scaled as PyTorch initialises them, see random_gemm).
template <class T>
constexpr double elementwise_tolerance() {
  return std::is_same_v<T, double> ? 1e-12 : 2e-6;
}
template <class T>
constexpr double gemm_tolerance() {
  return std::is_same_v<T, double> ? 1e-12 : 1e-5;
}

template <class T>
const char* type_name() {
  return std::is_same_v<T, double> ? "double" : "float";
}

// n values drawn from N(mean, scale).
template <class T>
std::vector<T> random_values(std::mt19937_64& rng, std::int64_t n, double scale = 1.0, double mean = 0.0) {
  std::normal_distribution<double> d(mean, scale);
  std::vector<T> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

template <class T>
ek::Tensor<T, ek::cuda> device(const std::vector<T>& v) {
  return on<ek::cuda>(v);
}

template <class T>
std::vector<T> back(const ek::Tensor<T, ek::cuda>& t) {
  return elements(host(t));
}

// A mask (std::vector<bool> has no data()) as host and device bool arrays.
struct Mask {
  ek::Tensor<bool> on_host;
  ek::Tensor<bool, ek::cuda> on_device;
};

Mask make_mask(const std::vector<std::uint8_t>& keep) {
  auto h = ek::Tensor<bool>::empty({static_cast<std::int64_t>(keep.size())});
  for (std::size_t i = 0; i < keep.size(); ++i) h.data()[i] = keep[i] != 0;
  auto d = ek::to<ek::cuda>(h);
  return {std::move(h), std::move(d)};
}

// Every got[i] within tol of want[i], relative to 1 + |want[i]| (tol 0: equal), a NaN
// matching only a NaN; reports the first mismatch and the count.
template <class T>
void check_close(const std::vector<T>& got, const std::vector<T>& want, double tol, const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    const bool ok = std::isnan(w) ? std::isnan(g) : (g == w || std::abs(g - w) <= tol * (1.0 + std::abs(w)));
    if (!ok && bad++ == 0) MESSAGE(what << "[" << i << "]: cuda " << g << ", cpu " << w);
  }
  CHECK(bad == 0);
}

// ---- gemm ----

struct GemmShape {
  std::int64_t m, n, k;
};

// a ~ N(0, 1), B ~ N(0, 1 / sqrt(k)) (PyTorch's weight scale, so c stays O(1) whatever the
// depth), c and bias ~ N(0, 1). Leading dimensions are `pad` wider than the rows; c's padding
// columns hold values neither kernel may touch.
template <class T>
void check_gemm(std::mt19937_64& rng, GemmShape s, bool transposed, bool with_bias, bool accumulate,
                std::int64_t pad) {
  std::ostringstream what;
  what << type_name<T>() << " gemm m " << s.m << " n " << s.n << " k " << s.k << " b_transposed "
       << transposed << " bias " << with_bias << " accumulate " << accumulate << " pad " << pad;
  const std::int64_t lda = s.k + pad, ldb = (transposed ? s.k : s.n) + pad, ldc = s.n + pad;
  const auto a = random_values<T>(rng, s.m * lda);
  const auto b = random_values<T>(rng, (transposed ? s.n : s.k) * ldb,
                                  1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(s.k, 1))));
  const auto bias = random_values<T>(rng, s.n);
  auto c = random_values<T>(rng, s.m * ldc);
  const auto da = device(a), db = device(b), dbias = device(bias);
  auto dc = device(c);

  ekd::GemmProblem<T> p{.m = s.m, .n = s.n, .k = s.k, .a = a.data(), .lda = lda, .b = b.data(),
                        .ldb = ldb, .b_transposed = transposed, .c = c.data(), .ldc = ldc,
                        .bias = with_bias ? bias.data() : nullptr, .accumulate = accumulate};
  ek::cpu::gemm::gemm(p);
  p.a = da.data();
  p.b = db.data();
  p.c = dc.data();
  p.bias = with_bias ? dbias.data() : nullptr;
  ek::cuda::gemm::gemm(p);
  check_close(back(dc), c, gemm_tolerance<T>(), what.str());
}

template <class T>
void check_gemm_shapes(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Empty products, single elements, exact tiles (64 x 64, depth 16), one past and one short
  // of them, thin and wide results, many row tiles, and depths up to 512.
  const GemmShape shapes[] = {{1, 1, 1},    {1, 1, 0},     {0, 5, 3},    {4, 0, 3},   {0, 0, 0},
                              {3, 5, 0},    {7, 13, 5},    {64, 64, 16}, {65, 63, 17}, {63, 65, 15},
                              {1, 300, 129}, {130, 1, 200}, {97, 131, 512}, {257, 70, 33},
                              {2000, 3, 9}, {5, 1000, 77}};
  int combination = 0;
  for (const GemmShape& s : shapes) {
    for (const bool transposed : {false, true}) {
      for (const bool with_bias : {false, true}) {
        for (const bool accumulate : {false, true}) {
          check_gemm<T>(rng, s, transposed, with_bias, accumulate, (combination++ % 3 == 0) ? 0 : 3);
        }
      }
    }
  }
}

// ---- pointwise ----

// Row counts past the largest grid launch() makes (65535 * 8 blocks), so blocks loop over rows.
constexpr std::int64_t kManyRows = 600000;

struct RowShape {
  std::int64_t rows, dim;
};
constexpr RowShape kRowShapes[] = {{0, 8},   {5, 0},    {1, 1},    {3, 7},          {4, 256},
                                   {3, 257}, {2, 1000}, {1, 4099}, {kManyRows, 2}};

std::string row_label(const char* op, const char* type, RowShape s) {
  std::ostringstream o;
  o << type << " " << op << " rows " << s.rows << " dim " << s.dim;
  return o.str();
}

template <class T>
void check_activations(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const ek::Activation a : {ek::Activation::linear, ek::Activation::relu, ek::Activation::tanh,
                                 ek::Activation::sigmoid, ek::Activation::gelu}) {
    for (const std::int64_t n : {0, 1, 7, 1000, 70001}) {
      auto x = random_values<T>(rng, n, 2.5);
      auto dx = device(x);
      ek::cpu::pointwise::activate(a, x.data(), n);
      ek::cuda::pointwise::activate(a, dx.data(), n);
      std::ostringstream what;
      what << type_name<T>() << " activate " << ek::activation_name(a) << " n " << n;
      check_close(back(dx), x, elementwise_tolerance<T>(), what.str());
    }
  }
}

template <class T>
void check_layer_norm(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  int shape_index = 0;
  for (const RowShape s : kRowShapes) {
    // Off-centre rows: the variance is taken about a mean far from 0 (1000 + noise: the mean's
    // rounding shows in the variance without the correction pass).
    const double centre = shape_index++ % 2 == 0 ? 5.0 : 1000.0;
    const auto x = random_values<T>(rng, s.rows * s.dim, 3.0, centre);
    const auto gamma = random_values<T>(rng, s.dim, 1.0, 1.0), beta = random_values<T>(rng, s.dim);
    const auto dgamma = device(gamma), dbeta = device(beta);
    for (int affine = 0; affine < 3; ++affine) {  // none, gamma only, gamma and beta
      const T* g = affine >= 1 ? gamma.data() : nullptr;
      const T* bt = affine == 2 ? beta.data() : nullptr;
      const T* dg = affine >= 1 ? dgamma.data() : nullptr;
      const T* dbt = affine == 2 ? dbeta.data() : nullptr;
      for (const bool in_place : {false, true}) {
        const std::string what =
            row_label("layer_norm", type_name<T>(), s) + " affine " + std::to_string(affine) + (in_place ? " in place" : "");
        std::vector<T> want = x;
        auto dx = device(x);
        if (in_place) {
          ek::cpu::pointwise::layer_norm(want.data(), s.rows, s.dim, g, bt, 1e-5, want.data());
          ek::cuda::pointwise::layer_norm(dx.data(), s.rows, s.dim, dg, dbt, 1e-5, dx.data());
          check_close(back(dx), want, elementwise_tolerance<T>(), what);
        } else {
          // A separate output, filled with values that must all be overwritten.
          std::vector<T> out = random_values<T>(rng, s.rows * s.dim);
          auto dout = device(out);
          ek::cpu::pointwise::layer_norm(x.data(), s.rows, s.dim, g, bt, 1e-5, out.data());
          ek::cuda::pointwise::layer_norm(dx.data(), s.rows, s.dim, dg, dbt, 1e-5, dout.data());
          check_close(back(dout), out, elementwise_tolerance<T>(), what);
          check_close(back(dx), x, 0.0, what + " (input unchanged)");
        }
      }
    }
  }
}

template <class T>
void check_softmax(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const RowShape s : kRowShapes) {
    // Wide values: exp without subtracting the maximum would overflow in float.
    auto x = random_values<T>(rng, s.rows * s.dim, 40.0);
    auto dx = device(x);
    ek::cpu::pointwise::softmax(x.data(), s.rows, s.dim);
    ek::cuda::pointwise::softmax(dx.data(), s.rows, s.dim);
    check_close(back(dx), x, elementwise_tolerance<T>(), row_label("softmax", type_name<T>(), s));
  }
}

template <class T>
void check_normalize(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const RowShape s : kRowShapes) {
    auto x = random_values<T>(rng, s.rows * s.dim);
    // Row 0 all zeros and row 1 tiny: norms below eps, divided by eps. Row 2 small enough that
    // its squares underflow in float (the sum is taken in double).
    if (s.rows > 0) std::fill_n(x.begin(), s.dim, T(0));
    for (std::int64_t j = 0; s.rows > 1 && j < s.dim; ++j) x[s.dim + j] *= T(1e-16);
    for (std::int64_t j = 0; s.rows > 2 && j < s.dim; ++j) x[2 * s.dim + j] *= T(1e-25);
    auto dx = device(x);
    ek::cpu::pointwise::normalize(x.data(), s.rows, s.dim, 1e-12);
    ek::cuda::pointwise::normalize(dx.data(), s.rows, s.dim, 1e-12);
    check_close(back(dx), x, elementwise_tolerance<T>(), row_label("normalize", type_name<T>(), s));
  }
}

template <class T>
void check_zero_masked(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const RowShape s : kRowShapes) {
    auto x = random_values<T>(rng, s.rows * s.dim);
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(s.rows));
    for (auto& k : keep) k = rng() % 3 != 0;
    if (s.rows > 1) keep[0] = 0;
    const Mask m = make_mask(keep);
    auto dx = device(x);
    ek::cpu::pointwise::zero_masked(x.data(), s.rows, s.dim, m.on_host.data());
    ek::cuda::pointwise::zero_masked(dx.data(), s.rows, s.dim, m.on_device.data());
    check_close(back(dx), x, 0.0, row_label("zero_masked", type_name<T>(), s));
  }
}

// add_tiled with tiles of one row, several rows, and a tile longer than x (a partial tile).
template <class T>
void check_add_tiled(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const RowShape s : kRowShapes) {
    const std::int64_t n = s.rows * s.dim;
    for (const std::int64_t tile_size : {s.dim, 3 * s.dim, n + 5}) {
      if (tile_size <= 0) continue;
      auto x = random_values<T>(rng, n);
      const auto tile = random_values<T>(rng, tile_size);
      auto expected = x;
      for (std::int64_t i = 0; i < n; ++i) expected[i] += tile[i % tile_size];
      auto dx = device(x);
      const auto dtile = device(tile);
      ek::cpu::pointwise::add_tiled(tile.data(), tile_size, x.data(), n);
      ek::cuda::pointwise::add_tiled(dtile.data(), tile_size, dx.data(), n);
      check_close(x, expected, 0.0, row_label("add_tiled (cpu)", type_name<T>(), s));
      check_close(back(dx), expected, 0.0, row_label("add_tiled", type_name<T>(), s));
    }
  }
}

// A pair model's comparators into rows of a wider output (out_stride 4 * dim, written at
// offset dim, so concat's 2 * dim values fit): the rest of each row must keep its values.
template <class T>
void check_compare(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const ek::Comparator kind : {ek::Comparator::hadamard, ek::Comparator::concat, ek::Comparator::abs_diff}) {
    for (const RowShape s : kRowShapes) {
      const auto u = random_values<T>(rng, s.rows * s.dim), v = random_values<T>(rng, s.rows * s.dim);
      auto out = random_values<T>(rng, s.rows * 4 * s.dim);
      const auto du = device(u), dv = device(v);
      auto dout = device(out);
      ek::cpu::pointwise::compare(kind, u.data(), v.data(), s.rows, s.dim, out.data() + s.dim, 4 * s.dim);
      ek::cuda::pointwise::compare(kind, du.data(), dv.data(), s.rows, s.dim, dout.data() + s.dim, 4 * s.dim);
      std::ostringstream what;
      what << row_label("compare", type_name<T>(), s) << " kind " << static_cast<int>(kind);
      check_close(back(dout), out, 0.0, what.str());  // one operation each: equal
    }
  }
}

// ---- conv ----

// One unfold: x [batch, channels, length] in PyTorch's layout, channels-last, or channels-last
// inside wider rows (a slice of a larger tensor); out_length from the convolution's formula
// with pad_right on the right, or 0.
template <class T>
void check_unfold(std::mt19937_64& rng, std::int64_t batch, std::int64_t channels, std::int64_t length,
                  std::int64_t kernel, std::int64_t stride, std::int64_t dilation, std::int64_t pad_left,
                  std::int64_t pad_right, int layout) {
  const std::int64_t row = layout == 2 ? channels + 2 : channels;  // channels-last row width
  const auto x = random_values<T>(rng, batch * length * row);
  ekd::UnfoldProblem<T> p;
  p.batch = batch;
  p.channels = channels;
  p.length = length;
  if (layout == 0) {
    p.batch_stride = channels * length;
    p.channel_stride = length;
    p.time_stride = 1;
  } else {
    p.batch_stride = length * row;
    p.channel_stride = 1;
    p.time_stride = row;
  }
  p.kernel = kernel;
  p.stride = stride;
  p.dilation = dilation;
  p.pad_left = pad_left;
  const std::int64_t span = length + pad_left + pad_right - dilation * (kernel - 1);
  p.out_length = span > 0 ? (span - 1) / stride + 1 : 0;
  std::ostringstream what;
  what << type_name<T>() << " unfold batch " << batch << " channels " << channels << " length " << length
       << " kernel " << kernel << " stride " << stride << " dilation " << dilation << " pad " << pad_left
       << "/" << pad_right << " layout " << layout << " out_length " << p.out_length;

  // cols filled with values that must all be overwritten.
  std::vector<T> cols = random_values<T>(rng, batch * p.out_length * channels * kernel);
  const auto dx = device(x);
  auto dcols = device(cols);
  p.x = x.data();
  p.cols = cols.data();
  ek::cpu::conv::unfold(p);
  p.x = dx.data();
  p.cols = dcols.data();
  ek::cuda::conv::unfold(p);
  check_close(back(dcols), cols, 0.0, what.str());  // a copy: equal
}

template <class T>
void check_unfolds(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  // Edges first: no samples, no positions, a length-1 input, padding only, no output.
  for (int layout = 0; layout < 3; ++layout) {
    check_unfold<T>(rng, 0, 3, 5, 3, 1, 1, 1, 1, layout);
    check_unfold<T>(rng, 2, 3, 0, 3, 1, 1, 1, 1, layout);  // out_length 1, all padding
    check_unfold<T>(rng, 2, 3, 1, 1, 1, 1, 0, 0, layout);
    check_unfold<T>(rng, 2, 1, 2, 5, 1, 1, 0, 0, layout);  // kernel wider than the input
    check_unfold<T>(rng, 1, 1, 1, 1, 1, 1, 0, 0, layout);
  }
  for (int trial = 0; trial < 60; ++trial) {
    check_unfold<T>(rng, pick(1, 4), pick(1, 6), pick(1, 40), pick(1, 5), pick(1, 3), pick(1, 3), pick(0, 3),
                    pick(0, 3), trial % 3);
  }
}

template <class T>
void check_channel_bias(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t shapes[][3] = {{0, 3, 4}, {2, 0, 5}, {2, 3, 0}, {1, 1, 1}, {3, 5, 7}, {4, 16, 300}, {2, 700, 3}};
  for (const auto& s : shapes) {
    auto y = random_values<T>(rng, s[0] * s[1] * s[2]);
    const auto bias = random_values<T>(rng, s[1]);
    auto dy = device(y);
    const auto dbias = device(bias);
    ek::cpu::conv::add_channel_bias(y.data(), s[0], s[1], s[2], bias.data());
    ek::cuda::conv::add_channel_bias(dy.data(), s[0], s[1], s[2], dbias.data());
    std::ostringstream what;
    what << type_name<T>() << " add_channel_bias " << s[0] << " x " << s[1] << " x " << s[2];
    check_close(back(dy), y, 0.0, what.str());  // one addition each: equal
  }
}

// ---- recurrent ----

// Every step of one LSTM direction over sequences of lengths 0..length (0 and length always
// present), from random states, with a fresh hidden projection per step. Output is either
// batch-major [batch, length, 2H] (this direction's half, at offset `reverse ? H : 0`) or
// time-major [length, batch, H]; the whole buffer is compared, so positions past a sequence's
// end must keep their initial values on both sides.
template <class T>
void check_lstm(std::mt19937_64& rng, std::int64_t batch, std::int64_t hidden, std::int64_t length,
                bool reverse, bool time_major) {
  std::ostringstream label;
  label << type_name<T>() << " lstm batch " << batch << " hidden " << hidden << " length " << length
        << (reverse ? " reverse" : " forward") << (time_major ? " time-major" : " batch-major");
  const std::string what = label.str();
  const std::int64_t H = hidden;
  std::vector<std::int64_t> lengths(static_cast<std::size_t>(batch));
  for (auto& l : lengths) l = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(length + 1));
  lengths[0] = length;
  if (batch > 1) lengths[1] = 0;
  const auto xw = random_values<T>(rng, batch * length * 4 * H, 1.5);
  auto c = random_values<T>(rng, batch * H), h = random_values<T>(rng, batch * H);
  const std::int64_t out_width = time_major ? H : 2 * H;
  auto out = random_values<T>(rng, batch * length * out_width);
  const auto c0 = c, h0 = h;

  const auto dlengths = device(lengths);
  const auto dxw = device(xw);
  auto dc = device(c), dh = device(h), dout = device(out);
  ekd::LstmStep<T> p;
  p.batch = batch;
  p.length = length;
  p.hidden = H;
  p.reverse = reverse;
  p.out_batch_stride = time_major ? H : length * 2 * H;
  p.out_time_stride = time_major ? batch * H : 2 * H;
  const std::int64_t offset = !time_major && reverse ? H : 0;
  for (std::int64_t step = 0; step < length; ++step) {
    const auto hw = random_values<T>(rng, batch * 4 * H);
    const auto dhw = device(hw);
    p.step = step;
    p.lengths = lengths.data();
    p.xw = xw.data();
    p.hw = hw.data();
    p.c = c.data();
    p.h = h.data();
    p.out = out.data() + offset;
    ek::cpu::recurrent::lstm_step(p);
    p.lengths = dlengths.data();
    p.xw = dxw.data();
    p.hw = dhw.data();
    p.c = dc.data();
    p.h = dh.data();
    p.out = dout.data() + offset;
    ek::cuda::recurrent::lstm_step(p);
  }
  const auto got_c = back(dc), got_h = back(dh);
  check_close(got_c, c, elementwise_tolerance<T>(), what + " c");
  check_close(got_h, h, elementwise_tolerance<T>(), what + " h");
  check_close(back(dout), out, elementwise_tolerance<T>(), what + " out");
  // Sample 1 has length 0: its state is never touched (exactly).
  if (batch > 1 && length > 0) {
    for (std::int64_t j = 0; j < H; ++j) {
      CHECK(got_c[static_cast<std::size_t>(H + j)] == c0[static_cast<std::size_t>(H + j)]);
      CHECK(got_h[static_cast<std::size_t>(H + j)] == h0[static_cast<std::size_t>(H + j)]);
    }
  }
}

template <class T>
void check_lstms(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t shapes[][3] = {{1, 1, 1}, {2, 1, 3}, {3, 7, 6}, {5, 33, 9}, {4, 300, 3}, {9, 16, 12}};
  for (const auto& s : shapes) {
    for (const bool reverse : {false, true}) {
      for (const bool time_major : {false, true}) check_lstm<T>(rng, s[0], s[1], s[2], reverse, time_major);
    }
  }
}

// ---- pool ----

constexpr ek::PoolingMode kPoolingModes[] = {
    ek::PoolingMode::cls,          ek::PoolingMode::max,       ek::PoolingMode::mean,
    ek::PoolingMode::mean_sqrt_len_tokens, ek::PoolingMode::weightedmean, ek::PoolingMode::lasttoken,
    ek::PoolingMode::sum};

const char* mode_name(ek::PoolingMode m) {
  switch (m) {
    case ek::PoolingMode::cls: return "cls";
    case ek::PoolingMode::max: return "max";
    case ek::PoolingMode::mean: return "mean";
    case ek::PoolingMode::mean_sqrt_len_tokens: return "mean_sqrt_len_tokens";
    case ek::PoolingMode::weightedmean: return "weightedmean";
    case ek::PoolingMode::lasttoken: return "lasttoken";
    case ek::PoolingMode::sum: return "sum";
  }
  return "?";
}

// Sample b's mask: b % 4 = 0 no real token, 1 all real, 2 left padding, 3 random (at least one
// real token when length > 0 and, with 2 or more positions, at least one padding one).
std::vector<std::uint8_t> pool_mask(std::mt19937_64& rng, std::int64_t batch, std::int64_t length) {
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(batch * length));
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t first_real = length > 0 ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(length)) : 0;
    for (std::int64_t t = 0; t < length; ++t) {
      std::uint8_t k = 0;
      switch (b % 4) {
        case 0: k = 0; break;
        case 1: k = 1; break;
        case 2: k = t >= first_real; break;
        default: k = rng() % 2; break;
      }
      keep[static_cast<std::size_t>(b * length + t)] = k;
    }
    if (b % 4 == 3 && length > 0) {
      keep[static_cast<std::size_t>(b * length + first_real)] = 1;
      if (length > 1) keep[static_cast<std::size_t>(b * length + (first_real + 1) % length)] = 0;
    }
  }
  return keep;
}

// One pooling into the middle slot of [batch, 3 * dim] rows (as when several modes are
// concatenated): the other slots must keep their values. Padding positions hold NaN, which
// no mode may read (but cls of a sample without real tokens, which copies position 0 as
// sentence-transformers does); with `nan_in_real`, one real position of the first
// random-mask sample holds NaN in column 0, which the reductions carry (max included).
template <class T>
void check_pool(std::mt19937_64& rng, ek::PoolingMode mode, std::int64_t batch, std::int64_t length,
                std::int64_t dim, bool nan_in_real) {
  std::ostringstream label;
  label << type_name<T>() << " pool " << mode_name(mode) << " batch " << batch << " length " << length << " dim "
        << dim << (nan_in_real ? " with a NaN token" : "");
  const auto keep = pool_mask(rng, batch, length);
  auto x = random_values<T>(rng, batch * length * dim);
  for (std::int64_t r = 0; r < batch * length; ++r) {
    if (!keep[static_cast<std::size_t>(r)]) std::fill_n(x.begin() + r * dim, dim, std::numeric_limits<T>::quiet_NaN());
  }
  if (nan_in_real && batch > 3 && dim > 0) {
    for (std::int64_t t = 0; t < length; ++t) {
      if (keep[static_cast<std::size_t>(3 * length + t)]) {
        x[static_cast<std::size_t>((3 * length + t) * dim)] = std::numeric_limits<T>::quiet_NaN();
        break;
      }
    }
  }
  auto out = random_values<T>(rng, batch * 3 * dim);
  const Mask m = make_mask(keep);
  const auto dx = device(x);
  auto dout = device(out);

  ekd::PoolProblem<T> p;
  p.batch = batch;
  p.length = length;
  p.dim = dim;
  p.mode = mode;
  p.max_fill = T(-1e9);
  p.out_stride = 3 * dim;
  p.x = x.data();
  p.mask = m.on_host.data();
  p.out = out.data() + dim;
  ek::cpu::pool::pool(p);
  p.x = dx.data();
  p.mask = m.on_device.data();
  p.out = dout.data() + dim;
  ek::cuda::pool::pool(p);
  // cls, lasttoken and max copy input values: equal. The others sum in the cpu's order.
  const bool copies = mode == ek::PoolingMode::cls || mode == ek::PoolingMode::lasttoken || mode == ek::PoolingMode::max;
  check_close(back(dout), out, copies ? 0.0 : elementwise_tolerance<T>(), label.str());
}

template <class T>
void check_pools(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t shapes[][3] = {{0, 5, 3}, {3, 0, 4}, {2, 6, 0}, {1, 1, 1}, {4, 5, 19},
                                    {8, 9, 300}, {5, 37, 384}, {6, 130, 7}};
  for (const ek::PoolingMode mode : kPoolingModes) {
    for (const auto& s : shapes) {
      for (const bool nan_in_real : {false, true}) check_pool<T>(rng, mode, s[0], s[1], s[2], nan_in_real);
    }
  }
}

}  // namespace

TEST_CASE("cuda: the cuda policy names the dense ops' cuda kernels") {
  static_assert(std::is_same_v<ek::cuda::gemm, ekd::cuda_gemm_ops>);
  static_assert(std::is_same_v<ek::cuda::pointwise, ekd::cuda_pointwise_ops>);
  static_assert(std::is_same_v<ek::cuda::conv, ekd::cuda_conv_ops>);
  static_assert(std::is_same_v<ek::cuda::recurrent, ekd::cuda_recurrent_ops>);
  static_assert(std::is_same_v<ek::cuda::pool, ekd::cuda_pool_ops>);
  static_assert(ekd::BackendPolicy<ek::cuda>);
  CHECK(ek::cuda::available());
}

TEST_CASE("cuda: gemm equals the cpu gemm for every shape, B layout, bias and accumulate") {
  SUBCASE("float") { check_gemm_shapes<float>(101); }
  SUBCASE("double") { check_gemm_shapes<double>(102); }
}

TEST_CASE("cuda: activations equal the cpu's") {
  SUBCASE("float") { check_activations<float>(201); }
  SUBCASE("double") { check_activations<double>(202); }
}

TEST_CASE("cuda: layer_norm equals the cpu's, with and without gamma and beta, in place or not") {
  SUBCASE("float") { check_layer_norm<float>(211); }
  SUBCASE("double") { check_layer_norm<double>(212); }
}

TEST_CASE("cuda: softmax equals the cpu's") {
  SUBCASE("float") { check_softmax<float>(221); }
  SUBCASE("double") { check_softmax<double>(222); }
}

TEST_CASE("cuda: normalize equals the cpu's, tiny and zero rows included") {
  SUBCASE("float") { check_normalize<float>(231); }
  SUBCASE("double") { check_normalize<double>(232); }
}

TEST_CASE("cuda: zero_masked zeroes exactly the cpu's rows") {
  SUBCASE("float") { check_zero_masked<float>(241); }
  SUBCASE("double") { check_zero_masked<double>(242); }
}

TEST_CASE("cuda: add_tiled adds the tile as the cpu does, partial tiles included") {
  check_add_tiled<float>(41);
  check_add_tiled<double>(42);
}

TEST_CASE("cuda: compare (hadamard, concat, abs_diff) equals the cpu's") {
  SUBCASE("float") { check_compare<float>(251); }
  SUBCASE("double") { check_compare<double>(252); }
}

TEST_CASE("cuda: unfold equals the cpu's for every layout, stride, dilation and padding") {
  SUBCASE("float") { check_unfolds<float>(301); }
  SUBCASE("double") { check_unfolds<double>(302); }
}

TEST_CASE("cuda: add_channel_bias equals the cpu's") {
  SUBCASE("float") { check_channel_bias<float>(311); }
  SUBCASE("double") { check_channel_bias<double>(312); }
}

TEST_CASE("cuda: LSTM steps equal the cpu's in both directions over variable lengths") {
  SUBCASE("float") { check_lstms<float>(401); }
  SUBCASE("double") { check_lstms<double>(402); }
}

TEST_CASE("cuda: pooling equals the cpu's in every mode, empty masks and NaN padding included") {
  SUBCASE("float") { check_pools<float>(501); }
  SUBCASE("double") { check_pools<double>(502); }
}

TEST_CASE("cuda: pooling and row ops over more samples than one launch has blocks") {
  // kManyRows samples of one position: blocks loop over samples (the pointwise row shapes
  // include kManyRows rows too).
  std::mt19937_64 rng(601);
  for (const ek::PoolingMode mode : {ek::PoolingMode::mean, ek::PoolingMode::max, ek::PoolingMode::lasttoken}) {
    check_pool<float>(rng, mode, kManyRows, 1, 3, false);
  }
}
