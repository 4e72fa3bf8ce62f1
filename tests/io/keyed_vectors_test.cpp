// KeyedVectors: construction rules, lookups, and the similarity queries against a plain double
// precision reference (gensim itself is compared in word2vec_test.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <embedkit/io/keyed_vectors.hpp>
#include <embedkit/io/word2vec.hpp>

namespace ek = embedkit;

namespace {

ek::KeyedVectors random_table(std::int64_t n, std::int64_t dim, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  auto t = ek::Tensor<float>::empty({n, dim});
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = d(rng);
  std::vector<std::string> words;
  // (appended piecewise: GCC 12's -Wrestrict misfires on "w" + std::to_string(i) at -O3)
  for (std::int64_t i = 0; i < n; ++i) words.push_back(std::string("w").append(std::to_string(i)));
  return ek::KeyedVectors(ek::Vocabulary(words), std::move(t));
}

// Cosine similarities of `q` with every row, in double, and the k best other than `skip`.
std::vector<std::pair<std::string, double>> reference(const ek::KeyedVectors& kv,
                                                      const std::vector<double>& q,
                                                      std::int64_t k,
                                                      const std::vector<std::int64_t>& skip) {
  double qn = 0;
  for (double x : q) qn += x * x;
  qn = std::sqrt(qn);
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::int64_t r = 0; r < kv.size(); ++r) {
    if (std::find(skip.begin(), skip.end(), r) != skip.end()) continue;
    const auto row = kv.row(r);
    double dot = 0, n = 0;
    for (std::size_t j = 0; j < row.size(); ++j) {
      dot += row[j] * q[j];
      n += double(row[j]) * row[j];
    }
    all.emplace_back(n > 0 ? dot / std::sqrt(n) / qn : 0.0, r);
  }
  std::sort(all.begin(), all.end(),
            [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  std::vector<std::pair<std::string, double>> out;
  for (std::int64_t i = 0; i < std::min<std::int64_t>(k, static_cast<std::int64_t>(all.size())); ++i) {
    out.emplace_back(kv.vocabulary().token(all[static_cast<std::size_t>(i)].second),
                     all[static_cast<std::size_t>(i)].first);
  }
  return out;
}

std::vector<double> as_double(std::span<const float> v) { return {v.begin(), v.end()}; }

void check_same(const std::vector<std::pair<std::string, float>>& got,
                const std::vector<std::pair<std::string, double>>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].first == want[i].first);
    CHECK(got[i].second == doctest::Approx(want[i].second).epsilon(1e-5));
  }
}

}  // namespace

TEST_CASE("KeyedVectors construction and lookups") {
  auto t = ek::Tensor<float>::empty({3, 2});
  for (int i = 0; i < 6; ++i) t[i] = float(i);
  const ek::KeyedVectors kv(ek::Vocabulary({"a", "b", "c"}), t);
  CHECK(kv.size() == 3);
  CHECK(kv.dim() == 2);
  CHECK(kv.contains("b"));
  CHECK_FALSE(kv.contains("z"));
  CHECK(kv.vector("c")[1] == 5.0f);
  CHECK(kv.row(1)[0] == 2.0f);
  CHECK_FALSE(kv.has_subwords());
  const auto u = kv.word_vector("b");
  CHECK(u.shape() == ek::Shape{2});
  CHECK(u[1] == 3.0f);
  CHECK_THROWS_AS(kv.vector("z"), ek::index_error);
  CHECK_THROWS_AS(kv.word_vector("z"), ek::index_error);
  CHECK_THROWS_AS(kv.row(3), ek::index_error);
  try {
    (void)kv.vector("zebra");
  } catch (const ek::index_error& e) {
    CHECK(std::string(e.what()).find("'zebra'") != std::string::npos);
  }

  CHECK_THROWS_AS(ek::KeyedVectors(ek::Vocabulary({"a", "b"}), t), ek::shape_error);
  CHECK_THROWS_AS(ek::KeyedVectors(ek::Vocabulary({"a", "b", "c"}), ek::Tensor<float>::zeros({6})),
                  ek::shape_error);
  ek::Vocabulary sparse;
  sparse.insert("a", 0);
  sparse.insert("b", 1);
  sparse.insert("c", 7);
  CHECK_THROWS_AS(ek::KeyedVectors(sparse, t), ek::value_error);

  const ek::KeyedVectors empty;
  CHECK(empty.size() == 0);
  CHECK(empty.dim() == 0);
  CHECK_THROWS_AS(empty.most_similar("x", 3), ek::index_error);
}

TEST_CASE("most_similar matches a double-precision reference and leaves the query out") {
  const auto kv = random_table(20000, 24, 7);  // several blocks of the parallel search
  for (std::int64_t q : {0, 1234, 19999}) {
    const std::string w = std::string("w").append(std::to_string(q));
    check_same(kv.most_similar(w, 10), reference(kv, as_double(kv.vector(w)), 10, {q}));
  }
  const auto top = kv.most_similar("w5", 5);
  CHECK(std::none_of(top.begin(), top.end(), [](auto& p) { return p.first == "w5"; }));
  CHECK(kv.most_similar("w5", 0).empty());
  CHECK(kv.most_similar("w5", -3).empty());
  CHECK_THROWS_AS(kv.most_similar("nope", 3), ek::index_error);

  // k beyond the table: everything but the query, best first
  const auto small = random_table(6, 3, 11);
  const auto all = small.most_similar("w2", 100);
  CHECK(all.size() == 5);
  check_same(all, reference(small, as_double(small.vector("w2")), 100, {2}));
}

