// Entries grouped by row, for the cpu backward kernels: the (row, position) pairs of the input
// entries a gradient reaches, sorted, so that each row's occurrences form one run in position
// order. Reducing each run in order, in parallel over runs, gives the same bits on any thread
// count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace embedkit::detail {

struct RowRuns {
  std::vector<std::pair<std::int64_t, std::int64_t>> order;  // (row, position), ascending
  std::vector<std::int64_t> starts;  // the first pair of each run, then order.size()

  std::int64_t count() const noexcept { return static_cast<std::int64_t>(starts.size()) - 1; }
  std::int64_t row(std::int64_t s) const noexcept { return order[first(s)].first; }
  std::size_t first(std::int64_t s) const noexcept { return static_cast<std::size_t>(starts[static_cast<std::size_t>(s)]); }
  std::size_t last(std::int64_t s) const noexcept { return static_cast<std::size_t>(starts[static_cast<std::size_t>(s) + 1]); }
  std::int64_t position(std::size_t k) const noexcept { return order[k].second; }
};

// The runs of idx[0..n) over the positions j for which keep(j, row) holds.
template <class I, class Keep>
RowRuns sort_into_runs(const I* idx, std::int64_t n, Keep keep) {
  RowRuns r;
  r.order.reserve(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) {
    const auto row = static_cast<std::int64_t>(idx[j]);
    if (keep(j, row)) r.order.emplace_back(row, j);
  }
  std::sort(r.order.begin(), r.order.end());
  for (std::size_t k = 0; k < r.order.size(); ++k) {
    if (k == 0 || r.order[k].first != r.order[k - 1].first) r.starts.push_back(static_cast<std::int64_t>(k));
  }
  r.starts.push_back(static_cast<std::int64_t>(r.order.size()));
  return r;
}

}  // namespace embedkit::detail
