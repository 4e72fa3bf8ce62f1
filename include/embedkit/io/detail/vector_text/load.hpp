// A word-vector text table to a KeyedVectors: the sequence word2vec text, fastText .vec and
// GloVe share once the caller has found where the rows start and how many numbers each holds.
// The rows are parsed (in parallel), the words become a Vocabulary (a repeated word handled as
// the Duplicates policy says, rows named by their line in messages), and the progress callback
// hears of the completion last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "embedkit/io/detail/keyed/assemble.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/detail/raw_table.hpp"
#include "embedkit/io/detail/vector_text/table.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/table_options.hpp"

namespace embedkit::io::detail::vector_text {

// `req.format` names the format in messages (parse errors and repeated words alike).
inline KeyedVectors load_table(const TableRequest& req, Duplicates duplicates,
                               const Progress& callback) {
  ProgressSink progress(callback, req.file.size());
  RawTable raw = parse_table(req, progress);
  KeyedVectors kv = keyed::assemble(raw, duplicates, req.format, [&](std::int64_t row) {
    return keyed::RowPlace{"line " + std::to_string(row + req.first_line),
                           raw.words[static_cast<std::size_t>(row)].data() - req.file.data(),
                           row + req.first_line};
  });
  progress.finish();
  return kv;
}

}  // namespace embedkit::io::detail::vector_text
