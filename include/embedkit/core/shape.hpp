// Shape: the extents of a row-major tensor, stored inline (no allocation) so that views and
// shapes can be passed by value to kernels on any backend. Invariant: extents are >= 0 and the
// product of the non-zero ones fits in int64, so numel() and every partial product of extents
// (rows * dim, ...) are exact; a shape that breaks it is a shape_error where it is made.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/error.hpp"

namespace embedkit {

class Shape {
 public:
  static constexpr int max_rank = 8;

  constexpr Shape() noexcept = default;

  // Shape{rows, dim}: any integral extent type, so `{rows, dim}` works whether the caller
  // holds int, size_t or int64_t. Negative extents are rejected.
  template <std::integral... I>
    requires(sizeof...(I) >= 1 && sizeof...(I) <= max_rank)
  constexpr Shape(I... extents) : rank_(static_cast<int>(sizeof...(I))) {
    int k = 0;
    ((dims_[k] = checked(extents, k), ++k), ...);
    check_product();
  }

  // A shape of runtime rank.
  explicit Shape(std::span<const std::int64_t> extents) {
    if (extents.size() > static_cast<std::size_t>(max_rank)) {
      detail::raise<shape_error>("rank " + std::to_string(extents.size()) +
                                 " exceeds the maximum rank " + std::to_string(max_rank));
    }
    rank_ = static_cast<int>(extents.size());
    for (int k = 0; k < rank_; ++k) dims_[k] = checked(extents[static_cast<std::size_t>(k)], k);
    check_product();
  }

  constexpr int rank() const noexcept { return rank_; }
  constexpr std::int64_t operator[](int k) const noexcept { return dims_[k]; }
  // Extent k, with negative k counted from the end (-1 = last).
  std::int64_t at(int k) const {
    const int j = k < 0 ? k + rank_ : k;
    if (j < 0 || j >= rank_) {
      detail::raise<shape_error>("dimension " + std::to_string(k) + " is out of range for rank " +
                                 std::to_string(rank_));
    }
    return dims_[j];
  }
  constexpr std::int64_t numel() const noexcept {
    std::int64_t n = 1;
    for (int k = 0; k < rank_; ++k) n *= dims_[k];
    return n;
  }
  constexpr std::span<const std::int64_t> dims() const noexcept {
    return {dims_, static_cast<std::size_t>(rank_)};
  }

  // This shape with `extent` appended (e.g. index shape + embedding dim).
  Shape append(std::int64_t extent) const {
    if (rank_ == max_rank) {
      detail::raise<shape_error>("cannot append a dimension to a shape of rank " +
                                 std::to_string(max_rank) + " (the maximum)");
    }
    Shape s = *this;
    s.dims_[s.rank_++] = checked(extent, rank_);
    s.check_product();
    return s;
  }

  friend constexpr bool operator==(const Shape& a, const Shape& b) noexcept {
    return a.rank_ == b.rank_ && std::equal(a.dims_, a.dims_ + a.rank_, b.dims_);
  }

  std::string str() const {
    std::string s = "[";
    for (int k = 0; k < rank_; ++k) {
      if (k) s += ", ";
      s += std::to_string(dims_[k]);
    }
    return s + "]";
  }

 private:
  // The invariant: the non-zero extents multiply within int64.
  constexpr void check_product() const {
    std::int64_t n = 1;
    for (int k = 0; k < rank_; ++k) {
      if (dims_[k] != 0 && !detail::mul_fits(n, dims_[k], n)) {
        detail::raise<shape_error>("shape " + str() + " has more elements than int64 can count");
      }
    }
  }

  template <std::integral I>
  static constexpr std::int64_t checked(I extent, int k) {
    if constexpr (std::is_signed_v<I>) {
      if (extent < 0) {
        detail::raise<shape_error>("extent " + std::to_string(extent) + " of dimension " +
                                   std::to_string(k) + " is negative");
      }
    } else if (static_cast<std::uint64_t>(extent) > static_cast<std::uint64_t>(INT64_MAX)) {
      detail::raise<shape_error>("extent " + std::to_string(extent) + " of dimension " +
                                 std::to_string(k) + " does not fit in int64");
    }
    return static_cast<std::int64_t>(extent);
  }

  std::int64_t dims_[max_rank] = {};
  int rank_ = 0;
};

}  // namespace embedkit
