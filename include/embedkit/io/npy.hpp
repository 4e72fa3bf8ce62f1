// NumPy .npy files: read any of NumPy's numeric dtypes (either byte order, C or Fortran
// order, format versions 1.0 to 3.0) into an ek::Tensor, and write tensors as np.save does.
//
//   ek::Tensor<float> t = ek::io::load_npy<float>("table.npy");  // converts from the stored dtype
//   ek::io::NpyInfo info = ek::io::read_npy_header("table.npy");
//   ek::io::save_npy("out.npy", t.view());
//   auto f = ek::io::NpyFile::open("big.npy");                   // memory-mapped, O(1)
//   ek::TensorView<const float> w = f.view<float>();             // zero-copy when stored as f4
//
// Rules, conversions and errors: docs/guide/formats.md, "NumPy .npy".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/io/detail/convert.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/io/detail/npy/encode.hpp"
#include "embedkit/io/detail/npy/header.hpp"
#include "embedkit/io/mapped_file.hpp"
#include "embedkit/io/npy_info.hpp"

namespace embedkit::io {

namespace detail {

// Fortran (column-major) elements to row-major: dst walks C order while the offset into src
// follows the column-major strides.
template <class T>
void fortran_to_c(const T* src, T* dst, std::span<const std::int64_t> shape) {
  const std::size_t r = shape.size();
  std::int64_t numel = 1;
  for (std::int64_t d : shape) numel *= d;
  if (numel == 0) return;
  std::vector<std::int64_t> stride(r), idx(r, 0);
  for (std::size_t k = 0; k < r; ++k) stride[k] = k == 0 ? 1 : stride[k - 1] * shape[k - 1];
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < numel; ++i) {
    dst[i] = src[off];
    for (std::size_t k = r; k-- > 0;) {
      if (++idx[k] < shape[k]) {
        off += stride[k];
        break;
      }
      off -= stride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
}

template <Element T>
Tensor<T> load_npy_bytes(std::span<const std::byte> file, std::string_view name) {
  const npy_layout l = parse_npy(file, name);
  if (l.info.shape.size() > static_cast<std::size_t>(Shape::max_rank)) {
    embedkit::detail::raise<shape_error>(npy_prefix(name) + "rank " +
                                         std::to_string(l.info.shape.size()) +
                                         " exceeds embedkit's maximum rank " +
                                         std::to_string(Shape::max_rank));
  }
  const Shape shape{std::span<const std::int64_t>(l.info.shape)};
  const element_source src{npy_prefix(name) + "array", static_cast<std::int64_t>(l.info.data_offset)};
  const std::byte* data = file.data() + l.info.data_offset;
  const auto n = static_cast<std::size_t>(l.info.numel());
  Tensor<T> out = Tensor<T>::empty(shape);
  if (l.info.fortran_order && shape.rank() > 1) {
    Tensor<T> stored = Tensor<T>::empty(shape);
    convert_elements<T>(data, l.type, l.swap, stored.data(), n, src);
    fortran_to_c(stored.data(), out.data(), shape.dims());
  } else {
    convert_elements<T>(data, l.type, l.swap, out.data(), n, src);
  }
  return out;
}

}  // namespace detail

// The header of an in-memory .npy file; ek::format_error when it is malformed or the data
// that follows it does not have exactly the size the header implies.
inline NpyInfo read_npy_header(std::span<const std::byte> bytes) {
  return detail::parse_npy(bytes).info;
}

// The header of a .npy file (the file is mapped, and its size checked against the header).
inline NpyInfo read_npy_header(const std::filesystem::path& path) {
  const MappedFile f = MappedFile::open(path);
  return detail::parse_npy(f.bytes(), path.string()).info;
}

// An in-memory .npy file as a tensor of T, converted from the stored dtype.
template <detail::Element T>
Tensor<T> load_npy(std::span<const std::byte> bytes) {
  return detail::load_npy_bytes<T>(bytes, {});
}

// A .npy file as a tensor of T, converted from the stored dtype; Fortran-ordered arrays are
// transposed into row-major order.
template <detail::Element T>
Tensor<T> load_npy(const std::filesystem::path& path) {
  const MappedFile f = MappedFile::open(path);
  return detail::load_npy_bytes<T>(f.bytes(), path.string());
}

// The bytes np.save would write for `v` (row-major, little-endian). bfloat16 has no NumPy
// dtype and is refused (ek::value_error): convert to float first.
// A .npy file kept memory-mapped. Opening reads and checks only the header, so it costs the
// same whatever the array's size, and tables larger than memory can be used in place:
// view<T>() is the array without a copy when it is stored as T, in C order and this machine's
// byte order; get<T>() converts like load_npy.
//
// The mapping shows the file as it is now: if the file is truncated while an NpyFile (or a
// view of it) is in use, touching the lost pages raises SIGBUS (as with numpy.memmap). When
// the file may change under the program, open it with {.copy = true}: the file is read once
// into memory the NpyFile owns (its size in memory, a full read; same checks and errors).
//
//   auto f = ek::io::NpyFile::open("table.npy");
//   ek::TensorView<const float> w = f.view<float>();   // zero-copy
//   auto g = ek::io::NpyFile::open("table.npy", {.copy = true});  // immune to file changes
class NpyFile {
 public:
  static NpyFile open(const std::filesystem::path& path, MapOptions options = {}) {
    NpyFile f;
    f.file_ = MappedFile::open(path, options);
    f.layout_ = detail::parse_npy(f.file_.bytes(), path.string());
    if (f.layout_.info.shape.size() > static_cast<std::size_t>(Shape::max_rank)) {
      embedkit::detail::raise<shape_error>(detail::npy_prefix(path.string()) + "rank " +
                                           std::to_string(f.layout_.info.shape.size()) +
                                           " exceeds embedkit's maximum rank " +
                                           std::to_string(Shape::max_rank));
    }
    return f;
  }

