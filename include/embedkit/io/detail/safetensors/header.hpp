// Reading and checking a safetensors header. The file is
//   u64 little-endian N | N bytes of JSON | the data buffer
// and every rule of the format is enforced before a byte of tensor data is touched:
// N <= 100,000,000 (the reference crate's cap) and within the file; the header a JSON
// object; each tensor entry exactly {dtype, shape, data_offsets}; "__metadata__" a
// string-to-string map; offsets relative to the buffer, which the tensors must cover exactly,
// in order, without holes or overlaps; each tensor's byte count equal to its element count
// times its dtype's width.
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

#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/io/detail/safetensors/dtype.hpp"
#include "embedkit/io/tensor_info.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"

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
    const std::string_view text(reinterpret_cast<const char*>(file_.data()) + 8, static_cast<std::size_t>(n));
    // The header is at most three levels deep: {name: {"shape": [...]}}.
    json::ParseOptions opt;
    opt.max_depth = 3;
    opt.duplicate_keys = json::DuplicateKeys::reject;
    const json::Value root = parse_header(text, opt);
    if (!root.is_object()) fail("the header is " + std::string(json::describe(root.kind())) + ", not a JSON object", 8);

    for (const auto& [key, value] : root.as_object()) {
      if (key == kStMetadataKey) {
        read_metadata(value, h.metadata);
      } else {
        h.tensors.push_back(read_entry(key, value));
      }
    }
    check_layout(h, size);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::uint64_t byte) const {
    const auto b = static_cast<std::int64_t>(byte);
    embedkit::detail::raise<format_error>(prefix_ + what + " at byte " + std::to_string(byte), b);
  }

  json::Value parse_header(std::string_view text, const json::ParseOptions& opt) const {
    // JSON errors carry positions in the file (the header starts at byte 8) and the prefix
    // that names the file.
    return json::detail::JsonParser(text, opt, json::detail::text_origin{8, 1, 1, prefix_})
        .parse_document();
  }

  void read_metadata(const json::Value& v, std::map<std::string, std::string>& out) const {
    if (!v.is_object()) {
      fail("\"__metadata__\" is " + std::string(json::describe(v.kind())) +
               ", expected an object of strings",
           8);
    }
    for (const auto& [k, s] : v.as_object()) {
      if (!s.is_string()) {
        fail("\"__metadata__\" maps strings to strings, but \"" + k + "\" is " +
                 json::describe(s.kind()),
             8);
      }
      out.emplace(k, s.as_string());
    }
  }

  std::uint64_t read_uint(const json::Value& v, const std::string& what) const {
    if (v.kind() == json::Kind::int64 && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
    if (v.kind() == json::Kind::uint64) return v.as_uint64();
    fail(what + " must be a non-negative integer, found " +
             (v.is_number() ? std::string("the number ") + (v.is_integer() ? std::to_string(v.as_int64()) : "with a fraction")
                            : std::string(json::describe(v.kind()))),
         8);
  }

  TensorInfo read_entry(const std::string& name, const json::Value& v) const {
    const std::string who = "tensor \"" + name + "\"";
    if (!v.is_object()) {
      fail(who + " is " + std::string(json::describe(v.kind())) +
               ", expected an object {dtype, shape, data_offsets}",
           8);
    }
    const json::Object& o = v.as_object();
    for (const auto& [k, unused] : o) {
      (void)unused;
      if (k != "dtype" && k != "shape" && k != "data_offsets") {
        fail(who + " has the unexpected key \"" + k +
                 "\" (entries have exactly dtype, shape and data_offsets)",
             8);
      }
    }
    for (const char* k : {"dtype", "shape", "data_offsets"}) {
      if (!o.contains(k)) fail(who + " lacks \"" + k + "\"", 8);
    }
    TensorInfo t;
    t.name = name;
    const json::Value& dt = o.at("dtype");
    if (!dt.is_string()) fail(who + ": \"dtype\" is " + std::string(json::describe(dt.kind())) + ", expected a string", 8);
    t.dtype_name = dt.as_string();
    const st_dtype* d = find_st_dtype(t.dtype_name);
    if (d == nullptr) {
      fail(who + " has the unknown dtype \"" + t.dtype_name + "\" (known: " + st_dtype_list() + ")", 8);
    }
    if (d->element) t.type = to_dtype(*d->element);

    const json::Value& shape = o.at("shape");
    if (!shape.is_array()) fail(who + ": \"shape\" is " + std::string(json::describe(shape.kind())) + ", expected an array", 8);
    std::uint64_t numel = 1;
    bool overflow = false, zero = false;
    for (const json::Value& dim : shape.as_array()) {
      const std::uint64_t u = read_uint(dim, who + ": each dimension of \"shape\"");
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(who + ": dimension " + std::to_string(u) + " does not fit int64", 8);
      }
      if (u == 0) zero = true;
      if (u != 0 && numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / u) {
        overflow = true;
      }
      if (!overflow) numel *= u;
      t.shape.push_back(static_cast<std::int64_t>(u));
    }
    // A zero dimension makes the count zero, whatever the product of the others.
    if (zero) {
      numel = 0;
    } else if (overflow) {
      fail(who + ": the element count of its shape overflows", 8);
    }

    const json::Value& off = o.at("data_offsets");
    if (!off.is_array() || off.as_array().size() != 2) {
      fail(who + ": \"data_offsets\" must be an array [begin, end]", 8);
    }
    t.begin = read_uint(off.as_array()[0], who + ": \"data_offsets\"");
    t.end = read_uint(off.as_array()[1], who + ": \"data_offsets\"");
    if (t.end < t.begin) {
      fail(who + ": \"data_offsets\" [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
               "] ends before it begins",
           8);
    }
    // Bytes the shape needs: numel * bits / 8, whole bytes only.
    if (numel != 0 && d->bits > std::numeric_limits<std::uint64_t>::max() / numel) {
      fail(who + ": the byte count of its shape overflows", 8);
    }
    const std::uint64_t bits = numel * d->bits;
    if (bits % 8 != 0) {
      fail(who + ": " + std::to_string(numel) + " elements of " + t.dtype_name + " (" +
               std::to_string(d->bits) + " bits) do not fill whole bytes",
           8);
    }
    if (t.end - t.begin != bits / 8) {
      fail(who + ": \"data_offsets\" [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
               "] span " + std::to_string(t.end - t.begin) + " bytes, but " +
               std::to_string(numel) + " elements of " + t.dtype_name + " need " +
               std::to_string(bits / 8),
           8);
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
};

inline st_header read_st_header(std::span<const std::byte> file, std::string_view name) {
  return StHeaderReader(file, name).read();
}

}  // namespace embedkit::io::detail
