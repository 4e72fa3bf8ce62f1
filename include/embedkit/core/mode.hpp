// The reduction of an EmbeddingBag. A core type: the layer's options, the bag op's descriptor
// (backend/common/bag.hpp) and messages all speak it.
#pragma once

namespace embedkit {

enum class Mode { sum, mean, max };

}  // namespace embedkit
