// libFuzzer target: fastText .bin header fields. Random bytes rarely get past the size checks of
// a .bin, so this target builds a structurally plausible model from the input and lets the
// input choose what a hostile file would: version, dim, model, bucket, minn, maxn (extremes
// included), the dictionary's words (any bytes, UTF-8 fragments, "</s>"), pruneidx_size and its
// pairs, and whether the input matrix has the rows the args address or some other count. Then
// the model is loaded and vectors are built for known and unseen words. It must load or raise
// an ek::error; a crash (the division by bucket 0 was one), a sanitizer report or any other
// exception is a bug.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/io/fasttext.hpp>

#include "fuzz_input.hpp"

namespace ek = embedkit;

namespace {

struct Input : embedkit_fuzz::Input {
  // A count that is usually small and sometimes an extreme value straight from the input.
  std::int32_t field(std::int32_t small_mod, std::int32_t bias) {
    const std::uint8_t mode = byte();
    if (mode < 200) return bias + static_cast<std::int32_t>(byte() % small_mod);
    if (mode < 230) return raw<std::int32_t>();
    const std::int32_t extremes[] = {0, -1, 1, 2147483647, -2147483647 - 1, 6, 3};
    return extremes[mode % 7];
  }
};

template <class T>
void put(std::string& b, T v) {
  char raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  b.append(raw, sizeof(T));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  const std::uint8_t flags = in.byte();
  const std::int32_t version = flags & 1 ? 11 : 12;
  const std::int32_t model = 1 + (flags >> 1) % 3;
  const std::int32_t dim = in.field(4, 1);
  const std::int32_t bucket = in.field(8, 0);
  const std::int32_t minn = in.field(5, 0);
  const std::int32_t maxn = in.field(8, 0);
  const std::int64_t pruneidx_size = (flags >> 3) & 1 ? -1 : static_cast<std::int64_t>(in.byte() % 4);

  std::vector<std::string> words;
  const std::size_t nwords = 1 + in.byte() % 4;
  for (std::size_t i = 0; i < nwords; ++i) {
    std::string w;
    const std::uint8_t kind = in.byte();
    if (kind % 16 == 0) {
      w = "</s>";
    } else {
      const std::size_t len = 1 + kind % 12;
      for (std::size_t k = 0; k < len; ++k) {
        char c = static_cast<char>(in.byte());
        if (c == '\0') c = static_cast<char>(0xC3);  // a NUL would end the word early
        w += c;
      }
    }
    words.push_back(w);
  }

  std::string b;
  put(b, std::int32_t{793712314});
  put(b, version);
  for (std::int32_t v : {dim, 5, 5, 1, 5, 1, 1, model, bucket, minn, maxn, 100}) put(b, v);
  put(b, 1e-4);
  put(b, static_cast<std::int32_t>(nwords));
  put(b, static_cast<std::int32_t>(nwords));
  put(b, std::int32_t{0});
  put(b, std::int64_t{100});
  put(b, pruneidx_size);
  for (const auto& w : words) {
    b += w;
    b += '\0';
    put(b, std::int64_t{1});
    put(b, std::int8_t{0});
  }
  for (std::int64_t i = 0; i < pruneidx_size; ++i) {
    put(b, static_cast<std::int32_t>(in.byte() % 8));                      // a bucket
    put(b, static_cast<std::int32_t>(in.byte() % (pruneidx_size + 1)));    // sometimes out of range
  }
  // The rows the args address, or (now and then) another count.
  const std::int64_t extra = pruneidx_size >= 0 ? pruneidx_size : bucket;
  std::int64_t rows = static_cast<std::int64_t>(nwords) + (extra > 0 && extra < 64 ? extra : 0);
  if (in.byte() > 240) rows += 1;
  const std::int64_t cols = dim > 0 && dim <= 8 ? dim : 1;
  put(b, std::uint8_t{0});
  put(b, rows);
  put(b, cols);
  for (std::int64_t i = 0; i < rows * cols; ++i) put(b, static_cast<float>(in.byte()) / 16 - 8);
  put(b, std::uint8_t{0});
  put(b, std::int64_t{0});
  put(b, cols);

  try {
    const auto kv = ek::io::fasttext_from_bytes(b);
    for (std::int64_t i = 0; i < kv.size(); ++i) (void)kv.word_vector(kv.vocabulary().token(i));
    (void)kv.word_vector("unseen\xC3\xA9word");
    (void)kv.word_vector(std::string_view(reinterpret_cast<const char*>(data), size).substr(0, 40));
    if (kv.size() > 0) (void)kv.most_similar("x\xF0\x9F\x98\x80", 2);
  } catch (const ek::error&) {
  }
  return 0;
}
