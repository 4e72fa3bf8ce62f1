// The fastText .bin model file (FastText::saveModel, file format version 12; 11 is read the
// same way, as fastText 0.9.2 does), all little-endian:
//
//   int32 magic 793712314, int32 version
//   args:       int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
//               lrUpdateRate; double t
//   dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size;
//               size x (NUL-terminated word, int64 count, int8 type: 0 word, 1 label);
//               max(pruneidx_size, 0) x (int32 bucket, int32 compacted bucket)
//   bool quantized input; input matrix (dense: int64 rows, int64 cols, rows*cols float32)
//   bool quantized output; output matrix (dense unless both flags are set)
//
// Quantized models (.ftz, product-quantized matrices) are refused. Every count is checked
// against the bytes left before anything is allocated, and the matrices' shapes against the
// args and dictionary (rows = nwords + bucket, or nwords + pruneidx_size when pruned).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "embedkit/core/checked.hpp"
#include "embedkit/core/error.hpp"
#include "embedkit/core/host/parallel.hpp"
#include "embedkit/core/tensor.hpp"
#include "embedkit/io/detail/binary/reader.hpp"
#include "embedkit/io/detail/fasttext/subwords.hpp"
#include "embedkit/io/detail/progress.hpp"
#include "embedkit/io/detail/raw_table.hpp"

