// Device tensors and streams: to<>() round trips (tensors, views, quantized tables), copies that
// own their memory, moves, zeros, device-to-device copy_of, and stream_scope with a stream
// the caller created (current for its thread only, nested, restored, and the stream layers
// run on).
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <random>
#include <thread>
#include <type_traits>
#include <vector>

#include <embedkit/embedkit.hpp>
#include <embedkit/backend/cuda.hpp>

#include "support/backend_data.hpp"
#include "cross_check.hpp"
#include "random_problems.hpp"

namespace ek = embedkit;
using namespace embedkit_test;

static_assert(std::is_base_of_v<ek::error, ek::cuda_error>, "cuda_error is an ek::error");
static_assert(std::is_same_v<decltype(ek::SparseGrad<float, ek::cuda>{}.rows), ek::Tensor<std::int64_t, ek::cuda>>);
static_assert(std::is_same_v<decltype(ek::SparseGrad<float, ek::cuda>{}.values), ek::Tensor<float, ek::cuda>>);

namespace {

template <class T>
void check_round_trip(const std::vector<T>& values, ek::Shape shape) {
  CAPTURE(shape.str());
  const auto h = on<ek::cpu>(values, shape);
  const ek::Tensor<T, ek::cuda> from_tensor = ek::to<ek::cuda>(h);
  const ek::Tensor<T, ek::cuda> from_view = ek::to<ek::cuda>(h.cview());
  CHECK(from_tensor.shape() == shape);
  CHECK(same_bits(ek::to<ek::cpu>(from_tensor), h));
  CHECK(same_bits(ek::to<ek::cpu>(from_view), h));
  // Device to device.
  CHECK(same_bits(host(ek::Tensor<T, ek::cuda>::copy_of(from_tensor.cview())), h));
}

}  // namespace

TEST_CASE("cuda: tensors round-trip through to<cuda> and to<cpu> bit for bit") {
  std::mt19937_64 rng(1);
  const auto f = random_floats(rng, 1000);
  check_round_trip(f, ek::Shape{10, 100});
  check_round_trip(std::vector<double>(f.begin(), f.end()), ek::Shape{1000});
  std::vector<ek::half> h;
  std::vector<ek::bfloat16> b;
  for (const float v : f) {
    h.push_back(ek::half(v));
    b.push_back(ek::bfloat16(v));
  }
  check_round_trip(h, ek::Shape{2, 5, 100});
  check_round_trip(b, ek::Shape{1000, 1});
  check_round_trip(random_rows(rng, 333, 1 << 30), ek::Shape{333});
  check_round_trip(std::vector<std::int32_t>{-5, 0, 7}, ek::Shape{3});
  check_round_trip(std::vector<std::uint8_t>{0, 255, 17}, ek::Shape{3});
  check_round_trip(std::vector<float>{}, ek::Shape{0});
  check_round_trip(std::vector<float>{}, ek::Shape{4, 0});
  check_round_trip(std::vector<float>{2.5f}, ek::Shape());
}

TEST_CASE("cuda: copies of device tensors own their memory; moves leave an empty tensor") {
  const std::vector<float> a{1, 2, 3, 4, 5, 6}, b{-1, -2, -3};
  auto x = on<ek::cuda>(a, {2, 3});
  const ek::Tensor<float, ek::cuda> copy(x);
  CHECK(copy.data() != x.data());
  ek::Tensor<float, ek::cuda> assigned;
  assigned = x;
  x = on<ek::cuda>(b);  // the copies do not follow
  CHECK(elements(host(copy)) == a);
  CHECK(elements(host(assigned)) == a);
  CHECK(copy.shape() == ek::Shape{2, 3});
  CHECK(elements(host(x)) == b);

  ek::Tensor<float, ek::cuda> moved(std::move(x));
  CHECK(elements(host(moved)) == b);
  CHECK(x.numel() == 0);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  CHECK(x.data() == nullptr);

  const auto zeros = ek::Tensor<double, ek::cuda>::zeros({7, 9});
  CHECK(elements(host(zeros)) == std::vector<double>(63, 0.0));
}

