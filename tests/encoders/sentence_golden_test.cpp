// SentenceEncoder against sentence-transformers' numbers: every model folder under
// tests/data/sentence (tiny BERT models in the layout sentence-transformers saves, with the real
// all-MiniLM-L6-v2 tokenizer files) was written by tests/golden/make_sentence_fixtures.py, and its
// expected.txt by tests/golden/bert_reference.py (HF BertModel and SentenceTransformer.encode
// written out in PyTorch). Each folder is loaded as a user would load it and checked on the same
// few dozen sentences (../texts.json): the token ids, encode() with every option the reference
// ran (batch sizes, normalize_embeddings, truncate_dim, hidden_layer, prompts), the quantised
// precisions, and the token embeddings.
//
// Floats: within 1e-5 absolute (the reference's float32 results are within 2.5e-6 of float64).
// Token ids and quantised bytes: exact, except that a quantised value may be one step off where
// the reference's float lies within kEdge of a bucket edge (a sign: within kTolerance of 0),
// since a float within tolerance may fall on either side there.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <embedkit/encoders/sentence_encoder.hpp>
#include <embedkit/json/json.hpp>

#include "support/fixture.hpp"

namespace {

namespace ek = embedkit;
using embedkit_test::Array;
using embedkit_test::Fixture;

// Absolute, on every float the reference wrote.
constexpr double kTolerance = 1e-5;
// A bucket edge moves with the range it is computed from and the value with its own error, each
// by up to kTolerance: a value this close to an edge may be quantised to either neighbour.
constexpr double kEdge = 2 * kTolerance;
// The folders the generator writes: a case that silently left cases.txt would go unnoticed.
constexpr std::size_t kCases = 4;
constexpr std::int64_t kTruncateDim = 5;  // make_sentence_fixtures.py's TRUNCATE_DIM

std::string folder_of(const std::string& name) {
  return embedkit_test::data_path("sentence/" + name);
}

std::vector<std::string> case_names() {
  return embedkit_test::read_lines(embedkit_test::data_path("sentence/cases.txt"));
}

// tests/data/sentence/texts.json: the sentences, the explicit prompt, and per folder the strings
// sentence-transformers gives the tokenizer (default prompt, strip, do_lower_case applied).
struct Texts {
  std::vector<std::string> sentences;
  std::string explicit_prompt;
  std::map<std::string, std::vector<std::string>> tokenized;
};

std::vector<std::string> strings_of(const ek::json::Value& v) {
  std::vector<std::string> out;
  for (const ek::json::Value& s : v.as_array()) out.push_back(s.as_string());
  return out;
}

const Texts& texts() {
  static const Texts t = [] {
    const std::string path = embedkit_test::data_path("sentence/texts.json");
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, path << ": cannot open");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const ek::json::Value doc = ek::json::parse(text);
    Texts out;
    out.sentences = strings_of(doc.at("sentences"));
    out.explicit_prompt = doc.at("explicit_prompt").as_string();
    for (const auto& [name, list] : doc.at("tokenized").as_object())
      out.tokenized[name] = strings_of(list);
    return out;
  }();
  return t;
}

std::span<const std::string> all_sentences() { return texts().sentences; }

// The largest difference over a test case, and where it was.
struct Largest {
  double difference = 0;
  std::string where;
  void note(double d, const std::string& what) {
    if (!(d <= difference)) {  // NaN included
      difference = d;
      where = what;
    }
  }
};

std::vector<std::int64_t> dims_of(const ek::Tensor<float>& t) {
  const auto d = t.shape().dims();
  return {d.begin(), d.end()};
}

