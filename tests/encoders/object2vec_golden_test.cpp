// Object2Vec against its PyTorch reference: every model folder under tests/data/object2vec
// (config.json, model.safetensors, expected.txt) was written by
// tests/golden/make_object2vec_fixtures.py from tests/golden/object2vec_reference.py, a module
// written from docs/guide/encoders.md alone. Each folder is loaded as a user would load it, and
// encode() / predict() are compared with the reference's results: the encoders (pooled_embedding,
// hcnn, bilstm, mixed, enc1_network enc0, tied tables), the comparators, the MLP, both output
// layers, and inputs with empty, length-1 and over-long sequences and inference truncation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <embedkit/encoders/object2vec.hpp>

#include "support/fixture.hpp"

namespace {

namespace ek = embedkit;
using embedkit_test::Array;
using embedkit_test::Fixture;
using Sequences = std::vector<std::vector<std::int64_t>>;

// Relative to 1 + |expected|: the encoders sum in another order than PyTorch's kernels, and the
// bilstm carries that difference through its recurrence (the LSTM layer's own tolerance).
constexpr double kTolerance = 2e-5;
// A sequence encoded alone and in a batch runs the same arithmetic on the same values; only a
// kernel that blocks its sums by batch size may round differently.
constexpr double kAloneTolerance = 1e-6;

// The number of folders the generator writes: a case that silently disappeared from
// cases.txt would otherwise go unnoticed.
constexpr std::size_t kCases = 23;

std::string folder_of(const std::string& name) {
  return embedkit_test::data_path("object2vec/" + name);
}

std::vector<std::string> case_names() {
  return embedkit_test::read_lines(embedkit_test::data_path("object2vec/cases.txt"));
}

// The ragged sequences of record `<prefix>_ids` (one after another) and `<prefix>_lengths`.
Sequences sequences_of(const Fixture& fx, const std::string& prefix) {
  const std::vector<std::int64_t> ids = fx.at(prefix + "_ids").as<std::int64_t>();
  const std::vector<std::int64_t> lengths = fx.at(prefix + "_lengths").as<std::int64_t>();
  Sequences out;
  std::size_t at = 0;
  for (const std::int64_t n : lengths) {
    REQUIRE(at + static_cast<std::size_t>(n) <= ids.size());
    out.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(at),
                     ids.begin() + static_cast<std::ptrdiff_t>(at + static_cast<std::size_t>(n)));
    at += static_cast<std::size_t>(n);
  }
  REQUIRE(at == ids.size());
  return out;
}

// The largest difference over all cases, relative to 1 + |expected|, and where it was.
struct Largest {
  double difference = 0;
  std::string where;
  void note(double d, const std::string& what) {
    if (!(d <= difference)) {  // NaN included
      difference = d;
      where = what;
    }
  }
};

// Every element of `got` within tol of `want` (relative to 1 + |want|), same shape; reports the
// first mismatch with the element's index and returns the largest difference.
double check_close(const ek::Tensor<float>& got, const std::vector<std::int64_t>& shape,
                   const std::vector<double>& want, const std::string& what, double tol) {
  INFO(what);
  const auto dims = got.shape().dims();
  const std::vector<std::int64_t> got_shape(dims.begin(), dims.end());
  REQUIRE(got_shape == shape);
  double largest = 0;
  std::int64_t bad = 0;
  for (std::size_t k = 0; k < want.size(); ++k) {
    const double g = got.data()[k], w = want[k];
    const double d = std::abs(g - w) / (1.0 + std::abs(w));
    largest = std::isnan(d) ? INFINITY : std::max(largest, d);
    if (!(d <= tol) && bad++ == 0) {
      const std::size_t cols = shape.size() == 2 ? static_cast<std::size_t>(shape[1]) : 1;
      MESSAGE(what << "[" << k / cols << ", " << k % cols << "]: got " << g << ", expected " << w
                   << " (tolerance " << tol << " relative to 1 + |expected|)");
    }
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << want.size() << " values differ");
  return largest;
}

double check_against(const ek::Tensor<float>& got, const Array& want, const std::string& what,
                     double tol = kTolerance) {
  return check_close(got, want.shape, want.values, what, tol);
}

// encode(i, sequences), with {.max_seq_len = n} when n > 0 (n = 0: no inference limit).
ek::Tensor<float> encode(const ek::Object2Vec& m, int i, const Sequences& sequences,
                         std::int64_t n) {
  return n > 0 ? m.encode(i, sequences, {.max_seq_len = n}) : m.encode(i, sequences);
}

