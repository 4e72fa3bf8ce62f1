// libFuzzer target: fastText .bin (and .vec) parsing from memory, then vectors for a known and
// an unseen word built from the model's n-grams. Anything but an ek::error escaping is a bug.
// Seeds: fuzz/corpus/fasttext/tiny_model.bin is a complete .bin of 3 words (dim 2, bucket 4,
// minn 1, maxn 3, 247 bytes) laid out by hand as FastText::saveModel writes it; vec is a .vec;
// regression-*.bin are inputs that once crashed (regression-bucket0-pruned.bin: bucket 0 with
// minn 3, maxn 6 and pruneidx_size 0 divided by zero in the n-gram hash). fasttext_header_fuzz
// varies the header fields of otherwise well-formed models.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <embedkit/io/fasttext.hpp>

namespace ek = embedkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto kv = ek::io::fasttext_from_bytes(bytes);
    if (kv.size() > 0) (void)kv.word_vector(kv.vocabulary().token(0));
    if (kv.has_subwords()) {
      (void)kv.word_vector("unseen\xC3\xA9word");
      (void)kv.most_similar("x\xF0\x9F\x98\x80", 2);
    }
  } catch (const ek::error&) {
  }
  return 0;
}
