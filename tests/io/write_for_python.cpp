// Writes .npy and safetensors files with embedkit into the folder given as argv[1], for
// tests/golden/check_written_files.py to read back with NumPy and the reference safetensors
// rules. Element i of every tensor is a fixed function of i, which the script recomputes.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <embedkit/io/npy.hpp>
#include <embedkit/io/safetensors.hpp>

namespace ek = embedkit;

namespace {

// (i - 3) / 4 for floating types; integers cycling through negative and positive values;
// every third element true for bool. tests/golden/check_written_files.py mirrors this.
template <class T>
ek::Tensor<T> values(ek::Shape shape) {
  auto t = ek::Tensor<T>::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      t[i] = i % 3 == 0;
    } else if constexpr (std::is_integral_v<T>) {
      t[i] = static_cast<T>(std::is_signed_v<T> ? (i * 37) % 200 - 100 : (i * 37) % 256);
    } else {
      t[i] = T(static_cast<float>(i - 3) / 4.0f);
    }
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    const ek::Shape s{2, 3};
    const auto f2 = values<ek::half>(s);
    const auto f4 = values<float>(s);
    const auto f8 = values<double>(s);
    const auto i1 = values<std::int8_t>(s);
    const auto i2 = values<std::int16_t>(s);
    const auto i4 = values<std::int32_t>(s);
    const auto i8 = values<std::int64_t>(s);
    const auto u1 = values<std::uint8_t>(s);
    const auto b1 = values<bool>(s);
    const auto bf = values<ek::bfloat16>(s);
    ek::io::save_npy(dir / "f2.npy", f2);
    ek::io::save_npy(dir / "f4.npy", f4);
    ek::io::save_npy(dir / "f8.npy", f8);
    ek::io::save_npy(dir / "i1.npy", i1);
    ek::io::save_npy(dir / "i2.npy", i2);
    ek::io::save_npy(dir / "i4.npy", i4);
    ek::io::save_npy(dir / "i8.npy", i8);
    ek::io::save_npy(dir / "u1.npy", u1);
    ek::io::save_npy(dir / "b1.npy", b1);
    ek::io::save_npy(dir / "scalar.npy", values<double>(ek::Shape{}));
    ek::io::save_npy(dir / "empty.npy", values<float>({0, 4}));
    ek::io::save_npy(dir / "rank4.npy", values<float>({2, 1, 3, 2}));

    ek::io::save_safetensors(dir / "all.safetensors",
                             {{"f16", f2}, {"f32", f4}, {"f64", f8}, {"i8", i1}, {"i16", i2},
                              {"i32", i4}, {"i64", i8}, {"u8", u1}, {"bool", b1}, {"bf16", bf}},
                             {{"format", "pt"}, {"writer", "embedkit"}});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
