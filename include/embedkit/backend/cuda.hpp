// The cuda backend policy: embedkit::cuda, the GPU half of the backend pair. Layers take it as
// their Backend argument (Embedding<float, cuda>); every kernel and copy it makes runs on the
// calling thread's current stream (cuda::stream(), set with cuda::stream_scope). Include it
// only in translation units compiled by nvcc; embedkit.hpp never needs it.
#pragma once

#if !defined(__CUDACC__)
#error "embedkit/backend/cuda.hpp holds CUDA kernels: compile this translation unit with nvcc (a .cu file, or LANGUAGE CUDA in CMake); the cpu backend needs only embedkit/embedkit.hpp"
#endif

#include <cuda_runtime.h>

#include "embedkit/backend/common/policy.hpp"
#include "embedkit/backend/cuda/attention.cuh"
#include "embedkit/backend/cuda/bag.cuh"
#include "embedkit/backend/cuda/conv.cuh"
#include "embedkit/backend/cuda/embedding.cuh"
#include "embedkit/backend/cuda/gemm.cuh"
#include "embedkit/backend/cuda/index.cuh"
#include "embedkit/backend/cuda/memory.cuh"
#include "embedkit/backend/cuda/pointwise.cuh"
#include "embedkit/backend/cuda/pool.cuh"
#include "embedkit/backend/cuda/recurrent.cuh"
#include "embedkit/backend/cuda/rows.cuh"
#include "embedkit/backend/cuda/runtime.cuh"
#include "embedkit/core/backend_fwd.hpp"

namespace embedkit {

struct cuda {
  static constexpr const char* name = "cuda";

  // The op families (backend/common/<op>.hpp): one line each.
  using memory = detail::cuda_memory;
  using index = detail::cuda_index_ops;
  using rows = detail::cuda_row_ops;
  using embedding = detail::cuda_embedding_ops;
  using bag = detail::cuda_bag_ops;
  using gemm = detail::cuda_gemm_ops;
  using pointwise = detail::cuda_pointwise_ops;
  using conv = detail::cuda_conv_ops;
  using recurrent = detail::cuda_recurrent_ops;
  using pool = detail::cuda_pool_ops;
  using attention = detail::cuda_attention_ops;

  // The number of CUDA devices; 0 when there is none or no driver (never throws).
  static int device_count() noexcept {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();
      return 0;
    }
    return n;
  }
  static bool available() noexcept { return device_count() > 0; }

  // The calling thread's current stream (cudaStreamPerThread unless a stream_scope is active).
  static cudaStream_t stream() noexcept { return detail::current_stream_slot(); }

  // Waits until everything queued on the current stream has run.
  static void synchronize() {
    detail::cuda_check(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
  }

  // Makes `s` the calling thread's current stream for the scope's lifetime; nests. Tensors
  // allocated inside are freed stream-ordered on the stream current when they are destroyed,
  // so destroy them inside the scope, or synchronise first.
  class stream_scope {
   public:
    explicit stream_scope(cudaStream_t s) noexcept : previous_(detail::current_stream_slot()) {
      detail::current_stream_slot() = s;
    }
    ~stream_scope() { detail::current_stream_slot() = previous_; }
    stream_scope(const stream_scope&) = delete;
    stream_scope& operator=(const stream_scope&) = delete;

   private:
    cudaStream_t previous_;
  };
};

static_assert(detail::BackendPolicy<cuda>, "ek::cuda must provide every op of backend/common/");

}  // namespace embedkit
