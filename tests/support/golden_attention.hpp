// The attention op against PyTorch on any backend: every case under tests/data/attention
// (written by tests/golden/make_attention_fixtures.py with HF BertSelfAttention's arithmetic)
// run through a kernel of backend B, plus the pieces the cpu and cuda suites share to diff
// kernels on seeded random problems. Inputs are laid out on the host, copied to B's memory and
// the output read back whole: padding columns of qkv and the K / V rows of padding keys are
// NaN in the strided runs, so a kernel that read them would put NaN in the output, and out's
// columns past heads * head_dim start as NaN and must stay so (nothing writes there).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <embedkit/backend/common/attention.hpp>

#include "support/backend_data.hpp"
#include "support/compare.hpp"
#include "support/fixture.hpp"

namespace embedkit_test::golden {

// Float tolerance relative to 1 + |expected| (double: 1e-12): both sides round a few dozen
// products and sums of unit-sized values, in different orders.
inline constexpr double attention_tolerance = 1e-6;

template <class T>
inline constexpr T nan_of = std::numeric_limits<T>::quiet_NaN();

// A self-attention problem laid out on the host: qkv rows at ld_qkv, lengths (empty: none, the
// kernel gets a null pointer), and the output's leading dimension.
template <class T>
struct AttentionCase {
  std::int64_t batch = 0, seq = 0, heads = 0, head_dim = 0;
  std::int64_t ld_qkv = 0, ld_out = 0;
  std::vector<T> qkv;
  std::vector<std::int64_t> lengths;
  T scale = T(1);

  std::int64_t rows() const { return batch * seq; }
  std::int64_t width() const { return heads * head_dim; }
  std::int64_t keys(std::int64_t b) const {
    return lengths.empty() ? seq : lengths[static_cast<std::size_t>(b)];
  }
};

// What a kernel returned and wrote: the fault, and out read back whole (rows * ld_out).
template <class T>
struct AttentionRun {
  embedkit::detail::AttentionFault fault;
  std::vector<T> out;
};

// Runs kernel(problem) with c's inputs in backend B's memory and an output of NaNs.
template <class B, class T, class Kernel>
AttentionRun<T> run_attention(const AttentionCase<T>& c, Kernel&& kernel) {
  namespace ek = embedkit;
  const auto qkv = on<B>(c.qkv, ek::Shape{static_cast<std::int64_t>(c.qkv.size())});
  const auto lengths = on<B>(c.lengths);
  auto out = on<B>(std::vector<T>(static_cast<std::size_t>(c.rows() * c.ld_out), nan_of<T>),
                   ek::Shape{c.rows() * c.ld_out});
  ek::detail::AttentionProblem<T> p;
  p.batch = c.batch;
  p.seq = c.seq;
  p.heads = c.heads;
  p.head_dim = c.head_dim;
  p.qkv = qkv.data();
  p.ld_qkv = c.ld_qkv;
  p.lengths = c.lengths.empty() ? nullptr : lengths.data();
  p.out = out.data();
  p.ld_out = c.ld_out;
  p.scale = c.scale;
  AttentionRun<T> r{kernel(p), {}};
  r.out = elements(host(out));
  return r;
}

// The same problem with `extra` more columns per qkv row and per output row, the new qkv
// columns and the K and V columns of every padding key NaN: values the kernel must not read.
template <class T>
AttentionCase<T> strided_and_poisoned(const AttentionCase<T>& c, std::int64_t extra_qkv,
                                      std::int64_t extra_out) {
  AttentionCase<T> s = c;
  s.ld_qkv = c.ld_qkv + extra_qkv;
  s.ld_out = c.ld_out + extra_out;
  s.qkv.assign(static_cast<std::size_t>(c.rows() * s.ld_qkv), nan_of<T>);
  const std::int64_t w = c.width();
  for (std::int64_t b = 0; b < c.batch; ++b) {
    for (std::int64_t t = 0; t < c.seq; ++t) {
      const std::int64_t r = b * c.seq + t;
      // A padding position keeps its query (its row is computed) and loses its key and value.
      const std::int64_t copied = t < c.keys(b) ? 3 * w : w;
      std::copy_n(c.qkv.begin() + r * c.ld_qkv, copied, s.qkv.begin() + r * s.ld_qkv);
    }
  }
  return s;
}

// Every digit of a value, for messages (doctest prints 6).
inline std::string attention_digits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// out[r, j] for j < width against want (a [rows, width] array, row-major) within tol of
// 1 + |want|, and out[r, j] for j >= width still NaN. Reports the first mismatch; returns the
// largest relative difference.
template <class T>
double check_attention_output(const AttentionRun<T>& got, const AttentionCase<T>& c,
                              const std::vector<double>& want, double tol, const std::string& what) {
  INFO(what);
  REQUIRE(static_cast<std::int64_t>(want.size()) == c.rows() * c.width());
  REQUIRE(static_cast<std::int64_t>(got.out.size()) == c.rows() * c.ld_out);
  std::int64_t bad = 0, written_past = 0;
  double worst = 0;
  for (std::int64_t r = 0; r < c.rows(); ++r) {
    for (std::int64_t j = 0; j < c.ld_out; ++j) {
      const double g = static_cast<double>(got.out[static_cast<std::size_t>(r * c.ld_out + j)]);
      if (j >= c.width()) {
        if (!std::isnan(g)) ++written_past;
        continue;
      }
      const double w = want[static_cast<std::size_t>(r * c.width() + j)];
      const double d = std::abs(g - w) / (1.0 + std::abs(w));
      worst = std::isnan(d) ? INFINITY : std::max(worst, d);
      if (!(d <= tol) && bad++ == 0) {
        MESSAGE(what << ": out[row " << r << ", column " << j << "]: got " << attention_digits(g)
                     << ", expected " << attention_digits(w) << " (tolerance " << tol
                     << " relative to 1 + |expected|)");
      }
    }
  }
  if (bad != 0) MESSAGE(what << ": " << bad << " elements outside the tolerance, largest difference " << worst);
  CHECK(bad == 0);
  CHECK_MESSAGE(written_past == 0, what << ": " << written_past << " values written past heads * head_dim");
  return worst;
}

// The written columns of a run as a dense [rows, width] array, for comparing two kernels.
template <class T>
std::vector<double> attention_values(const AttentionRun<T>& r, const AttentionCase<T>& c) {
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(c.rows() * c.width()));
  for (std::int64_t row = 0; row < c.rows(); ++row) {
    for (std::int64_t j = 0; j < c.width(); ++j) {
      v.push_back(static_cast<double>(r.out[static_cast<std::size_t>(row * c.ld_out + j)]));
    }
  }
  return v;
}

