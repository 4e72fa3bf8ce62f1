// The backend contract (backend/common/): ek::cpu satisfies every op's concept, and a policy
// that lacks an op, or names a kernel differently, does not.
#include <doctest/doctest.h>

#include <string>

#include <embedkit/embedkit.hpp>

namespace ek = embedkit;

namespace {
// The cpu policy without its bag op.
struct no_bag {
  static constexpr const char* name = "no_bag";
  using memory = ek::detail::host_memory;
  using index = ek::detail::cpu_index_ops;
  using rows = ek::detail::cpu_row_ops;
  using embedding = ek::detail::cpu_embedding_ops;
};
// An index family whose kernel has another name.
struct misnamed_index {
  template <class I>
  static ek::detail::IndexFault find_bad_index(ek::TensorView<const I>, std::int64_t) {
    return {};
  }
};
}  // namespace

// Tensor<T, no_bag> would allocate on the host: only the missing op keeps it from being a backend.
template <>
struct embedkit::detail::memory_of<no_bag> : embedkit::detail::host_memory {};

TEST_CASE("ek::cpu provides every op of the backend contract") {
  static_assert(ek::detail::BackendPolicy<ek::cpu>);
  static_assert(ek::detail::MemoryOps<ek::cpu::memory>);
  static_assert(ek::detail::IndexOps<ek::cpu::index>);
  static_assert(ek::detail::RowOps<ek::cpu::rows, ek::cpu>);
  static_assert(ek::detail::EmbeddingOps<ek::cpu::embedding, ek::cpu>);
  static_assert(ek::detail::BagOps<ek::cpu::bag, ek::cpu>);
  CHECK(std::string(ek::cpu::name) == "cpu");
}

TEST_CASE("A policy missing an op, or a kernel under another name, is not a backend") {
  static_assert(!ek::detail::BackendPolicy<no_bag>);
  static_assert(!ek::detail::IndexOps<misnamed_index>);
  // Families are checked against their own contract: the embedding family is not a bag family.
  static_assert(!ek::detail::BagOps<ek::cpu::embedding, ek::cpu>);
}
