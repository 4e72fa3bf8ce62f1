// Every optional I/O header of embedkit: the JSON codec, NumPy .npy and safetensors.
// (embedkit/embedkit.hpp includes none of them.)
#pragma once

#include "embedkit/io/json.hpp"
#include "embedkit/io/npy.hpp"
#include "embedkit/io/safetensors.hpp"
