// embedkit demo: the seeds' nn.Embedding and Keras Embedding examples, written with embedkit.
//
//   bash scripts/demo.sh
//
// Each section prints what the corresponding PyTorch or Keras snippet prints (the values differ:
// PyTorch and Keras draw their tables from their own random generators).
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

namespace {

// Prints a tensor of rank 1..3 the way torch prints small tensors.
void print(const char* title, const ek::Tensor<float>& t) {
  std::printf("%s  shape %s\n", title, t.shape().str().c_str());
  const std::int64_t cols = t.shape()[t.rank() - 1];
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    std::printf(i % cols == 0 ? "  [%8.4f" : ", %8.4f", static_cast<double>(t[i]));
    if (i % cols == cols - 1) std::printf("]\n");
  }
}

}  // namespace

int main() {
  ek::manual_seed(0);

  // --- PyTorch: nn.Embedding(vocab_size=10, embedding_dim=3) on [1, 2, 3, 4] -------------
  {
    ek::Embedding<float> embed(10, 3);  // N(0, 1), PyTorch's default initializer
    const std::int64_t input_indices[] = {1, 2, 3, 4};
    print("nn.Embedding(10, 3)([1, 2, 3, 4])",
          embed.forward(ek::TensorView<const std::int64_t>(input_indices, {4})));
  }

  // --- PyTorch: nn.Embedding(num_embeddings=10, embedding_dim=2) on [3, 1, 7, 4, 0] -------
  {
    ek::Embedding<float> embedding(10, 2);
    const std::int64_t input[] = {3, 1, 7, 4, 0};
    print("nn.Embedding(10, 2)([3, 1, 7, 4, 0])",
          embedding.forward(ek::TensorView<const std::int64_t>(input, {5})));
  }

  // --- PyTorch: padding_idx and max_norm -------------------------------------------------
  {
    ek::Embedding<float> emb(10, 3, {.padding_idx = 0, .max_norm = 1.0});
    const std::int64_t input[] = {0, 2, 2, 5};
    print("nn.Embedding(10, 3, padding_idx=0, max_norm=1.0)([0, 2, 2, 5])",
          emb.forward(ek::TensorView<const std::int64_t>(input, {4})));
    // The gradient of sum(output): one per occurrence, none for the padding row.
    std::vector<float> ones(4 * 3, 1.0f);
    const auto grad = emb.backward(ek::TensorView<const std::int64_t>(input, {4}),
                                   ek::TensorView<const float>(ones.data(), {4, 3}));
    std::printf("  grad rows 0, 2, 5: %.0f %.0f %.0f\n", static_cast<double>(grad[0]),
                static_cast<double>(grad[2 * 3]), static_cast<double>(grad[5 * 3]));
  }

  // --- Keras: Embedding(1000, 64) on a (32, 10) integer batch -> (32, 10, 64) --------------
  {
    ek::Embedding<float> layer(1000, 64, {.init = ek::init::uniform(-0.05, 0.05)});  // Keras' default
    std::mt19937 rng(0);
    std::vector<std::int32_t> input_array(32 * 10);
    for (auto& v : input_array) v = static_cast<std::int32_t>(rng() % 1000);
    const auto output_array =
        layer.forward(ek::TensorView<const std::int32_t>(input_array.data(), {32, 10}));
    std::printf("keras Embedding(1000, 64) on (32, 10): output shape %s\n",
                output_array.shape().str().c_str());
  }

  // --- Keras: [[4], [20]] -> [[0.25, 0.1], [0.6, -0.2]] ------------------------------------
  {
    std::vector<float> table(21 * 2, 0.0f);
    table[4 * 2 + 0] = 0.25f;
    table[4 * 2 + 1] = 0.1f;
    table[20 * 2 + 0] = 0.6f;
    table[20 * 2 + 1] = -0.2f;
    auto layer = ek::Embedding<float>::from_pretrained(
        ek::TensorView<const float>(table.data(), {21, 2}), {.mask_zero = true});
    const std::int64_t input[] = {4, 20};
    print("keras Embedding: [[4], [20]]",
          layer.forward(ek::TensorView<const std::int64_t>(input, {2, 1})));
  }

  // --- PyTorch: nn.EmbeddingBag(100, 5, mode='mean') with offsets --------------------------
  {
    ek::EmbeddingBag<float> embedding_bag(100, 5, {.mode = ek::Mode::mean});
    const std::int64_t input_indices[] = {1, 2, 4, 5, 3, 2, 9};
    const std::int64_t offsets[] = {0, 3};
    print("nn.EmbeddingBag(100, 5, mode='mean')([1, 2, 4, 5, 3, 2, 9], offsets=[0, 3])",
          embedding_bag.forward(ek::TensorView<const std::int64_t>(input_indices, {7}),
                                ek::TensorView<const std::int64_t>(offsets, {2})));
  }

  // --- The same bags, summed from an 8-bit quantized table ----------------------------------
  {
    ek::EmbeddingBag<float> reference(100, 5, {.mode = ek::Mode::sum, .seed = 3});
    auto q8 = ek::EmbeddingBag<ek::q8>::from_pretrained(reference.weight(), {.mode = ek::Mode::sum});
    const std::int64_t input[] = {1, 2, 4, 5, 3, 2, 9};
    const std::int64_t offsets[] = {0, 3};
    const ek::TensorView<const std::int64_t> iv(input, {7}), ov(offsets, {2});
    print("sum, float table", reference.forward(iv, ov));
    print("sum, q8 table (row-wise 8-bit)", q8.forward(iv, ov));
  }

  // --- Bad input is an error, not undefined behaviour -------------------------------------
  try {
    ek::Embedding<float> emb(10, 3);
    const std::int64_t input[] = {1, 12};
    emb.forward(ek::TensorView<const std::int64_t>(input, {2}));
  } catch (const ek::error& e) {
    std::printf("error: %s\n", e.what());
  }
  return 0;
}
