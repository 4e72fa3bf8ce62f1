// embedkit: embeddings for C++. This umbrella header brings in everything that runs on the
// CPU: the tables and the dense layers. It never needs CUDA (embedkit/backend/cuda.hpp, nvcc
// only) nor the optional I/O codecs (embedkit/io/, embedkit/json/); the layers that read
// configs (nn/pooling.hpp) and the encoders (embedkit/encoders/) are included on their own.
// Eigen's dense module arrives with the cpu gemm; embedkit/core/eigen.hpp adds maps of tensors.
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
#include "embedkit/core/activation.hpp"
#include "embedkit/core/quantized.hpp"
#include "embedkit/core/philox.hpp"
#include "embedkit/core/random.hpp"
#include "embedkit/backend/cpu.hpp"
#include "embedkit/nn/init.hpp"
#include "embedkit/nn/parameter.hpp"
#include "embedkit/nn/embedding.hpp"
#include "embedkit/nn/embedding_bag.hpp"
#include "embedkit/nn/linear.hpp"
#include "embedkit/nn/lstm.hpp"
#include "embedkit/nn/conv1d.hpp"
#include "embedkit/nn/layer_norm.hpp"
#include "embedkit/nn/activation.hpp"
#include "embedkit/nn/dropout.hpp"
