// How a pair model combines two encodings u and v of one width into one feature vector: a
// core type, shared by the Object2Vec hyperparameters and the pointwise op's descriptor
// (backend/common/pointwise.hpp).
#pragma once

namespace embedkit {

// hadamard: u * v (width D). concat: [u, v] (2D). abs_diff: |u - v| (D).
enum class Comparator { hadamard, concat, abs_diff };

}  // namespace embedkit