// Every element of got within kTolerance of want (same shape); reports the first mismatch with
// its row and column, returns the largest difference.
double check_close(const ek::Tensor<float>& got, const std::vector<std::int64_t>& shape,
                   std::span<const double> want, const std::string& what) {
  INFO(what);
  REQUIRE(dims_of(got) == shape);
  double largest = 0;
  std::int64_t bad = 0;
  const std::size_t cols = shape.size() == 2 ? static_cast<std::size_t>(shape[1]) : 1;
  for (std::size_t k = 0; k < want.size(); ++k) {
    const double g = got.data()[k], w = want[k];
    const double d = std::abs(g - w);
    largest = std::isnan(d) ? INFINITY : std::max(largest, d);
    if (!(d <= kTolerance) && bad++ == 0) {
      MESSAGE(what << "[" << k / cols << ", " << k % cols << "]: got " << g << ", expected " << w);
    }
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << want.size()
                               << " values differ by more than " << kTolerance);
  return largest;
}

double check_close(const ek::Tensor<float>& got, const Array& want, const std::string& what) {
  return check_close(got, want.shape, want.values, what);
}

ek::Tensor<float> tensor_of(const Array& a) {
  auto t = ek::Tensor<float>::empty(ek::Shape(std::span<const std::int64_t>(a.shape)));
  for (std::size_t i = 0; i < a.values.size(); ++i) t.data()[i] = static_cast<float>(a.values[i]);
  return t;
}

// The ids of record `ids` as one list per sentence (lengths in `id_lengths`).
std::vector<std::vector<std::int64_t>> ids_of(const Fixture& fx) {
  const std::vector<std::int64_t> flat = fx.at("ids").as<std::int64_t>();
  std::vector<std::vector<std::int64_t>> out;
  std::size_t at = 0;
  for (const std::int64_t n : fx.at("id_lengths").as<std::int64_t>()) {
    REQUIRE(at + static_cast<std::size_t>(n) <= flat.size());
    out.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(at),
                     flat.begin() + static_cast<std::ptrdiff_t>(at + static_cast<std::size_t>(n)));
    at += static_cast<std::size_t>(n);
  }
  REQUIRE(at == flat.size());
  return out;
}

// What truncation to max_seq_length leaves of a text's ids: the first max - 1, then [SEP].
std::vector<std::int64_t> truncated(const std::vector<std::int64_t>& ids, std::int64_t max) {
  if (static_cast<std::int64_t>(ids.size()) <= max) return ids;
  std::vector<std::int64_t> out(ids.begin(), ids.begin() + (max - 1));
  out.push_back(ids.back());
  return out;
}

std::string show(const std::vector<std::int64_t>& ids) {
  std::ostringstream s;
  for (std::size_t i = 0; i < ids.size(); ++i) s << (i ? " " : "[") << ids[i];
  s << "]";
  return s.str();
}

// ---- quantised values -------------------------------------------------------------------------

// The reference's floats [rows, dim] that a quantised record was computed from, and the ranges
// (row 0 minimum, row 1 maximum of each column) it used.
struct QuantizeInput {
  std::int64_t rows = 0, dim = 0;
  std::vector<double> x;
  std::vector<float> lo, hi;
};

QuantizeInput quantize_input(const Array& floats, const Array* ranges) {
  QuantizeInput in;
  in.rows = floats.shape.at(0);
  in.dim = floats.shape.at(1);
  in.x = floats.values;
  const auto dim = static_cast<std::size_t>(in.dim);
  in.lo.assign(dim, INFINITY);
  in.hi.assign(dim, -INFINITY);
  if (ranges != nullptr) {
    for (std::size_t j = 0; j < dim; ++j) {
      in.lo[j] = static_cast<float>(ranges->values[j]);
      in.hi[j] = static_cast<float>(ranges->values[dim + j]);
    }
    return in;
  }
  for (std::size_t k = 0; k < in.x.size(); ++k) {
    in.lo[k % dim] = std::min(in.lo[k % dim], static_cast<float>(in.x[k]));
    in.hi[k % dim] = std::max(in.hi[k % dim], static_cast<float>(in.x[k]));
  }
  return in;
}

