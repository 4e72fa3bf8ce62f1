// Sentence embeddings from a sentence-transformers model folder, as
// SentenceTransformer(path).encode(sentences) gives them.
//
//   embedkit_encode --model DIR [options] [SENTENCE...]
//
// Sentences come from the arguments, or from stdin (one per line) when there are none. Each
// embedding is written as one JSON array per line (JSON Lines), or with --npy FILE as one
// [N, dim] float32 .npy file. --similarity prints the cosine similarity matrix instead.
//
//   --model DIR          the model folder (modules.json, config.json, model.safetensors, ...)
//   --batch-size N       sentences per forward pass (32)
//   --normalize          L2-normalise the embeddings (normalize_embeddings=True)
//   --truncate-dim K     keep the first K values (Matryoshka models)
//   --prompt-name NAME   a prompt of the model's config_sentence_transformers.json
//   --npy FILE           write the embeddings to FILE instead of stdout
//   --similarity         print the N x N cosine similarity matrix
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/encoders/sentence_encoder.hpp>
#include <embedkit/io/npy.hpp>

namespace ek = embedkit;

namespace {

int usage(const char* message) {
  std::fprintf(stderr,
               "embedkit_encode: %s\n"
               "usage: embedkit_encode --model DIR [--batch-size N] [--normalize] "
               "[--truncate-dim K] [--prompt-name NAME] [--npy FILE] [--similarity] "
               "[SENTENCE...]\n",
               message);
  return 2;
}

// The shortest text that reads back as the same float.
std::string shortest(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::int64_t parse_count(std::string_view s, const char* flag) {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 1) {
    throw std::invalid_argument(std::string(flag) + " expects a positive integer, got '" +
                                std::string(s) + "'");
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string model_dir, npy;
    bool similarity = false;
    ek::SentenceEncodeOptions options;
    std::vector<std::string> sentences;
    for (int i = 1; i < argc; ++i) {
      const std::string_view a = argv[i];
      const auto value = [&](const char* flag) -> std::string_view {
        if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " needs a value");
        return argv[++i];
      };
      if (a == "--model") model_dir = value("--model");
      else if (a == "--batch-size") options.batch_size = parse_count(value("--batch-size"), "--batch-size");
      else if (a == "--normalize") options.normalize_embeddings = true;
      else if (a == "--truncate-dim") options.truncate_dim = parse_count(value("--truncate-dim"), "--truncate-dim");
      else if (a == "--prompt-name") options.prompt_name = std::string(value("--prompt-name"));
      else if (a == "--npy") npy = value("--npy");
      else if (a == "--similarity") similarity = true;
      else if (a == "--help" || a == "-h") {
        usage("sentence embeddings from a sentence-transformers model folder");
        return 0;
      }
      else if (a.starts_with("--")) return usage(("unknown option " + std::string(a)).c_str());
      else sentences.emplace_back(a);
    }
    if (model_dir.empty()) return usage("--model DIR is required");
    if (sentences.empty()) {
      for (std::string line; std::getline(std::cin, line);) sentences.push_back(line);
    }

    const ek::SentenceEncoder model = ek::SentenceEncoder::load(model_dir);
    const ek::Tensor<float> e = model.encode(sentences, options);
    const std::int64_t n = e.size(0), dim = e.size(1);

    if (similarity) {
      // cos(a, b) = a . b / (|a| |b|), as sentence_transformers.util.cos_sim.
      std::vector<double> norm(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (std::int64_t j = 0; j < dim; ++j) s += double(e[i * dim + j]) * e[i * dim + j];
        norm[static_cast<std::size_t>(i)] = std::max(std::sqrt(s), 1e-12);
      }
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t k = 0; k < n; ++k) {
          double dot = 0;
          for (std::int64_t j = 0; j < dim; ++j) dot += double(e[i * dim + j]) * e[k * dim + j];
          const double c = dot / (norm[static_cast<std::size_t>(i)] * norm[static_cast<std::size_t>(k)]);
          std::printf("%s%.4f", k ? "\t" : "", c);
        }
        std::printf("\n");
      }
    } else if (!npy.empty()) {
      ek::io::save_npy(npy, e);
      std::fprintf(stderr, "embedkit_encode: wrote %lld x %lld embeddings to %s\n",
                   static_cast<long long>(n), static_cast<long long>(dim), npy.c_str());
    } else {
      std::string line;
      for (std::int64_t i = 0; i < n; ++i) {
        line = "[";
        for (std::int64_t j = 0; j < dim; ++j) {
          if (j) line += ',';
          line += shortest(e[i * dim + j]);
        }
        line += "]\n";
        std::fputs(line.c_str(), stdout);
      }
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "embedkit_encode: %s\n", error.what());
    return 1;
  }
}
