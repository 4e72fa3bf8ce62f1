// The bytes of a safetensors file, laid out as the reference crate's serialize() lays them
// out: tensors sorted by descending dtype rank (the widest alignment first) then by name,
// "__metadata__" first in the header, compact JSON padded with spaces to a multiple of 8
// bytes so that every tensor's data stays aligned for its element type.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/io/detail/safetensors/dtype.hpp"
#include "embedkit/io/tensor_ref.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/json/writer.hpp"

namespace embedkit::io::detail {

static_assert(sizeof(bool) == 1, "safetensors BOOL elements are single bytes");

inline std::vector<std::byte> serialize_st(
    const std::vector<std::pair<std::string, TensorRef>>& tensors,
    const std::map<std::string, std::string>& metadata) {
  // Names must be unique and must not be the metadata key.
  std::vector<std::size_t> order(tensors.size());
  {
    std::unordered_set<std::string_view> seen;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const std::string& n = tensors[i].first;
      if (n == "__metadata__") {
        embedkit::detail::raise<value_error>(
            "save_safetensors: \"__metadata__\" is reserved and cannot name a tensor");
      }
      if (!seen.insert(n).second) {
        embedkit::detail::raise<value_error>("save_safetensors: the tensor name \"" + n +
                                             "\" is given twice");
      }
      order[i] = i;
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int ra = st_dtype_of(tensors[a].second.type).rank;
    const int rb = st_dtype_of(tensors[b].second.type).rank;
    if (ra != rb) return ra > rb;
    return tensors[a].first < tensors[b].first;  // bytewise, as Rust compares strings
  });

  json::Object header;
  if (!metadata.empty()) {
    json::Object m;
    for (const auto& [k, v] : metadata) m.insert(k, v);
    header.insert("__metadata__", std::move(m));
  }
  std::int64_t offset = 0;
  for (std::size_t i : order) {
    const TensorRef& t = tensors[i].second;
    json::Array shape;
    for (std::int64_t d : t.shape.dims()) shape.emplace_back(d);
    const std::int64_t end = embedkit::detail::checked_add(
        offset, static_cast<std::int64_t>(t.bytes()), "save_safetensors: the data buffer's size");
    header.insert(tensors[i].first,
                  json::Object{{"dtype", std::string(st_dtype_of(t.type).name)},
                               {"shape", std::move(shape)},
                               {"data_offsets", json::Array{offset, end}}});
    offset = end;
  }
  std::string text = json::dump(json::Value(std::move(header)));
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<std::byte> out(8 + text.size() + static_cast<std::size_t>(offset));
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::byte>((n >> (8 * i)) & 0xFF);
  std::memcpy(out.data() + 8, text.data(), text.size());
  std::byte* p = out.data() + 8 + text.size();
  for (std::size_t i : order) {
    const TensorRef& t = tensors[i].second;
    const std::size_t bytes = t.bytes();
    if (bytes == 0) continue;
    std::memcpy(p, t.data, bytes);  // bools too: a C++ bool is the byte 0 or 1
    if constexpr (std::endian::native == std::endian::big) {
      const std::size_t w = size_of(t.type);
      for (std::size_t e = 0; w > 1 && e < bytes; e += w) std::reverse(p + e, p + e + w);
    }
    p += bytes;
  }
  return out;
}

}  // namespace embedkit::io::detail
