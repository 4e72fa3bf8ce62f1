// A test helper for embedkit-infer (not installed): checks its JSON Lines answers for a sentence
// model against SentenceEncoder::encode run directly on the same texts.
//
//   embedkit_infer_check_sentence MODEL_DIR INPUT OUTPUT text|jsonlines
//
// Output line N must answer input line N: a blank line for a blank line, {"error": ...} for a
// line that is not a text of the media type, otherwise {"embedding": [...]} holding exactly the
// floats encode() gives for that text (all texts encoded in one call with embedkit-infer's
// default batch size, as embedkit-infer encodes an input of fewer lines than a batch).
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include <embedkit/encoders/object2vec/inference.hpp>
#include <embedkit/encoders/sentence_encoder.hpp>
#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace json = embedkit::json;

namespace {

std::vector<std::string> read_lines(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ek::io_error(std::string("cannot open ") + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int fail(std::size_t line, const std::string& why) {
  std::fprintf(stderr, "output line %zu: %s\n", line + 1, why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL_DIR INPUT OUTPUT text|jsonlines\n", argv[0]);
    return 2;
  }
  try {
    const ek::MediaType type =
        std::string(argv[4]) == "text" ? ek::MediaType::text : ek::MediaType::jsonlines;
    const std::vector<std::string> input = read_lines(argv[2]);
    const std::vector<std::string> output = read_lines(argv[3]);
    if (input.size() != output.size()) {
      std::fprintf(stderr, "%zu input lines but %zu output lines\n", input.size(), output.size());
      return 1;
    }
    std::vector<std::string> texts;
    std::vector<int> kind(input.size(), 0);  // 0 blank, 1 text, 2 bad line
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (ek::is_blank_line(input[i])) continue;
      try {
        texts.push_back(ek::parse_text_line(input[i], type));
        kind[i] = 1;
      } catch (const ek::error&) {
        kind[i] = 2;
      }
    }
    const ek::SentenceEncoder model = ek::SentenceEncoder::load(argv[1]);
    ek::SentenceEncodeOptions options;
    options.batch_size = 64;  // embedkit-infer's default --batch-size
    const ek::Tensor<float> e = model.encode(texts, options);
    const std::int64_t dim = e.shape()[1];
    std::size_t t = 0;
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (kind[i] == 0) {
        if (!output[i].empty()) return fail(i, "expected a blank line for a blank input line");
        continue;
      }
      const json::Value v = json::parse(output[i]);
      if (kind[i] == 2) {
        if (!v.is_object() || v.size() != 1 || v.find("error") == nullptr || !v.at("error").is_string())
          return fail(i, "expected {\"error\": \"...\"}, found " + output[i]);
        continue;
      }
      const json::Value* emb = v.find("embedding");
      if (emb == nullptr || v.size() != 1 || static_cast<std::int64_t>(emb->size()) != dim)
        return fail(i, "expected {\"embedding\": [" + std::to_string(dim) + " numbers]}");
      for (std::int64_t j = 0; j < dim; ++j) {
        const auto got = static_cast<float>(emb->at(static_cast<std::size_t>(j)).as_double());
        const float want = e[static_cast<std::int64_t>(t) * dim + j];
        if (got != want) {
          return fail(i, "value " + std::to_string(j) + " is " + std::to_string(got) +
                             ", SentenceEncoder::encode gives " + std::to_string(want));
        }
      }
      ++t;
    }
    std::printf("ok: %zu lines, %zu embeddings equal to SentenceEncoder::encode\n", input.size(), t);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embedkit_infer_check_sentence: %s\n", e.what());
    return 1;
  }
}
