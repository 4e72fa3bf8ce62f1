// The cpu attention op against PyTorch and against its own reference: every case under
// tests/data/attention (written by tests/golden/make_attention_fixtures.py with HF
// BertSelfAttention's arithmetic) through the fast kernel and the reference loops; the fast
// kernel against the reference on larger seeded problems (L up to 300, samples without keys)
// on several thread counts, so that every split of the work (whole pairs, query blocks) runs;
// and the faults and errors for lengths outside [0, seq]. The golden runner
// (tests/support/golden_attention.hpp) takes the backend as a parameter: tests/cuda runs the
// same cases on ek::cuda.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <embedkit/embedkit.hpp>

#include "support/golden_attention.hpp"

namespace ek = embedkit;
namespace golden = embedkit_test::golden;

namespace {

constexpr auto fast = [](const auto& p) { return ek::cpu::attention::self_attention(p); };
constexpr auto reference = [](const auto& p) { return ek::cpu::attention::reference(p); };

// Sets OpenMP's thread count for the scope (without OpenMP: one thread, nothing to set).
class ThreadCount {
 public:
  explicit ThreadCount([[maybe_unused]] int n) {
#if defined(_OPENMP)
    omp_set_num_threads(n);
#endif
  }
  ~ThreadCount() {
#if defined(_OPENMP)
    omp_set_num_threads(previous_);
#endif
  }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
#if defined(_OPENMP)
  int previous_ = omp_get_max_threads();
#endif
};

// The fast kernel against the reference on one problem, tight and strided with NaN padding.
template <class T>
void check_fast_against_reference(const golden::AttentionCase<T>& c, const std::string& what) {
  const double tol = embedkit_test::tolerance<T>(golden::attention_tolerance);
  const auto want = golden::run_attention<ek::cpu>(c, reference);
  REQUIRE(want.fault.ok());
  const std::vector<double> expected = golden::attention_values(want, c);
  const auto got = golden::run_attention<ek::cpu>(c, fast);
  CHECK(got.fault.ok());
  golden::check_attention_output(got, c, expected, tol, what);
  const auto s = golden::strided_and_poisoned(c, 7, 2);
  const auto strided = golden::run_attention<ek::cpu>(s, fast);
  CHECK(strided.fault.ok());
  golden::check_attention_output(strided, s, expected, tol, what + ", strided with NaN padding");
  // A sample without keys has zero output rows.
  std::int64_t nonzero = 0;
  for (std::int64_t b = 0; b < c.batch; ++b) {
    if (c.keys(b) != 0) continue;
    for (std::int64_t r = b * c.seq; r < (b + 1) * c.seq; ++r) {
      for (std::int64_t j = 0; j < c.width(); ++j) {
        nonzero += got.out[static_cast<std::size_t>(r * c.ld_out + j)] != T(0);
      }
    }
  }
  CHECK_MESSAGE(nonzero == 0, what << ": " << nonzero << " non-zero outputs in samples without keys");
}

template <class T>
void random_cases_on_threads() {
  struct Shape {
    std::int64_t batch, seq, heads, head_dim;
    std::vector<std::int64_t> lengths;
  };
  const std::vector<Shape> shapes = {
      {2, 300, 3, 24, {300, 157}},          // long sequences, few pairs: query blocks
      {4, 130, 12, 32, {130, 1, 0, 77}},    // BERT-like heads, one sample without keys
      {1, 64, 2, 64, {}},                   // no lengths, wide heads
      {9, 17, 2, 8, {17, 3, 16, 1, 9, 17, 2, 11, 5}},
      {1, 5, 1, 1, {3}},                    // head_dim 1
  };
  std::uint64_t seed = 20240611;
  for (const Shape& s : shapes) {
    const auto c = golden::random_attention<T>(seed++, s.batch, s.seq, s.heads, s.head_dim, s.lengths);
    // Up to 4: past a few times the core count, LLVM's libomp grows its thread table and keeps
    // the old one, which LeakSanitizer reports as a leak.
    for (int threads : {1, 2, 3, 4}) {
      ThreadCount scope(threads);
      const std::string what = "B " + std::to_string(s.batch) + ", L " + std::to_string(s.seq) +
                               ", H " + std::to_string(s.heads) + ", d " + std::to_string(s.head_dim) +
                               ", " + std::to_string(threads) + " threads";
      check_fast_against_reference(c, what);
    }
  }
}

}  // namespace

