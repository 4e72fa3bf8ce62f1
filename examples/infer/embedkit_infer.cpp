// embedkit-infer: batch transform, as a SageMaker batch transform job runs it, on a local
// machine. Reads requests from files (or stdin), runs them through a model, writes the responses
// to stdout (or --output).
//
//   embedkit-infer [--model DIR] [--content-type T] [--accept T] [--batch-size N]
//                  [--output FILE] [FILE...]
//
// The model is an Object2Vec folder (config.json with enc0_* hyperparameters and
// model.safetensors, as Object2Vec::save writes it), a sentence-transformers folder (modules.json,
// or a BERT config.json), or Object2Vec's built-in demo model when --model is not given.
//
// Object2Vec: application/json bodies ({"instances": [...]}) are one request each; in
// application/jsonlines every line is a request of its own, and output line N answers input line
// N: a bad line gets {"error": "..."} in its place. Sentence models read text/plain (one text per
// line) or JSON Lines {"text": "..."} and answer {"embedding": [...]} per line. Lines go through
// the model --batch-size at a time, so memory stays bounded however long the input is.
//
// Exit status: 0 when every request succeeded, 1 when any failed (its error is in the output, or
// on stderr for an application/json body), 2 for usage errors.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <embedkit/encoders/object2vec.hpp>
#include <embedkit/encoders/object2vec/inference.hpp>
#include <embedkit/encoders/sentence_encoder.hpp>
#include <embedkit/json/json.hpp>

namespace ek = embedkit;
namespace fs = std::filesystem;
namespace json = embedkit::json;

namespace {

constexpr const char* kProgram = "embedkit-infer";

constexpr const char* kUsage =
    "usage: embedkit-infer [--model DIR] [--content-type T] [--accept T] [--batch-size N]\n"
    "                      [--output FILE] [FILE...]\n"
    "\n"
    "Batch transform: runs the requests in FILEs (or stdin, or '-') through a model and writes\n"
    "the responses to stdout (or FILE).\n"
    "\n"
    "  --model DIR         an Object2Vec folder (config.json + model.safetensors) or a\n"
    "                      sentence-transformers folder; default: the Object2Vec demo model\n"
    "  --content-type T    application/json, application/jsonlines or text/plain, with\n"
    "                      '; infer_max_seqlens=FWD,BCK' for Object2Vec; default: from the file\n"
    "                      name (.json, .jsonl/.jsonlines, .txt), else application/jsonlines\n"
    "                      (Object2Vec) or text/plain (sentence models)\n"
    "  --accept T          application/json or application/jsonlines; default: application/json\n"
    "                      for application/json input, application/jsonlines otherwise\n"
    "  --batch-size N      lines that go through the model together (default 64)\n"
    "  --output FILE       write the responses to FILE instead of stdout\n"
    "\n"
    "Exit status: 0 all requests succeeded, 1 some failed, 2 usage error.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Valid UTF-8 for an error message that quotes input (JSON can only carry UTF-8).
std::string printable(std::string_view s) {
  std::string out;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const auto d = json::detail::decode_utf8(p, end);
    if (d.status == json::detail::utf8_status::ok) {
      out.append(p, static_cast<std::size_t>(d.length));
      p += d.length;
    } else {
      out += '?';
      ++p;
    }
  }
  return out;
}

void append_error_object(std::string& out, std::string_view message) {
  out += "{\"error\":";
  out += json::dump(json::Value(printable(message)));
  out += '}';
}

// Where the responses go.
class Output {
 public:
  explicit Output(const std::string& path) {
    if (path.empty()) return;
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) throw UsageError("cannot open --output " + path + " for writing");
    out_ = file_;
  }
  ~Output() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(const std::string& s) {
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), out_) != s.size()) {
      throw ek::io_error("cannot write the output");
    }
  }
  void finish() {
    if (std::fflush(out_) != 0) throw ek::io_error("cannot write the output");
  }

 private:
  std::FILE* file_ = nullptr;
  std::FILE* out_ = stdout;
};

// A progress line on stderr, only when stderr is a terminal (never in logs or pipes).
class Progress {
 public:
  Progress() : enabled_(::isatty(2) == 1) {}
  void start(const std::string& name, std::uintmax_t total_bytes) {
    name_ = name;
    total_ = total_bytes;
    lines_ = 0;
  }
  void update(std::uintmax_t bytes, std::uint64_t lines) {
    if (!enabled_) return;
    lines_ = lines;
    const int width = 30;
    const double f = total_ > 0 ? std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_)) : 0.0;
    const int filled = static_cast<int>(f * width);
    std::string bar(static_cast<std::size_t>(filled), '=');
    bar.resize(static_cast<std::size_t>(width), ' ');
    if (total_ > 0) {
      std::fprintf(stderr, "\r%s [%s] %3d%% %llu lines", name_.c_str(), bar.c_str(),
                   static_cast<int>(f * 100), static_cast<unsigned long long>(lines_));
    } else {
      std::fprintf(stderr, "\r%s %llu lines", name_.c_str(), static_cast<unsigned long long>(lines_));
    }
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (enabled_ && shown_) std::fprintf(stderr, "\n");
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::string name_;
  std::uintmax_t total_ = 0;
  std::uint64_t lines_ = 0;
};

