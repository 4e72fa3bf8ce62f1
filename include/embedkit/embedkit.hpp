// embedkit: embeddings for C++. This umbrella header brings in everything that runs on the
// CPU. It never needs CUDA (embedkit/backend/cuda.hpp, nvcc only), the optional I/O codecs
// (embedkit/io/, embedkit/json/) nor Eigen's headers (embedkit/core/eigen.hpp, for code that
// maps tensors as Eigen matrices).
#pragma once

#include "embedkit/core/config.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/half.hpp"
#include "embedkit/core/dtype.hpp"
#include "embedkit/core/shape.hpp"
#include "embedkit/core/tensor_view.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/core/transfer.hpp"
#include "embedkit/core/sparse_grad.hpp"
#include "embedkit/core/mode.hpp"
#include "embedkit/core/quantized.hpp"
#include "embedkit/core/philox.hpp"
#include "embedkit/core/random.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/nn/init.hpp"
#include "embedkit/nn/parameter.hpp"
#include "embedkit/nn/embedding.hpp"
#include "embedkit/nn/embedding_bag.hpp"
