// embedkit-serve's settings: the command line, then SageMaker's environment variables, with
// every value checked before the server starts (a bad value is a message and exit status 2,
// never a server that half works).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace embedkit_serve {

struct Settings {
  std::string model;  // "" : /opt/ml/model when started as `serve` and it holds a model, else the demo
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: any free port (printed on stdout)
  std::int64_t max_batch_tokens = 16384;
  std::int64_t max_client_batch_size = 32;
  std::int64_t max_concurrent_requests = 512;
  std::int64_t batch_wait_ms = 0;
  int threads = 0;
  std::int64_t payload_mb = 6;  // SAGEMAKER_MAX_PAYLOAD_IN_MB
  std::int64_t max_concurrent_transforms = 0;  // SAGEMAKER_MAX_CONCURRENT_TRANSFORMS, 0: threads
  bool sagemaker_serve = false;                // started as `<image> serve`

  std::size_t payload_bytes() const { return static_cast<std::size_t>(payload_mb) * 1024 * 1024; }
};

inline constexpr const char* usage_text =
    "usage: embedkit-serve [serve] [--model DIR] [--host ADDR] [--port N] [--max-batch-tokens N]\n"
    "                      [--max-client-batch-size N] [--max-concurrent-requests N]\n"
    "                      [--batch-wait-ms N] [--threads N]\n"
    "  --model DIR                 an Object2Vec folder (config.json + model.safetensors) or a\n"
    "                              sentence-transformers folder; none: the demo Object2Vec model\n"
    "  --host ADDR                 address to listen on (0.0.0.0)\n"
    "  --port N                    port (8080, or SAGEMAKER_BIND_TO_PORT; 0: any free port)\n"
    "  --max-batch-tokens N        token budget of a dynamic batch (16384)\n"
    "  --max-client-batch-size N   most inputs in one request (32)\n"
    "  --max-concurrent-requests N requests handled at once before 429 (512)\n"
    "  --batch-wait-ms N           how long a batch waits for more requests (0)\n"
    "  --threads N                 HTTP worker threads (max(8, cores))\n"
    "environment: SAGEMAKER_BIND_TO_PORT, SAGEMAKER_MAX_PAYLOAD_IN_MB (6, at most 100),\n"
    "             SAGEMAKER_MAX_CONCURRENT_TRANSFORMS\n";

inline std::int64_t parse_integer(std::string_view what, std::string_view text, std::int64_t lo,
                                  std::int64_t hi) {
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < lo || v > hi) {
    throw std::invalid_argument(std::string(what) + " \"" + std::string(text) +
                                "\" is not an integer in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  }
  return v;
}

// Raises std::invalid_argument with a message for a bad argument or variable.
inline Settings read_settings(int argc, char** argv) {
  Settings s;
  if (const char* p = std::getenv("SAGEMAKER_BIND_TO_PORT"); p && *p)
    s.port = static_cast<int>(parse_integer("SAGEMAKER_BIND_TO_PORT", p, 0, 65535));
  if (const char* p = std::getenv("SAGEMAKER_MAX_PAYLOAD_IN_MB"); p && *p)
    s.payload_mb = parse_integer("SAGEMAKER_MAX_PAYLOAD_IN_MB", p, 1, 100);
  if (const char* p = std::getenv("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"); p && *p)
    s.max_concurrent_transforms = parse_integer("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", p, 1, 1 << 20);
  const unsigned cores = std::thread::hardware_concurrency();
  s.threads = static_cast<int>(std::max(8u, cores));

  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i == 1 && a == "serve") {
      s.sagemaker_serve = true;
      continue;
    }
    if (a == "-h" || a == "--help") throw std::invalid_argument("");
    if (i + 1 >= argc) throw std::invalid_argument("unknown argument or missing value: " + std::string(a));
    const std::string_view v = argv[++i];
    if (a == "--model") s.model = v;
    else if (a == "--host") s.host = v;
    else if (a == "--port") s.port = static_cast<int>(parse_integer(a, v, 0, 65535));
    else if (a == "--max-batch-tokens") s.max_batch_tokens = parse_integer(a, v, 1, 1 << 30);
    else if (a == "--max-client-batch-size") s.max_client_batch_size = parse_integer(a, v, 1, 1 << 20);
    else if (a == "--max-concurrent-requests") s.max_concurrent_requests = parse_integer(a, v, 1, 1 << 20);
    else if (a == "--batch-wait-ms") s.batch_wait_ms = parse_integer(a, v, 0, 60000);
    else if (a == "--threads") s.threads = static_cast<int>(parse_integer(a, v, 1, 4096));
    else throw std::invalid_argument("unknown argument: " + std::string(a));
  }
  if (s.max_concurrent_transforms == 0) s.max_concurrent_transforms = s.threads;
  return s;
}

// What a model folder holds, decided from its files as embedkit-infer decides: modules.json
// (sentence-transformers), or config.json with Object2Vec's enc0_* hyperparameters, or a
// Hugging Face config.json (a BERT model: sentence-transformers' mean-pooling fallback).
enum class ModelKind { object2vec, sentence };

inline ModelKind detect_model(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw std::invalid_argument("--model " + dir.string() + ": not a folder");
  if (fs::exists(dir / "modules.json")) return ModelKind::sentence;
  if (!fs::exists(dir / "config.json")) {
    throw std::invalid_argument("--model " + dir.string() +
                                ": no modules.json (sentence-transformers) or config.json "
                                "(Object2Vec or Hugging Face) in the folder");
  }
  std::string text;
  {
    std::FILE* f = std::fopen((dir / "config.json").c_str(), "rb");
    if (f == nullptr) throw std::invalid_argument((dir / "config.json").string() + ": cannot open");
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  return text.find("\"enc0_max_seq_len\"") != std::string::npos ? ModelKind::object2vec
                                                                : ModelKind::sentence;
}

}  // namespace embedkit_serve
