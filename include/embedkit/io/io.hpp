// Every public header of embedkit/io/ (embedkit/embedkit.hpp includes none of them):
//
//   tensors        npy.hpp (load_npy, save_npy, NpyFile; NpyInfo from npy_info.hpp),
//                  safetensors.hpp (SafeTensors, save_safetensors; TensorInfo from
//                  tensor_info.hpp, TensorRef from tensor_ref.hpp)
//   word vectors   vocabulary.hpp (ek::Vocabulary's file forms; the type is text/vocabulary.hpp),
//                  keyed_vectors.hpp (ek::KeyedVectors), word2vec.hpp, glove.hpp, fasttext.hpp
//                  (the loaders; their options in table_options.hpp), table_format.hpp
//                  (detect_table_format)
//   files          mapped_file.hpp (MappedFile, which every reader maps files with)
//
// and the JSON codec, <embedkit/json/json.hpp>, which the safetensors and vocabulary readers
// are built on.
#pragma once

#include "embedkit/json/json.hpp"
// Tensors: NumPy .npy and safetensors.
#include "embedkit/io/mapped_file.hpp"
#include "embedkit/io/npy_info.hpp"
#include "embedkit/io/npy.hpp"
#include "embedkit/io/tensor_info.hpp"
#include "embedkit/io/tensor_ref.hpp"
#include "embedkit/io/safetensors.hpp"
// Pretrained word vectors: Vocabulary, KeyedVectors, word2vec, GloVe, fastText.
#include "embedkit/io/vocabulary.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/table_options.hpp"
#include "embedkit/io/table_format.hpp"
#include "embedkit/io/word2vec.hpp"
#include "embedkit/io/glove.hpp"
#include "embedkit/io/fasttext.hpp"
