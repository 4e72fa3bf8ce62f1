// libFuzzer target: word2vec format detection on valid binary files. The input is turned into
// a binary word2vec file that is valid by construction: a header "<rows> <dim>", then rows of
// a word (any bytes but ' ', not starting with '\n'), a space and dim float32 taken raw from
// the input (any bytes: '\n', ' ', NaN patterns), with or without word2vec.c's newline after
// each vector. Properties:
//   - format=binary reads it;
//   - detection reads it too (a valid binary file is never refused for looking like text), and
//     gives the binary table bit for bit, unless the file is also valid text (every vector
//     spelling dim numbers), in which case it gives the text table.
// A broken property aborts; anything but an ek::error escaping is a bug too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <embedkit/io/word2vec.hpp>

#include "fuzz_input.hpp"

namespace ek = embedkit;

namespace {

using embedkit_fuzz::Input;

bool same(const ek::KeyedVectors& a, const ek::KeyedVectors& b) {
  if (a.size() != b.size() || a.dim() != b.dim()) return false;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    if (a.vocabulary().token(i) != b.vocabulary().token(i)) return false;
  }
  const auto bytes = static_cast<std::size_t>(a.size() * a.dim()) * sizeof(float);
  return bytes == 0 || std::memcmp(a.vectors().data(), b.vectors().data(), bytes) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  const std::uint8_t shape = in.byte();
  const std::int64_t dims[] = {1, 2, 3, 4, 5, 8, 16, 300};
  const std::int64_t dim = dims[shape & 7];
  const std::int64_t rows = 1 + ((shape >> 3) & 3);
  const bool newline = (shape >> 5) & 1;
  std::string file = std::to_string(rows) + " " + std::to_string(dim) + "\n";
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::size_t len = 1 + in.byte() % 6;
    for (std::size_t k = 0; k < len; ++k) {
      char c = static_cast<char>(in.byte());
      if (c == ' ' || (k == 0 && c == '\n')) c = 'w';
      if (c == '\0' && k == 0) c = 'a' + static_cast<char>(r);  // readable words, mostly
      file += c;
    }
    file += ' ';
    for (std::int64_t j = 0; j < dim * 4; ++j) file += static_cast<char>(in.byte());
    if (newline) file += '\n';
  }
  ek::io::Word2VecOptions binary;
  binary.format = ek::io::Word2VecFormat::binary;
  const ek::KeyedVectors want = ek::io::word2vec_from_bytes(file, binary);  // must not throw
  ek::KeyedVectors got;
  try {
    got = ek::io::word2vec_from_bytes(file);
  } catch (const ek::error&) {
    std::abort();  // a valid binary file refused under detection
  }
  if (!same(got, want)) {
    ek::io::Word2VecOptions text;
    text.format = ek::io::Word2VecFormat::text;
    try {
      if (!same(got, ek::io::word2vec_from_bytes(file, text))) std::abort();
    } catch (const ek::error&) {
      std::abort();  // detection gave neither reading
    }
  }
  return 0;
}
