// embedkit_vectors: look into pretrained word vectors from the command line.
//
//   embedkit_vectors info <file>
//   embedkit_vectors neighbors <file> <word> [k]          nearest words by cosine (default k 10)
//   embedkit_vectors analogy <file> <a> <b> <c> [k]       a is to b as c is to ?  (b - a + c)
//   embedkit_vectors convert <in> <out> --to word2vec-bin|word2vec-text
//
// The format is detected (fastText .bin by its magic number, word2vec text or binary by the
// "<rows> <dim>" header, GloVe otherwise) or given with --format word2vec|glove|fasttext.
// Loads of big files show a progress bar on stderr when it is a terminal (--progress forces
// it, --no-progress hides it).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include <embedkit/io/fasttext.hpp>
#include <embedkit/io/glove.hpp>
#include <embedkit/io/table_format.hpp>
#include <embedkit/io/word2vec.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

int usage() {
  std::cerr << "usage:\n"
               "  embedkit_vectors info <file>\n"
               "  embedkit_vectors neighbors <file> <word> [k]\n"
               "  embedkit_vectors analogy <file> <a> <b> <c> [k]   (a is to b as c is to ?)\n"
               "  embedkit_vectors convert <in> <out> --to word2vec-bin|word2vec-text\n"
               "options: --format word2vec|glove|fasttext   --progress / --no-progress\n";
  return 2;
}

// The format from the file's first bytes (ek::io::detect_table_format): fastText's magic
// number, a "<rows> <dim>" header (word2vec, or a fastText .vec, which is word2vec text), or
// else GloVe.
std::string detect_format(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(256, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  switch (ek::io::detect_table_format(head)) {
    case ek::io::TableFormat::fasttext: return "fasttext";
    case ek::io::TableFormat::word2vec: return "word2vec";
    case ek::io::TableFormat::glove: break;
  }
  return "glove";
}

// "\r[#########           ]  45%  120/266 MB" on stderr, redrawn when the percentage moves.
struct ProgressBar {
  int last = -1;
  void operator()(std::uint64_t done, std::uint64_t total) {
    const int pct = total ? static_cast<int>(done * 100 / total) : 100;
    if (pct == last) return;
    last = pct;
    const int width = 30, filled = pct * width / 100;
    std::fprintf(stderr, "\r[%s%s] %3d%%  %llu/%llu MB", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), pct,
                 static_cast<unsigned long long>(done >> 20), static_cast<unsigned long long>(total >> 20));
    if (done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  }
};

struct Loaded {
  ek::KeyedVectors kv;
  std::string format;
  double seconds = 0;
};

Loaded load(const fs::path& path, std::string format, int progress_flag) {
  if (format.empty()) format = detect_format(path);
  std::error_code ec;  // an unreadable file is reported by the loader
  const auto size = fs::file_size(path, ec);
  const bool show = progress_flag > 0 || (progress_flag == 0 && isatty(2) && size >= (16u << 20));
  ek::io::Progress progress;
  if (show) progress = ProgressBar{};
  const auto t0 = std::chrono::steady_clock::now();
  Loaded out;
  out.format = format;
  if (format == "word2vec") {
    out.kv = ek::io::load_word2vec(path, {.progress = progress});
  } else if (format == "glove") {
    out.kv = ek::io::load_glove(path, {.progress = progress});
  } else if (format == "fasttext") {
    out.kv = ek::io::load_fasttext(path, {.progress = progress});
  } else {
    throw std::invalid_argument("unknown --format '" + format + "' (word2vec, glove, fasttext)");
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void print_ranking(const std::vector<std::pair<std::string, float>>& top) {
  for (const auto& [word, score] : top) std::printf("%-24s %.6f\n", word.c_str(), score);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  std::string format, to;
  int progress = 0;  // 0: when stderr is a terminal
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--format" || a == "--to") && i + 1 < argc) {
      (a == "--format" ? format : to) = argv[++i];
    } else if (a == "--progress" || a == "--no-progress") {
      progress = a == "--progress" ? 1 : -1;
    } else if (a.rfind("--", 0) == 0) {
      return usage();
    } else {
      args.push_back(a);
    }
  }
  if (args.size() < 2) return usage();
  const std::string& cmd = args[0];
  try {
    if (cmd == "info" && args.size() == 2) {
      const auto l = load(args[1], format, progress);
      std::error_code ec;
      const double mb = static_cast<double>(fs::file_size(args[1], ec)) / 1e6;
      std::printf("format   %s%s\nwords    %lld\ndim      %lld\nloaded   %.3f s (%.1f MB/s)\n",
                  l.format.c_str(), l.kv.has_subwords() ? " (with subword n-grams)" : "",
                  static_cast<long long>(l.kv.size()), static_cast<long long>(l.kv.dim()),
                  l.seconds, mb / l.seconds);
      std::printf("first    ");
      for (std::int64_t i = 0; i < std::min<std::int64_t>(8, l.kv.size()); ++i) {
        std::printf("%s ", l.kv.vocabulary().token(i).c_str());
      }
      std::printf("\n");
      return 0;
    }
    if (cmd == "neighbors" && (args.size() == 3 || args.size() == 4)) {
      const auto l = load(args[1], format, progress);
      print_ranking(l.kv.most_similar(args[2], args.size() == 4 ? std::stoll(args[3]) : 10));
      return 0;
    }
    if (cmd == "analogy" && (args.size() == 5 || args.size() == 6)) {
      const auto l = load(args[1], format, progress);
      // a : b :: c : ?  ->  b - a + c (gensim's most_similar(positive=[b, c], negative=[a]))
      print_ranking(l.kv.most_similar({args[3], args[4]}, {args[2]},
                                      args.size() == 6 ? std::stoll(args[5]) : 10));
      return 0;
    }
    if (cmd == "convert" && args.size() == 3) {
      if (to != "word2vec-bin" && to != "word2vec-text") return usage();
      const auto l = load(args[1], format, progress);
      ek::io::save_word2vec(args[2], l.kv, to == "word2vec-bin");
      std::printf("wrote %lld x %lld to %s (%s)\n", static_cast<long long>(l.kv.size()),
                  static_cast<long long>(l.kv.dim()), args[2].c_str(), to.c_str());
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embedkit_vectors: %s\n", e.what());
    return 1;
  }
  return usage();
}
