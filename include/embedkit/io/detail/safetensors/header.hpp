// Reading and checking a safetensors header. The file is
//   u64 little-endian N | N bytes of JSON | the data buffer
// and every rule of the format is enforced before a byte of tensor data is touched:
// N <= 100,000,000 (the reference crate's cap) and within the file; the header a JSON
// object; each tensor entry exactly {dtype, shape, data_offsets}; "__metadata__" a
// string-to-string map; offsets relative to the buffer, which the tensors must cover exactly,
// in order, without holes or overlaps; each tensor's byte count equal to its element count
// times its dtype's width; each shape's non-zero extents multiplying within int64 (ek::Shape's
// invariant, so numel() and every tensor made from it are exact). Errors about a member of the
// header point at that member (line, column and file offset), as JSON syntax errors do.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/safetensors/dtype.hpp"
#include "embedkit/io/tensor_info.hpp"
#include "embedkit/json/detail/position.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit::io::detail {

inline constexpr std::uint64_t kStMaxHeader = 100'000'000;  // the reference crate's limit
inline constexpr std::string_view kStMetadataKey = "__metadata__";

struct st_header {
  std::vector<TensorInfo> tensors;  // sorted by offset
  std::map<std::string, std::string> metadata;
  std::uint64_t data_start = 0;     // 8 + N
};

inline std::string st_prefix(std::string_view name) {
  return name.empty() ? std::string("safetensors: ") : "safetensors: '" + std::string(name) + "': ";
}

class StHeaderReader {
 public:
  StHeaderReader(std::span<const std::byte> file, std::string_view name)
      : file_(file), prefix_(st_prefix(name)) {}

  st_header read() {
    const std::uint64_t size = file_.size();
    if (size < 8) {
      fail("a file of " + std::to_string(size) + " bytes is too short for the 8-byte header length", 0);
    }
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<std::uint8_t>(file_[static_cast<std::size_t>(i)]);
    if (n > kStMaxHeader) {
      fail("header length " + std::to_string(n) + " exceeds the limit of " +
               std::to_string(kStMaxHeader) + " bytes",
           0);
    }
    if (n > size - 8) {
      fail("header length " + std::to_string(n) + " runs past the end of the file (" +
               std::to_string(size) + " bytes)",
           0);
    }
    st_header h;
    h.data_start = 8 + n;
    text_ = std::string_view(reinterpret_cast<const char*>(file_.data()) + 8, static_cast<std::size_t>(n));
    // JSON errors carry positions in the file (the header starts at byte 8) and the prefix
    // that names the file; so do the errors about members below (at_ is the member's value).
    origin_ = json::detail::text_origin{8, 1, 1, prefix_};
    // The header is at most three levels deep: {name: {"shape": [...]}}.
    json::ParseOptions opt;
    opt.max_depth = 3;
    opt.duplicate_keys = json::DuplicateKeys::reject;
    const json::Kind kind =
        json::detail::JsonParser(text_, opt, origin_)
            .parse_members([&](std::string&& key, json::Value&& value, json::MemberSite site) {
              at_ = site.value;
              if (key == kStMetadataKey) {
                read_metadata(value, h.metadata);
              } else {
                h.tensors.push_back(read_entry(std::move(key), value));
              }
            });
    if (kind != json::Kind::object) fail("the header is " + std::string(json::describe(kind)) + ", not a JSON object", 8);
    check_layout(h, size);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::uint64_t byte) const {
    const auto b = static_cast<std::int64_t>(byte);
    embedkit::detail::raise<format_error>(prefix_ + what + " at byte " + std::to_string(byte), b);
  }
  // An error about the header member being read: "<what> at line L, column C (byte B)".
  [[noreturn]] void fail_member(const std::string& what) const {
    json::detail::raise_format_error_at(text_, at_, origin_, what, false);
  }

  void read_metadata(const json::Value& v, std::map<std::string, std::string>& out) const {
    if (!v.is_object()) {
      fail_member("\"__metadata__\" is " + std::string(json::describe(v.kind())) +
                  ", expected an object of strings");
    }
    for (const auto& [k, s] : v.as_object()) {
      if (!s.is_string()) {
        fail_member("\"__metadata__\" maps strings to strings, but \"" + k + "\" is " +
                    json::describe(s.kind()));
      }
      out.emplace(k, s.as_string());
    }
  }