// Row b of a [B, D] host tensor as a [1, D] expectation.
std::vector<double> row_of(const ek::Tensor<float>& t, std::int64_t b) {
  const std::int64_t cols = t.shape()[1];
  return std::vector<double>(t.data() + b * cols, t.data() + (b + 1) * cols);
}

// The result of `run` (one instance alone) against row b of `batch`; an exception fails the check
// and the next instance is tried, so one refusal does not hide the others.
template <class Run>
void compare_alone(Run run, const ek::Tensor<float>& batch, std::size_t b, const std::string& what,
                   Largest& largest) {
  try {
    const ek::Tensor<float> alone = run();
    largest.note(check_close(alone, {1, batch.shape()[1]},
                             row_of(batch, static_cast<std::int64_t>(b)), what, kAloneTolerance),
                 what);
  } catch (const std::exception& e) {
    FAIL_CHECK(what << ": threw " << e.what());
  }
}

}  // namespace

TEST_CASE("Object2Vec matches the PyTorch reference on every golden model folder") {
  const std::vector<std::string> cases = case_names();
  CHECK(cases.size() == kCases);
  Largest largest;
  for (const std::string& name : cases) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const ek::Object2Vec m = ek::Object2Vec::load(folder_of(name));
    const Sequences in0 = sequences_of(fx, "in0"), in1 = sequences_of(fx, "in1");

    largest.note(check_against(m.encode(0, in0), fx.at("encode0"), name + " encode(0, in0)"),
                 name + " encode0");
    largest.note(check_against(m.encode(1, in1), fx.at("encode1"), name + " encode(1, in1)"),
                 name + " encode1");
    largest.note(check_against(m.predict(in0, in1), fx.at("predict"), name + " predict"),
                 name + " predict");
    if (fx.has("infer_max_seq_len")) {
      const std::int64_t n = fx.at("infer_max_seq_len").ints.at(0);
      CAPTURE(n);
      largest.note(check_against(m.encode(0, in0, {.max_seq_len = n}), fx.at("encode0_truncated"),
                                 name + " encode(0, in0, {.max_seq_len})"),
                   name + " encode0_truncated");
      largest.note(check_against(m.encode(1, in1, {.max_seq_len = n}), fx.at("encode1_truncated"),
                                 name + " encode(1, in1, {.max_seq_len})"),
                   name + " encode1_truncated");
    }
  }
  MESSAGE("Object2Vec vs the PyTorch reference: largest difference "
          << largest.difference << " relative to 1 + |expected| (tolerance " << kTolerance
          << "), in " << largest.where);
}

TEST_CASE("Object2Vec encodes and scores each instance as it would alone in a batch") {
  // Padding is never part of a result: every row of a batch equals the same sequence (pair)
  // sent alone, including the empty sequence, whose batch of one has length 0.
  Largest largest;
  for (const std::string& name : case_names()) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const ek::Object2Vec m = ek::Object2Vec::load(folder_of(name));
    const Sequences in[2] = {sequences_of(fx, "in0"), sequences_of(fx, "in1")};
    std::vector<std::int64_t> limits = {0};  // 0: no inference limit
    if (fx.has("infer_max_seq_len")) limits.push_back(fx.at("infer_max_seq_len").ints.at(0));

    for (int i = 0; i < 2; ++i) {
      for (const std::int64_t n : limits) {
        const ek::Tensor<float> batch = encode(m, i, in[i], n);
        for (std::size_t b = 0; b < in[i].size(); ++b) {
          const std::string what = name + " encode(" + std::to_string(i) + ") of sequence " +
                                   std::to_string(b) + " (length " +
                                   std::to_string(in[i][b].size()) +
                                   (n > 0 ? ", {.max_seq_len = " + std::to_string(n) + "}" : "") +
                                   ") alone vs in the batch";
          compare_alone([&] { return encode(m, i, Sequences{in[i][b]}, n); }, batch, b, what,
                        largest);
        }
      }
    }
    const ek::Tensor<float> scores = m.predict(in[0], in[1]);
    for (std::size_t b = 0; b < in[0].size(); ++b) {
      const std::string what =
          name + " predict of pair " + std::to_string(b) + " alone vs in the batch";
      compare_alone([&] { return m.predict(Sequences{in[0][b]}, Sequences{in[1][b]}); }, scores, b,
                    what, largest);
    }
  }
  MESSAGE("alone vs in a batch: largest difference " << largest.difference << " in "
                                                     << largest.where);
}
