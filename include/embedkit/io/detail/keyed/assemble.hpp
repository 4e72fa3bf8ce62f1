// Turns parsed rows into a KeyedVectors: the words become a Vocabulary in row order, and a word
// seen before is handled as the Duplicates policy says (gensim keeps the first row).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/io/detail/raw_table.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/table_options.hpp"

namespace embedkit::io::detail::keyed {

// Where a row is in the file, for a duplicate's message and format_error.
struct RowPlace {
  std::string description;  // "line 12", "row 7 (byte 4096)"
  std::int64_t offset = -1;
  std::int64_t line = -1;
};

// Takes raw.vectors (raw.words stay, for `place`). `place(row)` gives a RowPlace; it is called
// only when a duplicate must be reported.
template <class Place>
KeyedVectors assemble(RawTable& raw, Duplicates policy, const char* format, Place&& place,
                      std::shared_ptr<const KeyedVectors::Subwords> subwords = nullptr) {
  const auto rows = static_cast<std::int64_t>(raw.words.size());
  Vocabulary vocab;
  vocab.reserve(rows);
  std::vector<std::int64_t> kept;  // kept[id] = the row the word with that id came from
  kept.reserve(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::string_view w = raw.words[static_cast<std::size_t>(r)];
    const std::int64_t id = vocab.add(w);
    if (id != static_cast<std::int64_t>(kept.size())) {  // seen before, with that id
      if (policy == Duplicates::error) {
        const RowPlace here = place(r);
        const RowPlace before = place(kept[static_cast<std::size_t>(id)]);
        embedkit::detail::raise<format_error>(std::string(format) + ": " + here.description +
                                                  ": word '" + std::string(w) +
                                                  "' appears again (first at " +
                                                  before.description + ")",
                                              here.offset, here.line, here.line >= 0 ? 1 : -1);
      }
      continue;
    }
    kept.push_back(r);
  }
  Tensor<float> table = std::move(raw.vectors);
  if (vocab.size() != rows) {
    const std::int64_t dim = table.size(1);
    auto compact = Tensor<float>::empty({vocab.size(), dim});
    for (std::size_t i = 0; i < kept.size(); ++i) {
      std::copy_n(table.data() + kept[i] * dim, dim,
                  compact.data() + static_cast<std::int64_t>(i) * dim);
    }
    table = std::move(compact);
  }
  return KeyedVectors(std::move(vocab), std::move(table), std::move(subwords));
}

}  // namespace embedkit::io::detail::keyed
