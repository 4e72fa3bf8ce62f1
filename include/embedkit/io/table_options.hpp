// Options shared by the pretrained-table loaders (word2vec, GloVe, fastText).
#pragma once

#include <cstdint>
#include <functional>

namespace embedkit::io {

// What a loader does with a word that occurs a second time in a file. gensim's
// KeyedVectors.load_word2vec_format keeps the first row and drops later ones (with a
// warning); `keep_first` does the same, silently. `error` raises ek::format_error at the
// repeated row instead.
enum class Duplicates { keep_first, error };

// Progress of a load: bytes parsed so far and the total. Called on the thread that called the
// loader (never concurrently), a few hundred times at most per file, and once at the end with
// done == total. It may throw to cancel the load: the loader stops at the next chunk and the
// exception leaves the loader.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

}  // namespace embedkit::io
