// Fuzzes the .npy reader: any bytes either load or raise an ek::error (never a crash, a read
// out of bounds or an allocation the file size does not justify), and what loads as double
// survives encode_npy and a second load bit for bit.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <embedkit/io/npy.hpp>

namespace ek = embedkit;

namespace {

template <class T>
void try_load(std::span<const std::byte> bytes) {
  try {
    (void)ek::io::load_npy<T>(bytes);
  } catch (const ek::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    (void)ek::io::read_npy_header(bytes);
  } catch (const ek::error&) {
    return 0;
  }
  try_load<float>(bytes);
  try_load<ek::half>(bytes);
  try_load<std::int64_t>(bytes);
  try_load<std::int8_t>(bytes);
  try_load<bool>(bytes);

  ek::Tensor<double> t;
  try {
    t = ek::io::load_npy<double>(bytes);
  } catch (const ek::error&) {
    return 0;
  }
  const auto encoded = ek::io::encode_npy(t.cview());
  const auto back = ek::io::load_npy<double>(encoded);
  if (!(back.shape() == t.shape())) __builtin_trap();
  if (t.numel() && std::memcmp(back.data(), t.data(), t.bytes()) != 0) __builtin_trap();
  return 0;
}