  std::uint64_t read_uint(const json::Value& v, const std::string& what) const {
    if (v.kind() == json::Kind::int64 && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
    if (v.kind() == json::Kind::uint64) return v.as_uint64();
    fail_member(what + " must be a non-negative integer, found " +
                (v.is_number() ? std::string("the number ") + (v.is_integer() ? std::to_string(v.as_int64()) : "with a fraction")
                               : std::string(json::describe(v.kind()))));
  }

  TensorInfo read_entry(std::string&& name, const json::Value& v) const {
    const std::string who = "tensor \"" + name + "\"";
    if (!v.is_object()) {
      fail_member(who + " is " + std::string(json::describe(v.kind())) +
                  ", expected an object {dtype, shape, data_offsets}");
    }
    const json::Object& o = v.as_object();
    for (const auto& [k, unused] : o) {
      (void)unused;
      if (k != "dtype" && k != "shape" && k != "data_offsets") {
        fail_member(who + " has the unexpected key \"" + k +
                    "\" (entries have exactly dtype, shape and data_offsets)");
      }
    }
    for (const char* k : {"dtype", "shape", "data_offsets"}) {
      if (!o.contains(k)) fail_member(who + " lacks \"" + k + "\"");
    }
    TensorInfo t;
    t.name = std::move(name);
    const json::Value& dt = o.at("dtype");
    if (!dt.is_string()) fail_member(who + ": \"dtype\" is " + std::string(json::describe(dt.kind())) + ", expected a string");
    t.dtype_name = dt.as_string();
    const st_dtype* d = find_st_dtype(t.dtype_name);
    if (d == nullptr) {
      fail_member(who + " has the unknown dtype \"" + t.dtype_name + "\" (known: " + st_dtype_list() + ")");
    }
    if (d->element) t.type = to_dtype(*d->element);

    const json::Value& shape = o.at("shape");
    if (!shape.is_array()) fail_member(who + ": \"shape\" is " + std::string(json::describe(shape.kind())) + ", expected an array");
    // The element count is the product of the extents; the product of the non-zero ones must
    // fit int64 (ek::Shape's invariant) even when a zero extent makes the count 0, so that any
    // partial product a reader forms later (rows * dim, strides) is exact too.
    std::int64_t nonzero = 1;
    bool zero = false;
    for (const json::Value& dim : shape.as_array()) {
      const std::uint64_t u = read_uint(dim, who + ": each dimension of \"shape\"");
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail_member(who + ": dimension " + std::to_string(u) + " does not fit int64");
      }
      const auto e = static_cast<std::int64_t>(u);
      if (e == 0) {
        zero = true;
      } else if (!embedkit::detail::mul_fits(nonzero, e, nonzero)) {
        fail_member(who + ": the element count of shape " + json::dump(shape) +
                    " overflows int64 (the product of its non-zero extents must fit int64)");
      }
      t.shape.push_back(e);
    }
    const std::int64_t numel = zero ? 0 : nonzero;

    const json::Value& off = o.at("data_offsets");
    if (!off.is_array() || off.as_array().size() != 2) {
      fail_member(who + ": \"data_offsets\" must be an array [begin, end]");
    }
    t.begin = read_uint(off.as_array()[0], who + ": \"data_offsets\"");
    t.end = read_uint(off.as_array()[1], who + ": \"data_offsets\"");
    if (t.end < t.begin) {
      fail_member(who + ": \"data_offsets\" [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                  "] ends before it begins");
    }
    // Bytes the shape needs: numel * bits / 8, whole bytes only.
    std::int64_t bits = 0;
    if (!embedkit::detail::mul_fits(numel, static_cast<std::int64_t>(d->bits), bits)) {
      fail_member(who + ": the byte count of its shape overflows (" + std::to_string(numel) +
                  " elements of " + std::to_string(d->bits) + " bits)");
    }
    if (bits % 8 != 0) {
      fail_member(who + ": " + std::to_string(numel) + " elements of " + t.dtype_name + " (" +
                  std::to_string(d->bits) + " bits) do not fill whole bytes");
    }
    const auto need = static_cast<std::uint64_t>(bits / 8);
    if (t.end - t.begin != need) {
      fail_member(who + ": \"data_offsets\" [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                  "] span " + std::to_string(t.end - t.begin) + " bytes, but " +
                  std::to_string(numel) + " elements of " + t.dtype_name + " need " +
                  std::to_string(need));
    }
    return t;
  }

  // Tensors sorted by offset must tile the data buffer exactly.
  void check_layout(st_header& h, std::uint64_t size) const {
    std::stable_sort(h.tensors.begin(), h.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const std::uint64_t buffer = size - h.data_start;
    std::uint64_t expected = 0;
    for (TensorInfo& t : h.tensors) {
      if (t.begin != expected) {
        fail("tensor \"" + t.name + "\" begins at buffer offset " + std::to_string(t.begin) +
                 " but the previous tensor ends at " + std::to_string(expected) +
                 (t.begin > expected ? " (a hole)" : " (an overlap)"),
             h.data_start + std::min(expected, buffer));
      }
      if (t.end > buffer) {
        fail("tensor \"" + t.name + "\" ends at buffer offset " + std::to_string(t.end) +
                 ", past the end of the " + std::to_string(buffer) + "-byte data buffer",
             h.data_start + t.begin);
      }
      t.file_offset = h.data_start + t.begin;
      expected = t.end;
    }
    if (expected != buffer) {
      fail("the tensors cover " + std::to_string(expected) + " bytes of the " +
               std::to_string(buffer) + "-byte data buffer",
           h.data_start + expected);
    }
  }

  std::span<const std::byte> file_;
  std::string prefix_;
  std::string_view text_;              // the JSON header
  json::detail::text_origin origin_;   // where it lies in the file; its prefix is prefix_
  std::size_t at_ = 0;                 // offset in text_ of the member being read
};

inline st_header read_st_header(std::span<const std::byte> file, std::string_view name) {
  return StHeaderReader(file, name).read();
}

}  // namespace embedkit::io::detail