// Whether x lies within kEdge of an edge of the buckets of [lo, hi] (its range split in 255).
bool near_bucket_edge(double x, float lo, float hi) {
  double step = (static_cast<double>(hi) - lo) / 255.0;
  if (step == 0) step = 1;
  const double t = (x - lo) / step;
  return std::abs(t - std::round(t)) * step <= kEdge;
}

// q's bytes against the record `want` (int8 / binary values written as signed integers): exact,
// but for a value one step off at a bucket edge (int8 / uint8), or bits whose float is within
// kTolerance of 0 (binary / ubinary: the edge does not move). Returns the number of such
// tolerated differences.
std::int64_t check_quantized(const ek::QuantizedEmbeddings& q, ek::Precision precision,
                             const Array& want, const QuantizeInput& in, const std::string& what) {
  INFO(what);
  CHECK(q.precision == precision);
  REQUIRE(want.shape.size() == 2);
  REQUIRE(q.rows == want.shape[0]);
  REQUIRE(q.cols == want.shape[1]);
  REQUIRE(q.data.size() == static_cast<std::size_t>(q.rows * q.cols));
  const std::vector<std::int64_t> expected = want.as<std::int64_t>();
  const bool packed = precision == ek::Precision::binary || precision == ek::Precision::ubinary;
  const bool shifted = precision == ek::Precision::int8 || precision == ek::Precision::binary;
  std::int64_t tolerated = 0, bad = 0;
  for (std::int64_t r = 0; r < q.rows; ++r) {
    for (std::int64_t c = 0; c < q.cols; ++c) {
      const auto k = static_cast<std::size_t>(r * q.cols + c);
      const int got = q.data[k];  // the stored byte
      const int exp = static_cast<int>(expected[k] + (shifted ? 128 : 0)) & 0xFF;  // unshifted
      const int got_level = shifted ? (got + 128) & 0xFF : got;
      if (got_level == exp) continue;
      bool ok = true;
      if (packed) {
        for (int bit = 0; bit < 8; ++bit) {
          const std::int64_t j = c * 8 + bit;
          if (((got_level ^ exp) >> (7 - bit) & 1) == 0) continue;
          ok = ok && j < in.dim &&
               std::abs(in.x[static_cast<std::size_t>(r * in.dim + j)]) <= kTolerance;
        }
      } else {
        const auto j = static_cast<std::size_t>(c);
        ok = std::abs(got_level - exp) == 1 &&
             near_bucket_edge(in.x[static_cast<std::size_t>(r * in.dim + c)], in.lo[j], in.hi[j]);
      }
      if (ok) {
        ++tolerated;
      } else if (bad++ == 0) {
        MESSAGE(what << "[" << r << ", " << c << "]: byte " << got << ", expected "
                     << (shifted ? exp ^ 0x80 : exp) << " (the reference wrote " << expected[k]
                     << ")");
      }
    }
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << q.data.size() << " bytes differ");
  return tolerated;
}

ek::Precision precision_of(const std::string& name) {
  const std::optional<ek::Precision> p = ek::precision_from_name(name);
  REQUIRE_MESSAGE(p.has_value(), name);
  return *p;
}

}  // namespace

TEST_CASE("SentenceEncoder loads every golden folder with the reference's sizes") {
  const std::vector<std::string> cases = case_names();
  CHECK(cases.size() == kCases);
  CHECK(texts().sentences.size() >= 30);
  for (const std::string& name : cases) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const auto model = ek::SentenceEncoder::load(folder_of(name));
    CHECK(model.dimension() == fx.at("dimension").ints.at(0));
    CHECK(model.max_seq_length() == fx.at("max_seq_length").ints.at(0));
    CHECK(model.hidden_size() == fx.at("hidden_size").ints.at(0));
  }
}