TEST_CASE("cuda: quantized tables round-trip through to<cuda> and to<cpu>") {
  std::mt19937_64 rng(2);
  const auto w = random_floats(rng, 20 * 7);
  const auto q8 = ek::quantize<ek::q8>(ek::TensorView<const float>(w.data(), {20, 7}));
  const auto q4 = ek::quantize<ek::q4>(ek::TensorView<const float>(w.data(), {20, 7}));
  const ek::QuantizedTable<ek::q8, ek::cuda> d8 = ek::to<ek::cuda>(q8);
  const ek::QuantizedTable<ek::q4, ek::cuda> d4 = ek::to<ek::cuda>(q4);
  CHECK(d8.dim == 7);
  CHECK(d8.rows() == 20);
  CHECK(d4.row_bytes() == q4.row_bytes());
  const auto back8 = ek::to<ek::cpu>(d8);
  const auto back4 = ek::to<ek::cpu>(d4);
  CHECK(same_bits(back8.bytes, q8.bytes));
  CHECK(same_bits(back4.bytes, q4.bytes));
  CHECK(same_bits(ek::dequantize(back4), ek::dequantize(q4)));
}

TEST_CASE("cuda: device_count, available and synchronize") {
  int n = 0;
  REQUIRE(cudaGetDeviceCount(&n) == cudaSuccess);
  CHECK(ek::cuda::device_count() == n);
  CHECK(ek::cuda::available() == (n > 0));
  CHECK(ek::cuda::stream() == cudaStreamPerThread);
  ek::cuda::synchronize();
}

TEST_CASE("cuda: stream_scope makes a caller's stream current for its thread, nests and restores") {
  cudaStream_t s1 = nullptr, s2 = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking) == cudaSuccess);
  REQUIRE(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking) == cudaSuccess);
  const cudaStream_t outside = ek::cuda::stream();
  CHECK(outside == cudaStreamPerThread);
  {
    const ek::cuda::stream_scope scope(s1);
    CHECK(ek::cuda::stream() == s1);
    cudaStream_t seen_by_other_thread = s1;
    std::thread([&] { seen_by_other_thread = ek::cuda::stream(); }).join();
    CHECK(seen_by_other_thread == cudaStreamPerThread);  // per thread
    {
      const ek::cuda::stream_scope inner(s2);
      CHECK(ek::cuda::stream() == s2);
    }
    CHECK(ek::cuda::stream() == s1);
  }
  CHECK(ek::cuda::stream() == outside);
  REQUIRE(cudaStreamDestroy(s2) == cudaSuccess);
  REQUIRE(cudaStreamDestroy(s1) == cudaSuccess);
}

TEST_CASE("cuda: layers run on the current stream and give the default stream's results") {
  std::mt19937_64 rng(3);
  const std::int64_t rows = 500, dim = 64;
  const auto table = random_floats(rng, rows * dim);
  const auto bags = random_bags(rng, {.rows = rows, .bags = 300, .max_len = 20});
  const auto go = random_floats(rng, bags.bags * dim);
  const ek::EmbeddingBagOptions opt{.mode = ek::Mode::sum};
  // Reference: the cpu layer.
  const auto cpu = ek::EmbeddingBag<float>::from_pretrained(on<ek::cpu>(table, {rows, dim}).cview(), opt, false);
  const auto want = cpu.forward(on<ek::cpu>(bags.input).cview(), on<ek::cpu>(bags.offsets).cview());
  const auto want_gw = cpu.backward(on<ek::cpu>(bags.input).cview(), on<ek::cpu>(bags.offsets).cview(),
                                    on<ek::cpu>(go, {bags.bags, dim}).cview());

  cudaStream_t s = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) == cudaSuccess);
  {
    // Everything is made, used and destroyed inside the scope: allocations and frees are
    // ordered on the caller's stream.
    const ek::cuda::stream_scope scope(s);
    const auto dev = ek::EmbeddingBag<float, ek::cuda>::from_pretrained(on<ek::cuda>(table, {rows, dim}).cview(), opt, false);
    const auto in = on<ek::cuda>(bags.input);
    const auto off = on<ek::cuda>(bags.offsets);
    const auto g = on<ek::cuda>(go, {bags.bags, dim});
    for (int run = 0; run < 3; ++run) {
      auto y = dev.forward(in.cview(), off.cview());
      auto gw = dev.backward(in.cview(), off.cview(), g.cview());
      CHECK(ek::cuda::stream() == s);
      ek::cuda::synchronize();  // waits for s
      REQUIRE(cudaStreamQuery(s) == cudaSuccess);
      check_near(host(y), want, "forward on a caller's stream", 1e-5);
      check_near(host(gw), want_gw, "backward on a caller's stream", 1e-5);
    }
  }
  REQUIRE(cudaStreamSynchronize(s) == cudaSuccess);
  REQUIRE(cudaStreamDestroy(s) == cudaSuccess);
}
