#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <embedkit/core/eigen.hpp>
#include <embedkit/core/tensor.hpp>

namespace ek = embedkit;

TEST_CASE("Shape accepts any integral extent type and rejects negative extents") {
  const std::size_t rows = 4;
  const int dim = 3;
  const ek::Shape s{rows, dim};
  CHECK(s.rank() == 2);
  CHECK(s.numel() == 12);
  CHECK(s.str() == "[4, 3]");
  CHECK(s.append(5) == ek::Shape{4, 3, 5});
  CHECK(ek::Shape{}.numel() == 1);  // rank 0: one element
  CHECK_THROWS_AS(ek::Shape(2, -1), ek::shape_error);
  CHECK_THROWS_AS(ek::Shape(1, 2, 3, 4, 5, 6, 7, 8).append(1), ek::shape_error);
  CHECK_THROWS_AS(s.at(2), ek::shape_error);
  CHECK(s.at(-1) == 3);
}

TEST_CASE("TensorView is a non-owning row-major view") {
  std::vector<float> buf{1, 2, 3, 4, 5, 6};
  ek::TensorView<float> v(buf.data(), {2, 3});
  CHECK(v.data() == buf.data());
  CHECK(v.numel() == 6);
  CHECK(v.row(1)[0] == 4);
  v.row(1)[2] = 60;
  CHECK(buf[5] == 60);
  ek::TensorView<const float> c = v;  // adds const
  CHECK(c.shape() == ek::Shape{2, 3});
  CHECK(c.reshape({3, 2}).shape() == ek::Shape{3, 2});
  CHECK_THROWS_AS(c.reshape({4, 2}), ek::shape_error);
  CHECK_THROWS_AS(v.row(2), ek::index_error);
  CHECK_THROWS_AS(ek::TensorView<float>(nullptr, {2}), ek::value_error);
  CHECK(ek::TensorView<float>(nullptr, {0, 3}).empty());
}

TEST_CASE("Tensor owns aligned memory, copies deeply and moves cheaply") {
  auto t = ek::Tensor<float>::zeros({2, 3});
  CHECK(t.numel() == 6);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  for (std::int64_t i = 0; i < t.numel(); ++i) CHECK(t[i] == 0.0f);
  t[4] = 7.0f;
  ek::Tensor<float> copy = t;
  copy[4] = 1.0f;
  CHECK(t[4] == 7.0f);
  const float* p = t.data();
  ek::Tensor<float> moved = std::move(t);
  CHECK(moved.data() == p);
  CHECK(t.numel() == 0);  // NOLINT(bugprone-use-after-move): moved-from is empty
  moved.reshape({3, 2});
  CHECK(moved.shape() == ek::Shape{3, 2});
  CHECK_THROWS_AS(moved.reshape({7}), ek::shape_error);

  std::vector<double> src{1, 2, 3};
  auto c = ek::Tensor<double>::copy_of(ek::TensorView<const double>(src.data(), {3}));
  CHECK(c.data() != src.data());
  CHECK(c[2] == 3.0);
  auto f = ek::Tensor<std::int64_t>::full({2, 2}, 9);
  CHECK(f[3] == 9);
  CHECK(ek::Tensor<float>().numel() == 0);
}

TEST_CASE("Eigen maps share memory with the tensor") {
  auto t = ek::Tensor<float>::zeros({2, 3});
  auto m = ek::as_eigen(t);
  m(1, 2) = 5.0f;
  CHECK(t[5] == 5.0f);
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 3);
  const auto& ct = t;
  CHECK(ek::as_eigen(ct).sum() == doctest::Approx(5.0));
  std::vector<float> v(6, 1.0f);
  CHECK_THROWS_AS(ek::as_eigen(ek::TensorView<const float>(v.data(), {6})), ek::shape_error);
}
