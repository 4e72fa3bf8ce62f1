// The fuzzer's bytes as a stream of choices for targets that build their own inputs (well-formed
// files whose fields the fuzzer picks): reading past the end gives zeros, so every input is
// usable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace embedkit_fuzz {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  template <class T>
  T raw() {
    T v{};
    unsigned char b[sizeof(T)];
    for (auto& c : b) c = byte();
    std::memcpy(&v, b, sizeof(T));
    return v;
  }
};

}  // namespace embedkit_fuzz