namespace embedkit::io::detail::fasttext {

inline constexpr std::int32_t kMagic = 793712314;
inline constexpr std::int32_t kVersion = 12;
inline constexpr std::int32_t kModelSupervised = 3;  // fastText's model_name::sup

struct BinModel {
  RawTable words;                          // the word vectors fastText's .vec would hold
  std::shared_ptr<const SubwordTable> subwords;
  std::int32_t version = 0;
  std::int32_t model = 0;                  // 1 cbow, 2 skipgram, 3 supervised
};

inline bool has_magic(std::string_view bytes) noexcept {
  if (bytes.size() < 4) return false;
  std::int32_t m;
  std::memcpy(&m, bytes.data(), 4);
  return byteswap_if_big_endian(m) == kMagic;
}

// Reads a dense matrix header and checks its data is there; returns (rows, cols, data).
struct MatrixBytes {
  std::int64_t rows, cols;
  std::string_view data;
};

inline MatrixBytes read_dense_matrix(ByteReader& r, const char* name) {
  const std::size_t at = r.offset();
  const auto rows = r.read<std::int64_t>(name);
  const auto cols = r.read<std::int64_t>(name);
  if (rows < 0 || cols < 0) {
    r.fail_at(at, std::string(name) + " has a negative shape [" + std::to_string(rows) + ", " +
                      std::to_string(cols) + "]");
  }
  std::int64_t elements = 0, bytes = 0;
  if (!embedkit::detail::mul_fits(rows, cols, elements) ||
      !embedkit::detail::mul_fits(elements, 4, bytes) ||
      static_cast<std::uint64_t>(bytes) > r.remaining()) {
    r.fail_at(at, "truncated: " + std::string(name) + " [" + std::to_string(rows) + ", " +
                      std::to_string(cols) + "] needs more bytes than the " +
                      std::to_string(r.remaining()) + " left");
  }
  return {rows, cols, r.take(static_cast<std::uint64_t>(bytes), name)};
}

inline BinModel parse_bin(std::string_view bytes, ProgressSink& progress) {
  ByteReader r(bytes, "fastText .bin");
  BinModel m;
  if (r.read<std::int32_t>("magic number") != kMagic) {
    r.fail_at(0, "not a fastText model (the magic number is not 793712314)");
  }
  m.version = r.read<std::int32_t>("version");
  if (m.version != 11 && m.version != kVersion) {
    r.fail_at(4, "file format version " + std::to_string(m.version) +
                     " is not supported (11 and 12 are)");
  }

  // args
  const std::size_t args_at = r.offset();
  std::int32_t a[12];
  const char* names[12] = {"dim", "ws", "epoch", "minCount", "neg", "wordNgrams",
                           "loss", "model", "bucket", "minn", "maxn", "lrUpdateRate"};
  for (int i = 0; i < 12; ++i) a[i] = r.read<std::int32_t>(names[i]);
  (void)r.read<double>("t");
  const std::int32_t dim = a[0];
  m.model = a[7];
  SubwordParams sp;
  sp.bucket = a[8];
  sp.minn = a[9];
  sp.maxn = a[10];
  // fastText 0.9.2: supervised models of version 11 have no character n-grams.
  if (m.version == 11 && m.model == kModelSupervised) sp.maxn = 0;
  if (dim <= 0) r.fail_at(args_at, "dim " + std::to_string(dim) + " must be positive");
  // bucket, minn and maxn decide every n-gram's row (hash % bucket): checked here, at the
  // bucket field, by the rules SubwordTable applies (no n-grams without buckets).
  if (const std::string problem = subword_params_problem(sp); !problem.empty()) {
    r.fail_at(args_at + 8 * 4, problem);
  }

  // dictionary
  const std::size_t dict_at = r.offset();
  const auto size = r.read<std::int32_t>("dictionary size");
  const auto nwords = r.read<std::int32_t>("nwords");
  const auto nlabels = r.read<std::int32_t>("nlabels");
  (void)r.read<std::int64_t>("ntokens");
  sp.pruneidx_size = r.read<std::int64_t>("pruneidx_size");
  if (size < 0 || nwords < 0 || nlabels < 0 ||
      static_cast<std::int64_t>(nwords) + nlabels != size) {
    r.fail_at(dict_at, "inconsistent dictionary counts: size " + std::to_string(size) +
                           ", nwords " + std::to_string(nwords) + ", nlabels " +
                           std::to_string(nlabels));
  }
  if (sp.pruneidx_size < -1) {
    r.fail_at(dict_at, "pruneidx_size " + std::to_string(sp.pruneidx_size) + " is invalid");
  }
  // Each entry takes at least 10 bytes (NUL, count, type).
  if (static_cast<std::uint64_t>(size) > r.remaining() / 10) {
    r.fail("truncated: " + std::to_string(size) + " dictionary entries cannot fit in the " +
           std::to_string(r.remaining()) + " bytes left");
  }
  sp.nwords = nwords;
  m.words.words.reserve(static_cast<std::size_t>(nwords));
  for (std::int32_t i = 0; i < size; ++i) {
    const std::size_t entry_at = r.offset();
    const std::string_view word = r.read_cstring("dictionary word");
    (void)r.read<std::int64_t>("word count");
    const auto type = r.read<std::int8_t>("entry type");
    const std::int8_t expected = i < nwords ? 0 : 1;  // fastText keeps words before labels
    if (type != expected) {
      r.fail_at(entry_at, "dictionary entry " + std::to_string(i) + " has type " +
                              std::to_string(type) + ", expected " + std::to_string(expected) +
                              (expected == 0 ? " (word)" : " (label)"));
    }
    if (word.empty()) r.fail_at(entry_at, "dictionary entry " + std::to_string(i) + " is empty");
    if (i < nwords) m.words.words.push_back(word);
  }
  if (sp.pruneidx_size > 0) {
    if (static_cast<std::uint64_t>(sp.pruneidx_size) > r.remaining() / 8) {
      r.fail("truncated: " + std::to_string(sp.pruneidx_size) +
             " pruneidx pairs cannot fit in the " + std::to_string(r.remaining()) +
             " bytes left");
    }
    for (std::int64_t i = 0; i < sp.pruneidx_size; ++i) {
      const std::size_t at = r.offset();
      const auto from = r.read<std::int32_t>("pruneidx key");
      const auto to = r.read<std::int32_t>("pruneidx value");
      if (to < 0 || to >= sp.pruneidx_size || from < 0) {
        r.fail_at(at, "pruneidx pair (" + std::to_string(from) + ", " + std::to_string(to) +
                          ") is out of range [0, " + std::to_string(sp.pruneidx_size) + ")");
      }
      sp.pruneidx[from] = to;
    }
  }

  // input matrix
  const std::size_t quant_at = r.offset();
  if (r.read<std::uint8_t>("quantization flag") != 0) {
    r.fail_at(quant_at,
              "the model is quantized (a .ftz file: its input matrix is product-quantized); "
              "only models with a dense input matrix (.bin) can be read");
  }
  const std::size_t input_at = r.offset();
  const MatrixBytes in = read_dense_matrix(r, "input matrix");
  const std::int64_t expected_rows = sp.input_rows();  // -1 if it overflowed: never matches
  if (in.cols != dim || in.rows != expected_rows) {
    r.fail_at(input_at, "input matrix has shape [" + std::to_string(in.rows) + ", " +
                            std::to_string(in.cols) + "], expected [" +
                            std::to_string(expected_rows) + ", " + std::to_string(dim) +
                            "] (nwords + " +
                            (sp.pruneidx_size >= 0 ? "pruneidx_size" : "bucket") + ", dim)");
  }
  auto input = Tensor<float>::empty({in.rows, in.cols});
  // A [0, dim] or [rows, 0] matrix has no bytes, and memcpy may not be given null pointers.
  if (!in.data.empty()) std::memcpy(input.data(), in.data.data(), in.data.size());
  if constexpr (std::endian::native == std::endian::big) {
    for (std::int64_t i = 0; i < input.numel(); ++i) input[i] = byteswap_if_big_endian(input[i]);
  }

  // output matrix: not needed for word vectors, but a model that lacks it is damaged
  const std::size_t qout_at = r.offset();
  if (r.read<std::uint8_t>("output quantization flag") > 1) {
    r.fail_at(qout_at, "invalid output quantization flag");
  }
  (void)read_dense_matrix(r, "output matrix");
  if (!r.at_end()) {
    r.fail("unexpected " + std::to_string(r.remaining()) + " bytes after the output matrix");
  }
  progress.add(r.offset());
  progress.report();

  auto table = std::make_shared<SubwordTable>(std::move(sp), std::move(input));
  // The word vectors: each word's row averaged with its n-gram rows (fastText's .vec content).
  m.words.vectors = Tensor<float>::empty({nwords, dim});
  float* out = m.words.vectors.data();
  const auto& words = m.words.words;
  embedkit::detail::parallel_for(nwords, 256, [&](std::int64_t b, std::int64_t e) {
    std::vector<std::int64_t> rows;
    for (std::int64_t i = b; i < e; ++i) {
      rows.assign(1, i);
      table->ngram_rows(words[static_cast<std::size_t>(i)], rows);
      table->average(rows, out + i * dim);
    }
  });
  m.subwords = std::move(table);
  return m;
}

}  // namespace embedkit::io::detail::fasttext
