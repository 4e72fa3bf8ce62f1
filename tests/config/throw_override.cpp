// EMBEDKIT_THROW routes every error through a user's handler (as fmt's FMT_THROW). This
// program defines it before any embedkit include, in its own executable: a macro must have one
// definition throughout a program.
#include <cstdio>
#include <stdexcept>
#include <string>

struct routed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

static int g_calls = 0;

#define EMBEDKIT_THROW(x) (++g_calls, throw routed(std::string("routed: ") + (x).what()))

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

int main() {
  ek::Embedding<float> emb(4, 2, {.seed = 1});
  const std::int64_t bad[] = {4};
  try {
    emb.forward(ek::TensorView<const std::int64_t>(bad, {1}));
  } catch (const routed& e) {
    const std::string what = e.what();
    if (g_calls == 1 &&
        what == "routed: Embedding::forward: index 4 at position 0 is out of range [0, 4)") {
      std::puts("EMBEDKIT_THROW override: ok");
      return 0;
    }
    std::printf("unexpected: calls=%d what=%s\n", g_calls, what.c_str());
    return 1;
  }
  std::puts("no error raised");
  return 1;
}