TEST_CASE("SentenceEncoder tokenizes as sentence-transformers does") {
  // ids: the tokenizer's ids of each text as sentence-transformers hands it over (default prompt
  // prepended, stripped, lowercased with Python's str.lower() under do_lower_case), before
  // truncation; the model sees them cut to max_seq_length.
  for (const std::string& name : case_names()) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const auto model = ek::SentenceEncoder::load(folder_of(name));
    const std::vector<std::vector<std::int64_t>> ids = ids_of(fx);
    const std::vector<std::string>& tokenized = texts().tokenized.at(name);
    const std::vector<std::int64_t> seq_lengths = fx.at("seq_lengths").as<std::int64_t>();
    REQUIRE(ids.size() == texts().sentences.size());
    REQUIRE(tokenized.size() == ids.size());
    const std::int64_t max = model.max_seq_length();
    std::int64_t cut = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(i);
      const std::string& sentence = texts().sentences[i];
      CAPTURE(sentence);
      // What encode() feeds the transformer: prompt, strip, lowercase, truncation.
      const std::vector<std::int64_t> fed = model.input_ids(sentence);
      CHECK_MESSAGE(fed == truncated(ids[i], max),
                    "input_ids " << show(fed) << ", expected " << show(truncated(ids[i], max)));
      CHECK(static_cast<std::int64_t>(fed.size()) == seq_lengths[i]);
      cut += static_cast<std::int64_t>(ids[i].size()) > max;
      // The tokenizer itself on the prepared text; a text longer than the model's limit may
      // come back whole or cut, as the tokenizer's own max_length says.
      const std::vector<std::int64_t> got = model.tokenizer().encode(tokenized[i]);
      if (static_cast<std::int64_t>(ids[i].size()) <= max) {
        CHECK_MESSAGE(got == ids[i],
                      "tokenizer().encode " << show(got) << ", expected " << show(ids[i]));
      } else {
        CHECK_MESSAGE(
            (got == ids[i] || got == truncated(ids[i], static_cast<std::int64_t>(got.size()))),
            "tokenizer().encode " << show(got) << ", expected a prefix of " << show(ids[i]));
      }
      CHECK(model.count_tokens(tokenized[i]) == static_cast<std::int64_t>(ids[i].size()));
    }
    CHECK(cut > 0);  // every folder truncates some sentence
  }
}

TEST_CASE("SentenceEncoder::encode matches sentence-transformers on every golden folder") {
  Largest largest;
  for (const std::string& name : case_names()) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const auto model = ek::SentenceEncoder::load(folder_of(name));
    const std::span<const std::string> s = all_sentences();
    auto check = [&](const std::string& record, const ek::SentenceEncodeOptions& o,
                     const std::string& call) {
      const std::string what = name + " " + call;
      largest.note(check_close(model.encode(s, o), fx.at(record), what), what);
    };
    check("embeddings", {}, "encode(sentences)");
    check("embeddings",
          {.batch_size = 32,
           .normalize_embeddings = false,
           .truncate_dim = std::nullopt,
           .prompt_name = std::nullopt,
           .prompt = std::nullopt,
           .hidden_layer = std::nullopt},
          "encode(sentences, every option at its default)");
    // Batches of 1 and 3 split the length-sorted texts differently; each text's result stays.
    check("embeddings_batch_size_1", {.batch_size = 1}, "encode(..., {.batch_size = 1})");
    check("embeddings_batch_size_3", {.batch_size = 3}, "encode(..., {.batch_size = 3})");
    check("embeddings", {.batch_size = 1}, "encode(..., {.batch_size = 1}) against batch_size 32");
    check("embeddings", {.batch_size = 3}, "encode(..., {.batch_size = 3}) against batch_size 32");
    check("embeddings", {.batch_size = 1000}, "encode(..., {.batch_size = 1000})");
    check("normalized", {.normalize_embeddings = true},
          "encode(..., {.normalize_embeddings = true})");
    check("truncated", {.truncate_dim = kTruncateDim}, "encode(..., {.truncate_dim = 5})");
    check("truncated_normalized", {.normalize_embeddings = true, .truncate_dim = kTruncateDim},
          "encode(..., {.normalize_embeddings = true, .truncate_dim = 5})");
    check("hidden_layer_0", {.hidden_layer = 0}, "encode(..., {.hidden_layer = 0})");
    check("hidden_layer_1", {.hidden_layer = 1}, "encode(..., {.hidden_layer = 1})");
    check("hidden_layer_minus_3", {.hidden_layer = -3}, "encode(..., {.hidden_layer = -3})");
    check("embeddings", {.hidden_layer = -1}, "encode(..., {.hidden_layer = -1})");
    check("embeddings", {.hidden_layer = 2}, "encode(..., {.hidden_layer = 2})");

    // Input order: the sentences reversed give the reversed rows.
    const std::vector<std::string> reversed(s.rbegin(), s.rend());
    const ek::Tensor<float> r = model.encode(reversed, {.batch_size = 7});
    const Array& want = fx.at("embeddings");
    const std::int64_t n = want.shape[0], dim = want.shape[1];
    std::vector<double> flipped;
    for (std::int64_t i = n - 1; i >= 0; --i) {
      flipped.insert(flipped.end(), want.values.begin() + i * dim,
                     want.values.begin() + (i + 1) * dim);
    }
    largest.note(check_close(r, want.shape, flipped, name + " encode(reversed sentences)"),
                 name + " reversed");
  }
  MESSAGE("encode vs sentence-transformers: largest difference "
          << largest.difference << " (tolerance " << kTolerance << "), in " << largest.where);
}

