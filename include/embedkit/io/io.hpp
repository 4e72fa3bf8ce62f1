// Every optional I/O header of embedkit: the JSON codec, NumPy .npy and safetensors.
// (embedkit/embedkit.hpp includes none of them.)
#pragma once

#include "embedkit/io/json.hpp"
#include "embedkit/io/npy.hpp"
#include "embedkit/io/safetensors.hpp"
// Pretrained word vectors: Vocabulary, KeyedVectors, word2vec, GloVe, fastText.
#include "embedkit/io/vocabulary.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/word2vec.hpp"
#include "embedkit/io/glove.hpp"
#include "embedkit/io/fasttext.hpp"
