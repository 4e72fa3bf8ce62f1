// Pretrained token vectors for an Object2Vec table, as SageMaker's auxiliary channel gives
// them: a vocabulary file (JSON object token -> id) and a GloVe text file ("word v1 ... vE");
// every GloVe word found in the vocabulary sets that id's row. Rows of words without a vector
// keep their drawn values, as in Object2Vec's training.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/io/glove.hpp"
#include "embedkit/io/vocabulary.hpp"
#include "embedkit/text/vocabulary.hpp"

namespace embedkit::detail {

// Copies the vectors of `glove_file` into the rows of `table` ([vocab_size, E], host) that
// `vocab` maps their words to; returns how many rows were set. `encoder` ("enc0") names the
// hyperparameters in errors.
inline std::int64_t apply_pretrained(Tensor<float>& table, const Vocabulary& vocab,
                                     const std::filesystem::path& glove_file,
                                     const std::string& encoder) {
  const KeyedVectors kv = io::load_glove(glove_file);
  const std::int64_t rows = table.shape()[0], dim = table.shape()[1];
  if (kv.size() > 0 && kv.dim() != dim) {
    raise<value_error>(encoder + "_pretrained_embedding_file '" + glove_file.filename().string() +
                       "' holds " + std::to_string(kv.dim()) + "-dimensional vectors; " + encoder +
                       "_token_embedding_dim is " + std::to_string(dim));
  }
  std::int64_t set = 0;
  const Vocabulary& words = kv.vocabulary();
  for (std::int64_t w = 0; w < kv.size(); ++w) {
    const std::optional<std::int64_t> id = vocab.find(words.token(w));
    if (!id) continue;
    if (*id < 0 || *id >= rows) {
      raise<value_error>(encoder + "_vocab_file maps '" + words.token(w) + "' to id " +
                         std::to_string(*id) + ", outside [0, " + std::to_string(rows) + ") (" +
                         encoder + "_vocab_size)");
    }
    const auto v = kv.row(w);
    std::copy(v.begin(), v.end(), table.data() + *id * dim);
    ++set;
  }
  return set;
}

}  // namespace embedkit::detail