  const NpyInfo& info() const noexcept { return layout_.info; }
  // Whether the file was read into owned memory ({.copy = true}) rather than mapped.
  bool copied() const noexcept { return file_.copied(); }
  Shape shape() const { return Shape(std::span<const std::int64_t>(layout_.info.shape)); }

  // The array in place; ek::value_error when it is not stored as T in C order and native
  // byte order (get<T>() converts instead).
  template <detail::Element T>
  TensorView<const T> view() const {
    const NpyInfo& i = layout_.info;
    const std::byte* data = file_.bytes().data() + i.data_offset;
    if (layout_.type != detail::scalar_of<T> || layout_.swap) {
      embedkit::detail::raise<value_error>(
          detail::npy_prefix(file_.path().string()) + "the array is stored as '" + i.descr +
          "', not as " + std::string(name(dtype_of<T>)) + " in this machine's byte order: use get<" +
          std::string(name(dtype_of<T>)) + ">() to convert it");
    }
    if (i.fortran_order && i.shape.size() > 1) {
      embedkit::detail::raise<value_error>(
          detail::npy_prefix(file_.path().string()) +
          "the array is in Fortran order; a row-major view needs C order (get<T>() transposes)");
    }
    if (reinterpret_cast<std::uintptr_t>(data) % alignof(T) != 0) {
      embedkit::detail::raise<value_error>(detail::npy_prefix(file_.path().string()) +
                                           "the data is not aligned for a view of this type");
    }
    return TensorView<const T>(i.numel() ? reinterpret_cast<const T*>(data) : nullptr, shape());
  }

  // The array converted to T (a copy), as load_npy.
  template <detail::Element T>
  Tensor<T> get() const {
    return detail::load_npy_bytes<T>(file_.bytes(), file_.path().string());
  }

 private:
  NpyFile() = default;
  MappedFile file_;
  detail::npy_layout layout_;
};

template <class T>
std::vector<std::byte> encode_npy(TensorView<T> v) {
  using U = std::remove_const_t<T>;
  if constexpr (detail::npy_descr<U>() == nullptr) {
    embedkit::detail::raise<value_error>(
        std::string("save_npy: NumPy has no ") + std::string(name(dtype_of<U>)) +
        " dtype (ml_dtypes' bfloat16 is an opaque '<V2' to NumPy): convert the tensor to "
        "float32 first");
  } else {
    std::vector<std::byte> out = detail::npy_preamble(detail::npy_descr<U>(), v.shape());
    detail::npy_append_data<U>(out, TensorView<const U>(v));
    return out;
  }
}

template <class T>
std::vector<std::byte> encode_npy(const Tensor<T>& t) {
  return encode_npy(t.cview());
}

// Writes `v` as a .npy file (see encode_npy); ek::io_error naming the path when the file
// cannot be written. The file is written whole or not at all: the bytes go to a temporary
// file beside it that is renamed over it only once complete (io/detail/file_io.hpp), so an
// error never leaves a truncated file, and a reader that has the old file open or mapped keeps
// seeing the old file.
template <class T>
void save_npy(const std::filesystem::path& path, TensorView<T> v) {
  const std::vector<std::byte> bytes = encode_npy(v);
  detail::write_file_atomically(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  });
}

template <class T>
void save_npy(const std::filesystem::path& path, const Tensor<T>& t) {
  save_npy(path, t.cview());
}

}  // namespace embedkit::io