// A golden case of tests/data/attention as a host problem (tight leading dimensions).
template <class T>
AttentionCase<T> attention_case_of(const Fixture& fx) {
  AttentionCase<T> c;
  c.batch = fx.at("batch").ints.at(0);
  c.seq = fx.at("seq").ints.at(0);
  c.heads = fx.at("heads").ints.at(0);
  c.head_dim = fx.at("head_dim").ints.at(0);
  c.ld_qkv = 3 * c.width();
  c.ld_out = c.width();
  c.qkv = fx.at("qkv").as<T>();
  if (fx.has("lengths")) c.lengths = fx.at("lengths").as<std::int64_t>();
  c.scale = fx.at("scale").as<T>().at(0);
  REQUIRE(static_cast<std::int64_t>(c.qkv.size()) == c.rows() * c.ld_qkv);
  REQUIRE(fx.at("output").numel() == c.rows() * c.width());
  return c;
}

// A seeded random problem: qkv of N(0, 1) values (scores of about unit size with scale
// 1 / sqrt(head_dim)), tight leading dimensions; lengths as given (empty: none).
template <class T>
AttentionCase<T> random_attention(std::uint64_t seed, std::int64_t batch, std::int64_t seq,
                                  std::int64_t heads, std::int64_t head_dim,
                                  std::vector<std::int64_t> lengths = {}) {
  AttentionCase<T> c;
  c.batch = batch;
  c.seq = seq;
  c.heads = heads;
  c.head_dim = head_dim;
  c.ld_qkv = 3 * c.width();
  c.ld_out = c.width();
  c.lengths = std::move(lengths);
  c.scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  c.qkv.resize(static_cast<std::size_t>(c.rows() * c.ld_qkv));
  for (T& v : c.qkv) v = static_cast<T>(normal(rng));
  return c;
}

// Every case of tests/data/attention (at least `minimum`) through kernel on backend B, in
// the case's dtype: once as written, once strided and poisoned; both within the tolerance of
// torch's output.
template <class B, class Kernel>
void attention_cases(const char* kernel_name, Kernel kernel, std::size_t minimum = 13) {
  const std::vector<std::string> names = read_lines(data_path("attention/cases.txt"));
  REQUIRE(names.size() >= minimum);
  for (const std::string& name : names) {
    SUBCASE(name.c_str()) {
      const Fixture fx = Fixture::load(data_path("attention/" + name + ".txt"));
      const auto run = [&]<class T>() {
        const AttentionCase<T> c = attention_case_of<T>(fx);
        const double tol = tolerance<T>(attention_tolerance);
        const std::vector<double>& want = fx.at("output").values;
        const AttentionRun<T> tight = run_attention<B>(c, kernel);
        CHECK(tight.fault.ok());
        check_attention_output(tight, c, want, tol, std::string(kernel_name) + ", " + name);
        const AttentionCase<T> s = strided_and_poisoned(c, 5, 3);
        const AttentionRun<T> strided = run_attention<B>(s, kernel);
        CHECK(strided.fault.ok());
        check_attention_output(strided, s, want, tol,
                               std::string(kernel_name) + ", " + name + ", strided with NaN padding");
      };
      const std::string& dt = fx.at("qkv").dtype;
      if (dt == "f32") run.template operator()<float>();
      else if (dt == "f64") run.template operator()<double>();
      else FAIL("unknown qkv dtype " << dt);
    }
  }
}

}  // namespace embedkit_test::golden