// One input: a file or stdin, read a line at a time (memory bounded by the longest line).
struct Input {
  std::string name;  // for messages; "stdin" for '-'
  std::istream* in = nullptr;
  std::unique_ptr<std::ifstream> file;
  std::uintmax_t size = 0;  // 0 when unknown

  explicit Input(const std::string& path) {
    if (path == "-") {
      name = "stdin";
      in = &std::cin;
      return;
    }
    name = path;
    file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) throw ek::io_error("cannot open " + path);
    in = file.get();
    std::error_code ec;
    size = fs::file_size(path, ec);
    if (ec) size = 0;
  }
};

using Model = std::variant<ek::Object2Vec, ek::SentenceEncoder>;

// An Object2Vec folder has a config.json holding Object2Vec hyperparameters (enc0_*); anything
// else is read as a sentence-transformers (or Hugging Face BERT) folder.
Model load_model(const std::string& dir) {
  if (dir.empty()) return ek::Object2Vec::demo();
  if (!fs::is_directory(dir)) throw UsageError("--model " + dir + " is not a folder");
  const fs::path config = fs::path(dir) / "config.json";
  if (!fs::exists(fs::path(dir) / "modules.json") && fs::exists(config)) {
    std::ifstream in(config, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const json::Value v = json::parse(text);
    if (v.is_object() && (v.contains("enc0_max_seq_len") || v.contains("enc0_vocab_size"))) {
      return ek::Object2Vec::load(dir);
    }
  }
  return ek::SentenceEncoder::load(dir);
}

// The media type a file name suggests, if any.
std::optional<ek::MediaType> media_type_of_name(const std::string& name) {
  const std::string ext = fs::path(name).extension().string();
  if (ext == ".json") return ek::MediaType::json;
  if (ext == ".jsonl" || ext == ".jsonlines" || ext == ".ndjson") return ek::MediaType::jsonlines;
  if (ext == ".txt") return ek::MediaType::text;
  return std::nullopt;
}

struct Settings {
  std::optional<ek::ContentType> content_type;  // --content-type, when given
  std::optional<ek::MediaType> accept;          // --accept, when given
  std::size_t batch_size = 64;
};

// One input line's answer: a prediction's JSON text, an error message, or nothing (blank line).
struct Slot {
  enum class State { blank, pending, done, failed } state = State::blank;
  std::string text;  // the prediction's JSON, or the error message
};

// Streams a JSON Lines (or text) input through the model, --batch-size lines at a time.
class LineRunner {
 public:
  LineRunner(const Model& model, const Settings& settings, ek::MediaType in, ek::MediaType out,
             const std::optional<std::array<std::int64_t, 2>>& max_seqlens, Output& output)
      : model_(model), settings_(settings), in_(in), out_(out), max_seqlens_(max_seqlens),
        output_(output) {}

  // Returns true when every line succeeded.
  bool run(Input& input, Progress& progress) {
    progress.start(input.name, input.size);
    if (out_ == ek::MediaType::json) output_.write("{\"predictions\":[");
    std::string line;
    std::int64_t line_no = 0;
    std::uintmax_t offset = 0;
    while (std::getline(*input.in, line)) {
      ++line_no;
      add(line, line_no, static_cast<std::int64_t>(offset));
      offset += line.size() + 1;
      if (slots_.size() >= settings_.batch_size) {
        flush();
        progress.update(offset, static_cast<std::uint64_t>(line_no));
      }
    }
    if (input.in->bad()) throw ek::io_error("cannot read " + input.name);
    flush();
    progress.update(offset, static_cast<std::uint64_t>(line_no));
    progress.done();
    if (out_ == ek::MediaType::json) output_.write("]}\n");
    return ok_;
  }

 private:
  void add(std::string_view line, std::int64_t line_no, std::int64_t offset) {
    Slot slot;
    // A blank line (empty, or only spaces, tabs and a '\r') is no request: it is answered by a
    // blank line, so that output line N still answers input line N.
    if (ek::is_blank_line(line)) {
      slots_.push_back(std::move(slot));
      return;
    }
    try {
      if (std::holds_alternative<ek::Object2Vec>(model_)) {
        ek::Object2VecInstance inst = ek::parse_object2vec_line(
            line, static_cast<std::size_t>(line_no - 1), line_no, offset);
        ek::check_object2vec_instance(std::get<ek::Object2Vec>(model_), inst,
                                      static_cast<std::size_t>(line_no - 1), max_seqlens_);
        instances_.push_back(std::move(inst));
      } else {
        texts_.push_back(ek::parse_text_line(line, in_, line_no, offset));
      }
      slot.state = Slot::State::pending;
    } catch (const ek::format_error& e) {
      fail(slot, e.what());
    } catch (const ek::error& e) {
      fail(slot, "line " + std::to_string(line_no) + ": " + e.what());
    }
    slots_.push_back(std::move(slot));
  }

  void fail(Slot& slot, std::string message) {
    slot.state = Slot::State::failed;
    slot.text = std::move(message);
    ok_ = false;
  }

  // Runs the pending lines of the batch and writes every line's answer, in input order.
  void flush() {
    if (slots_.empty()) return;
    std::vector<std::string> answers;
    std::optional<std::string> batch_error;
    try {
      answers = std::holds_alternative<ek::Object2Vec>(model_) ? run_object2vec() : run_sentences();
    } catch (const ek::error& e) {
      batch_error = e.what();
    }
    std::size_t k = 0;
    std::string text;
    for (Slot& slot : slots_) {
      if (slot.state == Slot::State::pending) {
        if (batch_error) {
          fail(slot, *batch_error);
        } else {
          slot.state = Slot::State::done;
          slot.text = std::move(answers[k]);
        }
        ++k;
      }
      const bool json_list = out_ == ek::MediaType::json;
      if (json_list && slot.state == Slot::State::blank) continue;  // nothing to list
      if (json_list && written_++ > 0) text += ',';
      if (slot.state == Slot::State::done) text += slot.text;
      if (slot.state == Slot::State::failed) append_error_object(text, slot.text);
      if (!json_list) text += '\n';
    }
    output_.write(text);
    slots_.clear();
    instances_.clear();
    texts_.clear();
  }

  // Object2Vec lines: each kind (in0 only, in1 only, pairs) runs as one batch; lines of
  // different kinds may share a file, since each line is its own request.
  std::vector<std::string> run_object2vec() {
    const ek::Object2Vec& model = std::get<ek::Object2Vec>(model_);
    std::vector<std::string> answers(instances_.size());
    for (ek::Object2VecTask task : {ek::Object2VecTask::encode_in0, ek::Object2VecTask::encode_in1,
                                    ek::Object2VecTask::predict}) {
      ek::Object2VecRequest group;
      std::vector<std::size_t> where;
      for (std::size_t i = 0; i < instances_.size(); ++i) {
        if (ek::object2vec_task(instances_[i]) != task) continue;
        group.instances.push_back(std::move(instances_[i]));
        where.push_back(i);
      }
      if (group.instances.empty()) continue;
      const ek::Object2VecResponse r = ek::run_object2vec(model, group, max_seqlens_);
      const std::int64_t k = r.values.shape()[1];
      for (std::size_t j = 0; j < where.size(); ++j) {
        ek::write_object2vec_prediction(
            r.kind,
            std::span<const float>(r.values.data() + static_cast<std::int64_t>(j) * k,
                                   static_cast<std::size_t>(k)),
            answers[where[j]]);
      }
    }
    return answers;
  }

  std::vector<std::string> run_sentences() {
    std::vector<std::string> answers(texts_.size());
    if (texts_.empty()) return answers;
    const ek::SentenceEncoder& model = std::get<ek::SentenceEncoder>(model_);
    ek::SentenceEncodeOptions options;
    options.batch_size = static_cast<std::int64_t>(settings_.batch_size);
    const ek::Tensor<float> e = model.encode(texts_, options);
    const std::int64_t k = e.shape()[1];
    for (std::size_t j = 0; j < texts_.size(); ++j) {
      answers[j] = "{\"embedding\":";
      ek::write_json_floats(std::span<const float>(e.data() + static_cast<std::int64_t>(j) * k,
                                                   static_cast<std::size_t>(k)),
                            answers[j]);
      answers[j] += '}';
    }
    return answers;
  }

  const Model& model_;
  const Settings& settings_;
  ek::MediaType in_, out_;
  std::optional<std::array<std::int64_t, 2>> max_seqlens_;
  Output& output_;
  std::vector<Slot> slots_;
  std::vector<ek::Object2VecInstance> instances_;
  std::vector<std::string> texts_;
  std::size_t written_ = 0;
  bool ok_ = true;
};

// An application/json body: one Object2Vec request, answered as a whole. The model sees it
// --batch-size instances at a time.
bool run_json_body(const ek::Object2Vec& model, Input& input, ek::MediaType out,
                   const std::optional<std::array<std::int64_t, 2>>& max_seqlens,
                   std::size_t batch_size, Output& output) {
  const std::string body{std::istreambuf_iterator<char>(*input.in), std::istreambuf_iterator<char>()};
  if (input.in->bad()) throw ek::io_error("cannot read " + input.name);
  try {
    const ek::Object2VecRequest request = ek::parse_object2vec_request(body, ek::MediaType::json);
    (void)ek::check_object2vec_request(model, request, max_seqlens);
    std::string text;
    if (out == ek::MediaType::json) text += "{\"predictions\":[";
    for (std::size_t start = 0; start < request.instances.size(); start += batch_size) {
      ek::Object2VecRequest part;
      const std::size_t end = std::min(request.instances.size(), start + batch_size);
      part.instances.assign(request.instances.begin() + static_cast<std::ptrdiff_t>(start),
                            request.instances.begin() + static_cast<std::ptrdiff_t>(end));
      const ek::Object2VecResponse r = ek::run_object2vec(model, part, max_seqlens);
      if (out == ek::MediaType::json && start > 0) text += ',';
      std::string piece;
      ek::write_object2vec_response(r, ek::MediaType::jsonlines, piece);
      if (out == ek::MediaType::json) {
        // One prediction per line -> a comma-separated list.
        std::replace(piece.begin(), piece.end(), '\n', ',');
        piece.pop_back();
      }
      text += piece;
    }
    if (out == ek::MediaType::json) text += "]}\n";
    output.write(text);
    return true;
  } catch (const ek::error& e) {
    std::fprintf(stderr, "%s: %s: %s\n", kProgram, input.name.c_str(), e.what());
    return false;
  }
}

std::size_t parse_batch_size(std::string_view s) {
  std::size_t n = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || n < 1 || n > 1000000) {
    throw UsageError("--batch-size " + std::string(s) + ": expected an integer in [1, 1000000]");
  }
  return n;
}

