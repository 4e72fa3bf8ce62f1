// What the EmbeddingBag benchmarks share, cpu (embedding_bag.cpp) and GPU (embedding_bag_cuda.cu):
// the table values and index sequence their PyTorch twins reproduce (embedding_bag_torch.py,
// embedding_bag_cuda_torch.py), and the cache that keeps one benchmark table alive at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace embedkit_bench {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Table element i (row-major over the whole table), uniform in [-0.5, 0.5).
inline float table_value(std::uint64_t i) {
  return static_cast<float>(splitmix64(i) >> 40) * 0x1p-24f - 0.5f;
}

// Input entry k: a row of a table of `rows` rows.
inline std::int64_t index_at(std::uint64_t k, std::int64_t rows) {
  return static_cast<std::int64_t>(splitmix64(k) % static_cast<std::uint64_t>(rows));
}

// One forward configuration of the bag benchmarks: its name ("bag/<type>/<mode>[/padding|/into]"),
// mode (0 sum, 1 mean, 2 max), padding_idx or a preallocated output, and its bag lengths
// (padding and the preallocated output only at the targets' length 20).
struct BagVariant {
  std::string name;
  int mode = 0;
  bool padded = false;
  bool into = false;
  std::vector<std::int64_t> lens;
};

// Calls variant(v, dim) for every forward configuration of storage type `tname`, dim-major (so
// each table is built once), and after_dim(dim) once a dim's configurations are done.
template <class Variant, class AfterDim>
void for_each_bag_variant(const char* tname, Variant&& variant, AfterDim&& after_dim) {
  const char* modes[] = {"sum", "mean", "max"};
  for (std::int64_t dim : {32, 64, 128, 256}) {
    for (int m = 0; m < 3; ++m) {
      for (int kind = 0; kind < 3; ++kind) {  // plain, padding, into
        BagVariant v;
        v.mode = m;
        v.padded = kind == 1;
        v.into = kind == 2;
        v.name = std::string("bag/") + tname + "/" + modes[m] + (v.padded ? "/padding" : v.into ? "/into" : "");
        v.lens = kind == 0 ? std::vector<std::int64_t>{1, 20, 100} : std::vector<std::int64_t>{20};
        variant(v, dim);
      }
    }
    after_dim(dim);
  }
}

// Clearing functions of every TableCache instantiation: a benchmark about to build a table
// first frees the others (a table can be several GiB).
inline std::vector<std::function<void()>>& table_clearers() {
  static std::vector<std::function<void()>> c;
  return c;
}

// The table of one storage type (and the layer over it) for the dim, mode and padding option
// it was built for; the benchmarks are registered dim-major, so each table is built once.
template <class Storage, class Bag>
struct TableCache {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Bag> bag;
  std::int64_t dim = -1;
  int mode = -1;
  bool padded = false;

  static TableCache& get() {
    static TableCache c;
    static const bool registered = [] {
      table_clearers().push_back([] { get().clear(); });
      return true;
    }();
    (void)registered;
    return c;
  }
  void clear() {
    bag.reset();
    storage.reset();
    dim = -1;
    mode = -1;
  }
};

}  // namespace embedkit_bench