TEST_CASE("cpu self_attention matches HF BertSelfAttention on every golden case") {
  golden::attention_cases<ek::cpu>("fast", fast);
}

TEST_CASE("cpu attention reference matches HF BertSelfAttention on every golden case") {
  golden::attention_cases<ek::cpu>("reference", reference);
}

TEST_CASE("cpu self_attention agrees with the reference on larger problems and any thread count") {
  SUBCASE("float") { random_cases_on_threads<float>(); }
  SUBCASE("double") { random_cases_on_threads<double>(); }
}

TEST_CASE("cpu self_attention: a length outside [0, seq] is a fault, reported before any work") {
  for (const auto& kernel : {+[](const ek::detail::AttentionProblem<float>& p) { return fast(p); },
                             +[](const ek::detail::AttentionProblem<float>& p) { return reference(p); }}) {
    auto c = golden::random_attention<float>(7, 3, 7, 2, 8, {7, 8, -1});
    // The first bad length in sample order: sample 1's 8 (seq is 7), not sample 2's -1.
    auto r = golden::run_attention<ek::cpu>(c, kernel);
    CHECK(r.fault.batch == 1);
    CHECK(r.fault.length == 8);
    bool untouched = true;
    for (float v : r.out) untouched = untouched && std::isnan(v);
    CHECK(untouched);
    CHECK_THROWS_WITH_AS(ek::detail::raise_bad_length("BertSelfAttention::forward", r.fault, c.seq),
                         "BertSelfAttention::forward: lengths[1] = 8 is out of range [0, 7] (the "
                         "padded sequence length)",
                         ek::value_error);

    c.lengths = {7, 0, -1};
    r = golden::run_attention<ek::cpu>(c, kernel);
    CHECK(r.fault.batch == 2);
    CHECK(r.fault.length == -1);
    CHECK_THROWS_WITH_AS(ek::detail::raise_bad_length("self_attention", r.fault, c.seq),
                         "self_attention: lengths[2] = -1 is out of range [0, 7] (the padded "
                         "sequence length)",
                         ek::value_error);

    c.lengths = {0, 7, 1};  // the bounds themselves are lengths
    CHECK(golden::run_attention<ek::cpu>(c, kernel).fault.ok());
  }
}

TEST_CASE("cpu self_attention: sizes that are negative, overflow or do not fit their rows are errors") {
  ek::detail::AttentionProblem<float> p;  // null pointers: nothing may be read before the checks
  p.batch = 2;
  p.seq = 3;
  p.heads = 2;
  p.head_dim = 4;
  p.ld_qkv = 24;
  p.ld_out = 8;
  SUBCASE("negative heads") {
    p.heads = -2;
    CHECK_THROWS_AS((void)ek::cpu::attention::self_attention(p), ek::value_error);
  }
  SUBCASE("batch * seq overflows") {
    p.batch = std::numeric_limits<std::int64_t>::max() / 2;
    CHECK_THROWS_AS((void)ek::cpu::attention::self_attention(p), ek::value_error);
  }
  SUBCASE("rows * ld_qkv overflows") {
    p.ld_qkv = std::numeric_limits<std::int64_t>::max() / 4;
    CHECK_THROWS_AS((void)ek::cpu::attention::reference(p), ek::value_error);
  }
  SUBCASE("ld_qkv narrower than Q | K | V") {
    p.ld_qkv = 23;
    CHECK_THROWS_WITH_AS((void)ek::cpu::attention::self_attention(p),
                         "self_attention: leading dimensions ld_qkv 23 and ld_out 8 must be at least "
                         "3 * heads * head_dim = 24 and heads * head_dim = 8",
                         ek::value_error);
  }
  SUBCASE("ld_out narrower than a row") {
    p.ld_out = 7;
    CHECK_THROWS_AS((void)ek::cpu::attention::reference(p), ek::value_error);
  }
}
