// Built with -fno-exceptions: the default EMBEDKIT_THROW prints the error and aborts, so a
// program without exceptions still learns what was wrong. The test expects that message.
#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

int main() {
  ek::Embedding<float> emb(4, 2, {.seed = 1});
  const std::int32_t bad[] = {0, -3};
  emb.forward(ek::TensorView<const std::int32_t>(bad, {2}));
  return 0;  // not reached
}
