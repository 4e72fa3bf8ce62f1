// Fuzzes the safetensors reader: any bytes either open or raise an ek::error; every tensor
// of a file that opens can be read (or refused with an ek::error) in several types; and
// writing the tensors back gives a file that opens to the same names, dtypes, shapes, bytes
// and metadata.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <embedkit/io/safetensors.hpp>

namespace ek = embedkit;

namespace {

template <class T>
void try_read(const ek::io::SafeTensors& st, const std::string& name) {
  try {
    (void)st.get<T>(name);
  } catch (const ek::error&) {
  }
  try {
    (void)st.view<T>(name);
  } catch (const ek::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  std::optional<ek::io::SafeTensors> st;
  try {
    st.emplace(ek::io::SafeTensors::from_bytes(bytes));
  } catch (const ek::error&) {
    return 0;
  }
  std::vector<std::pair<std::string, ek::io::TensorRef>> refs;
  bool writable = true;
  for (const ek::io::TensorInfo& t : st->tensors()) {
    try_read<float>(*st, t.name);
    try_read<double>(*st, t.name);
    try_read<ek::bfloat16>(*st, t.name);
    try_read<std::int64_t>(*st, t.name);
    try_read<std::uint8_t>(*st, t.name);
    try_read<bool>(*st, t.name);
    if (st->data(t.name).size() != t.bytes()) __builtin_trap();
    try {
      if (!t.type) throw ek::value_error("no embedkit dtype");
      refs.emplace_back(t.name, ek::io::TensorRef(*t.type, ek::Shape(std::span<const std::int64_t>(t.shape)),
                                                  st->data(t.name).data()));
    } catch (const ek::error&) {
      writable = false;  // a dtype or rank embedkit cannot write
    }
  }
  if (!writable) return 0;

  const std::vector<std::byte> again = ek::io::serialize_safetensors(refs, st->metadata());
  const auto back = ek::io::SafeTensors::from_bytes(again);
  if (back.size() != st->size() || back.metadata() != st->metadata()) __builtin_trap();
  for (const ek::io::TensorInfo& t : st->tensors()) {
    const ek::io::TensorInfo& u = back.info(t.name);
    if (u.dtype_name != t.dtype_name || u.shape != t.shape) __builtin_trap();
    const auto a = st->data(t.name);
    const auto b = back.data(t.name);
    if (a.size() != b.size() || !std::equal(a.begin(), a.end(), b.begin())) __builtin_trap();
  }
  return 0;
}