int run(int argc, char** argv) {
  Settings settings;
  std::string model_dir, output_path;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--model") {
      model_dir = value();
    } else if (a == "--content-type") {
      try {
        settings.content_type = ek::parse_content_type(value());
      } catch (const ek::value_error& e) {
        throw UsageError(std::string("--content-type: ") + e.what());
      }
    } else if (a == "--accept") {
      try {
        settings.accept = ek::parse_accept(value());
      } catch (const ek::value_error& e) {
        throw UsageError(std::string("--accept: ") + e.what());
      }
    } else if (a == "--batch-size") {
      settings.batch_size = parse_batch_size(value());
    } else if (a == "--output" || a == "-o") {
      output_path = value();
    } else if (a.size() > 1 && a.front() == '-') {
      throw UsageError("unknown option " + std::string(a));
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) files.emplace_back("-");

  const Model model = load_model(model_dir);
  const bool object2vec = std::holds_alternative<ek::Object2Vec>(model);
  Output output(output_path);
  Progress progress;
  bool ok = true;
  for (const std::string& path : files) {
    Input input(path);
    ek::MediaType in = object2vec ? ek::MediaType::jsonlines : ek::MediaType::text;
    std::optional<std::array<std::int64_t, 2>> max_seqlens;
    if (settings.content_type) {
      in = settings.content_type->type;
      max_seqlens = settings.content_type->infer_max_seqlens;
    } else if (auto t = media_type_of_name(path)) {
      in = *t;
    }
    const ek::MediaType out =
        settings.accept ? *settings.accept
                        : (in == ek::MediaType::json ? ek::MediaType::json : ek::MediaType::jsonlines);
    if (object2vec && in == ek::MediaType::text) {
      throw UsageError(input.name + ": Object2Vec requests are application/json or "
                                    "application/jsonlines, not text/plain");
    }
    if (!object2vec && in == ek::MediaType::json) {
      throw UsageError(input.name + ": sentence models read text/plain (one text per line) or "
                                    "application/jsonlines ({\"text\": \"...\"} per line)");
    }
    if (object2vec && in == ek::MediaType::json) {
      ok = run_json_body(std::get<ek::Object2Vec>(model), input, out, max_seqlens,
                         settings.batch_size, output) && ok;
    } else {
      LineRunner runner(model, settings, in, out, max_seqlens, output);
      ok = runner.run(input, progress) && ok;
    }
  }
  output.finish();
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\n%s", kProgram, e.what(),
                 "run 'embedkit-infer --help' for the options\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return 1;
  }
}
