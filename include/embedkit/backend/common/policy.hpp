// What makes a type a backend: a name, and one family of kernels per op, each satisfying its
// op's contract (backend/common/<op>.hpp). Layers call kernels by op and name
// (Backend::bag::forward(p)), so two ops never collide and adding an op adds files.
// backend/cpu.hpp and backend/cuda.hpp check their policy against this concept.
#pragma once

#include <concepts>
#include <type_traits>

#include "embedkit/backend/common/attention.hpp"
#include "embedkit/backend/common/bag.hpp"
#include "embedkit/backend/common/conv.hpp"
#include "embedkit/backend/common/embedding.hpp"
#include "embedkit/backend/common/gemm.hpp"
#include "embedkit/backend/common/index.hpp"
#include "embedkit/backend/common/memory.hpp"
#include "embedkit/backend/common/pointwise.hpp"
#include "embedkit/backend/common/pool.hpp"
#include "embedkit/backend/common/recurrent.hpp"
#include "embedkit/backend/common/rows.hpp"
#include "embedkit/core/backend_fwd.hpp"

namespace embedkit::detail {

// memory_of<B> is specialized (Tensor<T, B> can allocate).
template <class B>
concept has_memory_of = requires { sizeof(memory_of<B>); };

template <class B>
concept BackendPolicy =
    requires {
      { B::name } -> std::convertible_to<const char*>;
    } &&
    MemoryOps<typename B::memory> && has_memory_of<B> &&
    std::is_base_of_v<typename B::memory, memory_of<B>> &&
    IndexOps<typename B::index> &&
    RowOps<typename B::rows, B> &&
    EmbeddingOps<typename B::embedding, B> &&
    BagOps<typename B::bag, B> &&
    GemmOps<typename B::gemm> &&
    PointwiseOps<typename B::pointwise> &&
    ConvOps<typename B::conv> &&
    RecurrentOps<typename B::recurrent> &&
    PoolOps<typename B::pool> &&
    AttentionOps<typename B::attention, B>;

}  // namespace embedkit::detail