TEST_CASE("analogies follow 3CosAdd on unit vectors") {
  const auto kv = random_table(3000, 16, 3);
  const auto unit = [&](const std::string& w) {
    auto v = as_double(kv.vector(w));
    double n = 0;
    for (double x : v) n += x * x;
    for (double& x : v) x /= std::sqrt(n);
    return v;
  };
  const auto a = unit("w1"), b = unit("w2"), c = unit("w3");
  std::vector<double> q(a.size());
  for (std::size_t j = 0; j < q.size(); ++j) q[j] = (b[j] + c[j] - a[j]) / 3;
  check_same(kv.most_similar({"w2", "w3"}, {"w1"}, 8), reference(kv, q, 8, {1, 2, 3}));
  // only negatives
  std::vector<double> neg(a.size());
  for (std::size_t j = 0; j < neg.size(); ++j) neg[j] = -a[j];
  check_same(kv.most_similar({}, {"w1"}, 4), reference(kv, neg, 4, {1}));
  CHECK_THROWS_AS(kv.most_similar(std::vector<std::string>{}, {}, 4), ek::value_error);
  CHECK_THROWS_AS(kv.most_similar({"w1", "nope"}, {}, 4), ek::index_error);
}

TEST_CASE("similarity, similar_by_vector, zero rows and rows with NaN") {
  auto t = ek::Tensor<float>::zeros({4, 2});
  t[0] = 1, t[1] = 0;                      // a = (1, 0)
  t[2] = 1, t[3] = 1;                      // b = (1, 1)
  t[6] = std::nanf(""), t[7] = 1;          // d = (nan, 1); c = (0, 0)
  const ek::KeyedVectors kv(ek::Vocabulary({"a", "b", "c", "d"}), t);
  CHECK(kv.similarity("a", "b") == doctest::Approx(std::sqrt(0.5)));
  CHECK(kv.similarity("a", "a") == doctest::Approx(1.0));
  CHECK(kv.similarity("a", "c") == 0.0f);  // a zero row has cosine 0
  const auto top = kv.most_similar("a", 10);
  REQUIRE(top.size() == 3);  // d, with a NaN, counts as a zero row
  CHECK(top[0].first == "b");
  CHECK(top[1].first == "c");
  CHECK(top[1].second == 0.0f);
  CHECK(top[2].first == "d");
  CHECK(top[2].second == 0.0f);
  const float v[2] = {0.0f, 3.0f};
  const auto by_vec = kv.similar_by_vector(v, 1);
  REQUIRE(by_vec.size() == 1);
  CHECK(by_vec[0].first == "b");
  const float bad[3] = {1, 2, 3};
  CHECK_THROWS_AS(kv.similar_by_vector(bad, 1), ek::shape_error);
}

TEST_CASE("KeyedVectors: the normalised cache is built once under concurrent queries") {
  const auto kv = random_table(5000, 32, 5);
  const auto want = kv.most_similar("w42", 7);
  const auto fresh = random_table(5000, 32, 5);  // nothing cached yet
  std::vector<std::vector<std::pair<std::string, float>>> got(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = fresh.most_similar("w42", 7); });
  }
  for (auto& th : threads) th.join();
  for (const auto& g : got) CHECK(g == want);
}

TEST_CASE("KeyedVectors copies and moves") {
  auto kv = random_table(50, 4, 9);
  const auto want = kv.most_similar("w3", 5);
  const ek::KeyedVectors copy = kv;
  CHECK(copy.most_similar("w3", 5) == want);
  ek::KeyedVectors moved = std::move(kv);
  CHECK(moved.most_similar("w3", 5) == want);
  CHECK(kv.size() == 0);  // NOLINT(bugprone-use-after-move): moved-from is empty and usable
  CHECK(kv.dim() == 0);
  CHECK_THROWS_AS(kv.most_similar("w3", 5), ek::index_error);
  kv = copy;
  CHECK(kv.most_similar("w3", 5) == want);
}

TEST_CASE("KeyedVectors: an unknown word is an index_error before anything of dim is allocated") {
  // A header of no rows may declare any dim ("0 1000000000000000"): queries for words that are
  // not there must fail on the word, not try to allocate 4 PB first (which was a crash under
  // ASan and std::bad_alloc otherwise).
  const auto kv = embedkit::io::word2vec_from_bytes("0 1000000000000000\n");
  CHECK(kv.size() == 0);
  CHECK(kv.dim() == 1000000000000000);
  CHECK_THROWS_AS((void)kv.word_vector("x"), embedkit::index_error);
  CHECK_THROWS_AS((void)kv.most_similar("x", 3), embedkit::index_error);
  CHECK_THROWS_AS((void)kv.most_similar({"x"}, {"y"}, 3), embedkit::index_error);
  CHECK_THROWS_AS((void)kv.similarity("x", "y"), embedkit::index_error);
}
