// The program every consumer project under tests/consume/ builds and runs.
#include <embedkit/embedkit.hpp>

#include <iostream>

namespace ek = embedkit;

int main() {
  const ek::Tensor<float> t = ek::Tensor<float>::zeros({2, 3});
  if (t.numel() != 6) {
    std::cerr << "embedkit consumer: expected 6 elements, got " << t.numel() << '\n';
    return 1;
  }
  std::cout << "embedkit consumer: Tensor<float>::zeros({2, 3}) has " << t.numel()
            << " elements\n";
  return 0;
}
