// libFuzzer target: word2vec text and binary parsing from memory (format detected, and forced
// each way), then a similarity query on whatever loaded. Anything but an ek::error escaping, a
// crash or a sanitizer report is a bug. Seeds named regression-* are inputs that once went
// wrong: a binary file whose first float starts with the byte 0x0A (refused under detection)
// and text numbers below the double range (refused). word2vec_detect_fuzz checks that valid
// binary files of random bytes always read under detection.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <embedkit/io/word2vec.hpp>

namespace ek = embedkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (auto format : {ek::io::Word2VecFormat::detect, ek::io::Word2VecFormat::text,
                      ek::io::Word2VecFormat::binary}) {
    ek::io::Word2VecOptions options;
    options.format = format;
    options.duplicates = size % 2 ? ek::io::Duplicates::error : ek::io::Duplicates::keep_first;
    try {
      const auto kv = ek::io::word2vec_from_bytes(bytes, options);
      if (kv.size() > 0) (void)kv.most_similar(kv.vocabulary().token(0), 3);
    } catch (const ek::error&) {
    }
  }
  return 0;
}
