// The cuda attention op against PyTorch and against the cpu: every case under
// tests/data/attention through the same backend-generic runner as tests/nn (HF
// BertSelfAttention's arithmetic); seeded random problems against the cpu reference, with
// sizes that cross the kernel's tiles: sequences past one chunk of 512 keys (the online
// softmax), lengths of 0, 1, 512 and 513, head dimensions that are not a multiple of the
// staged 32, leading dimensions wider than the rows with NaN in what must not be read; and
// lengths outside [0, seq] reported as the cpu reports them, before anything is computed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/golden_attention.hpp"

namespace ek = embedkit;
namespace golden = embedkit_test::golden;

namespace {

constexpr auto on_cuda = [](const auto& p) { return ek::cuda::attention::self_attention(p); };
constexpr auto on_cpu = [](const auto& p) { return ek::cpu::attention::reference(p); };

// Float tolerance of the random problems, relative to 1 + |cpu value|: sums over up to 1100
// keys, in fused multiply-adds on the device and in double on the host (double: 1e-12).
constexpr double cross_tolerance = 1e-5;

template <class T>
void check_against_cpu(const golden::AttentionCase<T>& c, const std::string& what) {
  const auto want = golden::run_attention<ek::cpu>(c, on_cpu);
  REQUIRE(want.fault.ok());
  const std::vector<double> expected = golden::attention_values(want, c);
  const double tol = embedkit_test::tolerance<T>(cross_tolerance);
  const auto got = golden::run_attention<ek::cuda>(c, on_cuda);
  CHECK(got.fault.ok());
  golden::check_attention_output(got, c, expected, tol, what);
  const auto s = golden::strided_and_poisoned(c, 9, 4);
  const auto strided = golden::run_attention<ek::cuda>(s, on_cuda);
  CHECK(strided.fault.ok());
  golden::check_attention_output(strided, s, expected, tol, what + ", strided with NaN padding");
}

template <class T>
void random_problems() {
  struct Shape {
    std::int64_t batch, seq, heads, head_dim;
    std::vector<std::int64_t> lengths;
  };
  const std::vector<Shape> shapes = {
      {2, 300, 3, 24, {300, 157}},
      {4, 130, 12, 32, {130, 1, 0, 77}},       // BERT-like heads, a sample without keys
      {1, 64, 2, 64, {}},                      // no lengths
      {3, 1100, 2, 16, {1100, 513, 512}},      // three chunks, one past and one at a boundary
      {2, 37, 3, 100, {37, 20}},               // head_dim past three slices of 32
      {5, 17, 1, 1, {17, 0, 1, 16, 9}},        // head_dim 1
  };
  std::uint64_t seed = 77;
  for (const Shape& s : shapes) {
    const auto c = golden::random_attention<T>(seed++, s.batch, s.seq, s.heads, s.head_dim, s.lengths);
    check_against_cpu(c, "B " + std::to_string(s.batch) + ", L " + std::to_string(s.seq) + ", H " +
                             std::to_string(s.heads) + ", d " + std::to_string(s.head_dim));
  }
}

}  // namespace

TEST_CASE("cuda: self_attention matches HF BertSelfAttention on every golden case") {
  golden::attention_cases<ek::cuda>("cuda", on_cuda);
}

TEST_CASE("cuda: self_attention agrees with the cpu across tiles, chunks and slices") {
  SUBCASE("float") { random_problems<float>(); }
  SUBCASE("double") { random_problems<double>(); }
}

TEST_CASE("cuda: a length outside [0, seq] is the cpu's fault, with nothing computed") {
  auto c = golden::random_attention<float>(7, 3, 7, 2, 8, {7, 8, -1});
  for (const std::vector<std::int64_t>& lengths :
       {std::vector<std::int64_t>{7, 8, -1}, std::vector<std::int64_t>{7, 0, -1},
        std::vector<std::int64_t>{-5, 7, 7}}) {
    c.lengths = lengths;
    const auto want = golden::run_attention<ek::cpu>(c, on_cpu);
    const auto got = golden::run_attention<ek::cuda>(c, on_cuda);
    CHECK_FALSE(want.fault.ok());
    CHECK(got.fault.batch == want.fault.batch);
    CHECK(got.fault.length == want.fault.length);
    bool untouched = true;
    for (float v : got.out) untouched = untouched && std::isnan(v);
    CHECK(untouched);
  }
  c.lengths = {0, 7, 1};
  CHECK(golden::run_attention<ek::cuda>(c, on_cuda).fault.ok());
}