TEST_CASE("SentenceEncoder quantizes as sentence-transformers' quantize_embeddings") {
  std::int64_t tolerated = 0;
  for (const std::string& name : case_names()) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const auto model = ek::SentenceEncoder::load(folder_of(name));
    const std::span<const std::string> s = all_sentences();
    const ek::Tensor<float> e = model.encode(s);
    const ek::Tensor<float> e5 = model.encode(s, {.truncate_dim = kTruncateDim});
    const QuantizeInput own = quantize_input(fx.at("embeddings"), nullptr);
    const QuantizeInput own5 = quantize_input(fx.at("truncated"), nullptr);
    const QuantizeInput given = quantize_input(fx.at("embeddings"), &fx.at("ranges"));
    const ek::Tensor<float> ranges = tensor_of(fx.at("ranges"));

    for (const std::string p : {"int8", "uint8", "binary", "ubinary"}) {
      const ek::Precision precision = precision_of(p);
      // Ranges from the set itself (encode(..., precision=p) in sentence-transformers).
      tolerated += check_quantized(ek::quantize_embeddings(e, precision), precision, fx.at(p), own,
                                   name + " quantize_embeddings(encode(sentences), " + p + ")");
      tolerated +=
          check_quantized(model.encode_quantized(s, {.precision = precision}), precision, fx.at(p),
                          own, name + " encode_quantized(sentences, {.precision = " + p + "})");
      if (p == "int8" || p == "uint8") {
        tolerated += check_quantized(
            ek::quantize_embeddings(e, precision, ranges.cview()), precision, fx.at(p + "_ranges"),
            given, name + " quantize_embeddings(encode(sentences), " + p + ", ranges)");
        tolerated += check_quantized(
            model.encode_quantized(s, {.precision = precision}, ranges.cview()), precision,
            fx.at(p + "_ranges"), given,
            name + " encode_quantized(sentences, {.precision = " + p + "}, ranges)");
      } else {
        // truncate_dim 5: one byte a row, the low three bits zero.
        tolerated += check_quantized(
            ek::quantize_embeddings(e5, precision), precision, fx.at(p + "_truncated"), own5,
            name + " quantize_embeddings(encode(..., {.truncate_dim = 5}), " + p + ")");
        tolerated += check_quantized(
            model.encode_quantized(s, {.truncate_dim = kTruncateDim, .precision = precision}),
            precision, fx.at(p + "_truncated"), own5,
            name + " encode_quantized(sentences, {.truncate_dim = 5, .precision = " + p + "})");
      }
    }
  }
  MESSAGE("quantized bytes one step off at a bucket edge (or a sign at 0): " << tolerated);
}

