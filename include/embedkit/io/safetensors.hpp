// safetensors files (the Hugging Face format): memory-mapped reading with every rule of the
// format checked up front, zero-copy views, converting reads, and a writer whose bytes match
// the reference implementation's.
//
//   auto st = ek::io::SafeTensors::open("model.safetensors");  // mapped ({.copy = true}: read)
//   for (const std::string& name : st.names()) st.info(name).shape;
//   ek::Tensor<float> w = st.get<float>("embeddings.weight");         // converts (BF16, F16, ...)
//   ek::TensorView<const float> v = st.view<float>("embeddings.weight"); // zero-copy, F32 only
//   ek::io::save_safetensors("out.safetensors", {{"w", w.view()}}, {{"format", "pt"}});
//
// Rules, conversions and errors: docs/guide/formats.md, "safetensors".
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/io/detail/convert.hpp"
#include "embedkit/io/detail/file_io.hpp"
#include "embedkit/io/detail/safetensors/dtype.hpp"
#include "embedkit/io/detail/safetensors/header.hpp"
#include "embedkit/io/detail/safetensors/writer.hpp"
#include "embedkit/io/mapped_file.hpp"
#include "embedkit/io/tensor_info.hpp"
#include "embedkit/io/tensor_ref.hpp"

namespace embedkit::io {

class SafeTensors {
 public:
  // Maps the file and checks its header and layout; ek::io_error when it cannot be read,
  // ek::format_error (with the byte offset) when it breaks a rule of the format.
  //
  // The mapping shows the file as it is now: if the file is truncated while the SafeTensors
  // (or a view of it) is in use, touching the lost pages raises SIGBUS (as with any memory
  // map). When the file may change under the program, open it with {.copy = true}: the file
  // is read once into memory the SafeTensors owns (its size in memory, a full read; the same
  // checks and errors).
  static SafeTensors open(const std::filesystem::path& path, MapOptions options = {}) {
    SafeTensors st;
    st.file_ = MappedFile::open(path, options);
    st.name_ = path.string();
    st.init(st.file_.bytes());
    return st;
  }

  // The same over bytes already in memory. Nothing is copied: the bytes must outlive the
  // SafeTensors and everything view() returns.
  static SafeTensors from_bytes(std::span<const std::byte> bytes) {
    SafeTensors st;
    st.init(bytes);
    return st;
  }

  std::size_t size() const noexcept { return tensors_.size(); }
  // Tensor names in the order of their data in the file.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(tensors_.size());
    for (const TensorInfo& t : tensors_) out.push_back(t.name);
    return out;
  }
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // dtype, shape and byte range of a tensor; ek::index_error when there is none by that name.
  const TensorInfo& info(std::string_view name) const { return at(name); }
  // Everything, in file order.
  const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
  // The "__metadata__" map (empty when the file has none).
  const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
  // The stored bytes of a tensor (little-endian elements, row-major).
  std::span<const std::byte> data(std::string_view name) const {
    const TensorInfo& t = at(name);
    return bytes_.subspan(static_cast<std::size_t>(t.file_offset), static_cast<std::size_t>(t.bytes()));
  }

  // A copy of the tensor as T, converted from the stored dtype (see detail/convert.hpp:
  // floating targets take any dtype; integer targets take integers that fit; bool takes
  // BOOL). ek::value_error for dtypes embedkit does not convert (F8_*, F4, F6_*, C64).
  template <detail::Element T>
  Tensor<T> get(std::string_view name) const {
    const TensorInfo& t = at(name);
    const Shape shape = shape_of(t);
    const detail::st_dtype& d = *detail::find_st_dtype(t.dtype_name);
    if (!d.element) {
      embedkit::detail::raise<value_error>(prefix() + "tensor \"" + t.name + "\" has dtype " +
                                           t.dtype_name +
                                           ", which embedkit cannot convert (it reads BOOL, U8, "
                                           "I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64)");
    }
    Tensor<T> out = Tensor<T>::empty(shape);
    const bool swap = std::endian::native == std::endian::big;
    detail::convert_elements<T>(bytes_.data() + t.file_offset, *d.element, swap, out.data(),
                                static_cast<std::size_t>(t.numel()),
                                {prefix() + "tensor \"" + t.name + "\"",
                                 static_cast<std::int64_t>(t.file_offset)});
    return out;
  }

