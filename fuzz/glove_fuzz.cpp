// libFuzzer target: GloVe parsing from memory, with and without words containing spaces, then a
// similarity query on whatever loaded. Anything but an ek::error escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <embedkit/io/glove.hpp>

namespace ek = embedkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (bool spaces : {false, true}) {
    ek::io::GloveOptions options;
    options.words_with_spaces = spaces;
    try {
      const auto kv = ek::io::glove_from_bytes(bytes, options);
      if (kv.size() > 0) (void)kv.most_similar(kv.vocabulary().token(0), 3);
    } catch (const ek::error&) {
    }
  }
  return 0;
}