TEST_CASE("SentenceEncoder::encode_tokens gives sentence-transformers' token embeddings") {
  Largest largest;
  for (const std::string& name : case_names()) {
    CAPTURE(name);
    const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
    const auto model = ek::SentenceEncoder::load(folder_of(name));
    std::vector<std::string> subset;
    for (const std::int64_t i : fx.at("token_sentences").as<std::int64_t>()) {
      subset.push_back(texts().sentences.at(static_cast<std::size_t>(i)));
    }
    const std::vector<std::int64_t> lengths = fx.at("token_lengths").as<std::int64_t>();
    const std::int64_t hidden = fx.at("hidden_size").ints.at(0);
    for (const auto& [record, layer] :
         {std::pair<std::string, std::optional<std::int64_t>>{"token_embeddings", std::nullopt},
          {"token_embeddings_hidden_layer_1", 1}}) {
      const std::vector<ek::Tensor<float>> tokens =
          model.encode_tokens(subset, {.hidden_layer = layer});
      REQUIRE(tokens.size() == subset.size());
      const Array& want = fx.at(record);
      std::size_t at = 0;
      for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string what =
            name + " encode_tokens " + record + " of sentence " + std::to_string(i);
        const std::size_t count = static_cast<std::size_t>(lengths[i] * hidden);
        REQUIRE(at + count <= want.values.size());
        largest.note(check_close(tokens[i], {lengths[i], hidden},
                                 std::span<const double>(want.values).subspan(at, count), what),
                     what);
        at += count;
      }
      CHECK(at == want.values.size());
    }
  }
  MESSAGE("encode_tokens vs sentence-transformers: largest difference " << largest.difference
                                                                        << " in " << largest.where);
}

TEST_CASE("SentenceEncoder applies prompts as sentence-transformers does") {
  // max_bf16_prefixed: prompts {"query": "query: ", "passage": "passage: "}, default "query",
  // include_prompt false (the prompt's tokens leave the pooling mask).
  const std::string name = "max_bf16_prefixed";
  const Fixture fx = Fixture::load(folder_of(name) + "/expected.txt");
  const auto model = ek::SentenceEncoder::load(folder_of(name));
  const std::span<const std::string> s = all_sentences();
  CHECK(model.prompts().size() == 2);
  Largest largest;
  auto check = [&](const std::string& record, const ek::SentenceEncodeOptions& o,
                   const std::string& call) {
    largest.note(check_close(model.encode(s, o), fx.at(record), call), call);
  };
  check("embeddings", {}, "encode(sentences): the default prompt");
  check("embeddings", {.prompt_name = "query"}, "encode(..., {.prompt_name = \"query\"})");
  check("embeddings", {.prompt = "query: "}, "encode(..., {.prompt = \"query: \"})");
  check("prompt_passage", {.prompt_name = "passage"}, "encode(..., {.prompt_name = \"passage\"})");
  check("prompt_explicit", {.prompt = texts().explicit_prompt},
        "encode(..., {.prompt = explicit_prompt})");
  check("prompt_explicit", {.prompt_name = "passage", .prompt = texts().explicit_prompt},
        "encode(..., {.prompt_name = \"passage\", .prompt = explicit_prompt}): the prompt wins");
  // An empty prompt is none: the default prompt is not applied and no token leaves the mask.
  check("prompt_empty", {.prompt = ""}, "encode(..., {.prompt = \"\"})");
  MESSAGE("prompts vs sentence-transformers: largest difference " << largest.difference << " in "
                                                                  << largest.where);
}