  // The tensor in place, without a copy. Its stored dtype must be T's exactly, and its data
  // aligned for T (files the reference writer made always are); ek::value_error otherwise,
  // saying to use get<T>().
  template <detail::Element T>
  TensorView<const T> view(std::string_view name) const {
    const TensorInfo& t = at(name);
    const Shape shape = shape_of(t);
    if (t.type != dtype_of<T>) {
      embedkit::detail::raise<value_error>(
          prefix() + "tensor \"" + t.name + "\" is stored as " + t.dtype_name + ", not " +
          std::string(embedkit::name(dtype_of<T>)) + ": view<T>() needs the stored type, " +
          "get<T>() converts");
    }
    if constexpr (sizeof(T) > 1 && std::endian::native == std::endian::big) {
      embedkit::detail::raise<value_error>(prefix() + "view<T>() needs a little-endian machine: use get<T>()");
    }
    const std::byte* p = bytes_.data() + t.file_offset;
    if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0) {
      embedkit::detail::raise<value_error>(
          prefix() + "tensor \"" + t.name + "\" starts at byte " + std::to_string(t.file_offset) +
          ", which is not aligned to " + std::to_string(alignof(T)) + " bytes for " +
          std::string(embedkit::name(dtype_of<T>)) + ": use get<T>(), which copies");
    }
    if constexpr (std::is_same_v<T, bool>) {
      detail::check_bools(p, static_cast<std::size_t>(t.numel()),
                          {prefix() + "tensor \"" + t.name + "\"", static_cast<std::int64_t>(t.file_offset)});
    }
    return TensorView<const T>(reinterpret_cast<const T*>(p), shape);
  }

  // The mapped file's path (empty for from_bytes).
  const std::string& path() const noexcept { return name_; }
  // Whether open() read the file into owned memory ({.copy = true}) rather than mapping it.
  bool copied() const noexcept { return file_.copied(); }

 private:
  SafeTensors() = default;

  void init(std::span<const std::byte> bytes) {
    bytes_ = bytes;
    detail::st_header h = detail::read_st_header(bytes, name_);
    tensors_ = std::move(h.tensors);
    metadata_ = std::move(h.metadata);
    index_.reserve(tensors_.size());
    for (std::size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
  }

  std::string prefix() const { return detail::st_prefix(name_); }

  const TensorInfo* find(std::string_view name) const {
    const auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : &tensors_[it->second];
  }

  const TensorInfo& at(std::string_view name) const {
    const TensorInfo* t = find(name);
    if (t == nullptr) {
      embedkit::detail::raise<index_error>(prefix() + "no tensor named \"" + std::string(name) +
                                           "\" (the file has " + std::to_string(tensors_.size()) +
                                           ")");
    }
    return *t;
  }

  Shape shape_of(const TensorInfo& t) const {
    if (t.shape.size() > static_cast<std::size_t>(Shape::max_rank)) {
      embedkit::detail::raise<shape_error>(prefix() + "tensor \"" + t.name + "\" has rank " +
                                           std::to_string(t.shape.size()) +
                                           ", above embedkit's maximum rank " +
                                           std::to_string(Shape::max_rank));
    }
    return Shape(std::span<const std::int64_t>(t.shape));
  }

  MappedFile file_;
  std::string name_;
  std::span<const std::byte> bytes_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, std::size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// The bytes of a safetensors file holding `tensors` (and `metadata` under "__metadata__"),
// in the reference crate's layout. ek::value_error for a repeated name or "__metadata__".
inline std::vector<std::byte> serialize_safetensors(
    const std::vector<std::pair<std::string, TensorRef>>& tensors,
    const std::map<std::string, std::string>& metadata = {}) {
  return detail::serialize_st(tensors, metadata);
}

// Writes a safetensors file (see serialize_safetensors); ek::io_error naming the path when
// it cannot be written. The file is written whole or not at all: the bytes go to a temporary
// file beside it that is renamed over it only once complete (io/detail/file_io.hpp), so an
// error never leaves a truncated file, and a reader that has the old file open or mapped keeps
// seeing the old file.
inline void save_safetensors(const std::filesystem::path& path,
                             const std::vector<std::pair<std::string, TensorRef>>& tensors,
                             const std::map<std::string, std::string>& metadata = {}) {
  const std::vector<std::byte> bytes = detail::serialize_st(tensors, metadata);
  detail::write_file_atomically(path, [&](std::FILE* f) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
      detail::fail_io("cannot write", path);
    }
  });
}

}  // namespace embedkit::io
