// fastText tables: load_fasttext reads a .bin model (detected by its magic number) or a .vec
// file (word2vec text with a header).
//
// From a .bin, the table holds fastText's vector of every word of the dictionary (its own row
// averaged with its character n-gram rows: what `fasttext print-word-vectors` prints and the
// .vec file holds), and word_vector() builds vectors for unseen words from their n-grams, as
// FastText::getWordVector does. Labels of supervised models are not words: they are left out of
// the table, and a label given to word_vector() is an unseen word (fastText aborts on it).
// Quantized models (.ftz) are refused with ek::format_error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "embedkit/io/detail/fasttext/bin.hpp"
#include "embedkit/io/detail/keyed/assemble.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/keyed_vectors.hpp"
#include "embedkit/io/mapped_file.hpp"
#include "embedkit/io/table_options.hpp"
#include "embedkit/io/word2vec.hpp"

namespace embedkit::io {

struct FastTextOptions {
  // A .bin dictionary never repeats a word, so a repeat there means a damaged file; in .vec
  // files gensim keeps the first row.
  Duplicates duplicates = Duplicates::keep_first;
  Progress progress = {};
};

// Parses a fastText .bin or .vec file held in memory.
inline KeyedVectors fasttext_from_bytes(std::string_view bytes,
                                        const FastTextOptions& options = {}) {
  if (!detail::fasttext::has_magic(bytes)) {
    Word2VecOptions w2v;
    w2v.format = Word2VecFormat::text;
    w2v.duplicates = options.duplicates;
    w2v.progress = options.progress;
    return detail::word2vec::load(bytes, w2v, "fastText .vec", "fastText .vec");
  }
  detail::ProgressSink progress(options.progress, bytes.size());
  detail::fasttext::BinModel m = detail::fasttext::parse_bin(bytes, progress);
  KeyedVectors kv = detail::keyed::assemble(
      m.words, options.duplicates, "fastText .bin",
      [&](std::int64_t row) {
        const std::int64_t at = m.words.words[static_cast<std::size_t>(row)].data() - bytes.data();
        return detail::keyed::RowPlace{
            "dictionary entry " + std::to_string(row) + " (byte " + std::to_string(at) + ")", at,
            -1};
      },
      m.subwords);
  progress.finish();
  return kv;
}

// Loads a fastText .bin model or .vec file (memory-mapped).
inline KeyedVectors load_fasttext(const std::filesystem::path& path,
                                  const FastTextOptions& options = {}) {
  const auto file = MappedFile::open(path);
  return fasttext_from_bytes(file.text(), options);
}

}  // namespace embedkit::io
