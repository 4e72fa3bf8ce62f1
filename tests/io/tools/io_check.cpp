// Helper for the ctest tests that compare embedkit's pretrained-table I/O with the real tools
// (tests/io/fasttext_cli.sh, tests/io/gensim_readback.sh):
//
//   embedkit_io_check fasttext <model.bin> <model.vec> <printed.txt>
//       loads the .bin and the .vec and checks, to the printed precision (5 significant
//       digits), that word_vector() of every word in <printed.txt> (fastText's
//       print-word-vectors output) and every .vec row equal fastText's
//   embedkit_io_check convert <in> <out> text|binary
//       reads a word2vec file and writes it back with save_word2vec
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <embedkit/io/fasttext.hpp>
#include <embedkit/io/word2vec.hpp>

namespace ek = embedkit;

namespace {

bool close_to_printed(float got, double printed) {
  return std::abs(got - printed) <= 6e-5 * std::abs(printed) + 1e-9;
}

int check_fasttext(const std::string& bin_path, const std::string& vec_path,
                   const std::string& printed_path) {
  const auto bin = ek::io::load_fasttext(bin_path);
  const auto vec = ek::io::load_fasttext(vec_path);
  int bad = 0, words = 0, known = 0;
  std::ifstream in(printed_path);
  for (std::string line; std::getline(in, line); ++words) {
    std::istringstream ss(line);
    std::string word;
    ss >> word;
    const auto v = bin.word_vector(word);
    known += bin.contains(word) ? 1 : 0;
    std::int64_t j = 0;
    for (double x; ss >> x; ++j) {
      if (j >= bin.dim() || !close_to_printed(v[j], x)) {
        if (bad++ < 10) {
          std::cerr << "word '" << word << "' [" << j << "]: embedkit "
                    << (j < bin.dim() ? v[j] : NAN) << ", fastText " << x << "\n";
        }
      }
    }
    if (j != bin.dim()) ++bad;
  }
  if (vec.size() != bin.size() || vec.dim() != bin.dim()) {
    std::cerr << ".vec is " << vec.size() << "x" << vec.dim() << ", .bin " << bin.size() << "x"
              << bin.dim() << "\n";
    return 1;
  }
  for (std::int64_t i = 0; i < vec.size(); ++i) {
    const auto& w = vec.vocabulary().token(i);
    const auto a = vec.row(i), b = bin.vector(w);
    for (std::size_t j = 0; j < a.size(); ++j) {
      if (!close_to_printed(b[j], a[j]) && bad++ < 10) {
        std::cerr << ".vec row '" << w << "' [" << j << "]: .bin " << b[j] << ", .vec " << a[j]
                  << "\n";
      }
    }
  }
  std::cout << "fastText: " << words << " printed words (" << known << " known, "
            << words - known << " unseen) and " << vec.size() << " .vec rows of dim "
            << vec.dim() << ": " << bad << " mismatches\n";
  return bad == 0 && words > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 4 && args[0] == "fasttext") return check_fasttext(args[1], args[2], args[3]);
    if (args.size() == 4 && args[0] == "convert" && (args[3] == "text" || args[3] == "binary")) {
      ek::io::save_word2vec(args[2], ek::io::load_word2vec(args[1]), args[3] == "binary");
      return 0;
    }
  } catch (const ek::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: embedkit_io_check fasttext <bin> <vec> <printed>\n"
               "       embedkit_io_check convert <in> <out> text|binary\n";
  return 2;
}
