// BertTokenizer against Hugging Face's fast BERT tokenizer rules: the golden cases of
// tests/data/text/bert_tokenizer_cases.json (written by tests/golden/make_tokenizer_fixtures.py
// from the Python reference over the real MiniLM files), offsets worked out by hand, loading
// and its errors, truncation, and concurrent use.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <embedkit/json/json.hpp>
#include <embedkit/text/bert_tokenizer.hpp>

#include "support/files.hpp"

namespace ek = embedkit;
namespace fs = std::filesystem;

namespace {

const fs::path kMiniLM = fs::path(EMBEDKIT_TEST_DATA_DIR) / "text" / "minilm";

const ek::json::Value& cases_doc() {
  static const ek::json::Value doc = [] {
    const fs::path p = fs::path(EMBEDKIT_TEST_DATA_DIR) / "text" / "bert_tokenizer_cases.json";
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot open " << p);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return ek::json::parse(text);
  }();
  return doc;
}

const ek::BertTokenizer& minilm() {
  static const ek::BertTokenizer tok = ek::BertTokenizer::load(kMiniLM);
  return tok;
}

// The MiniLM tokenizer with the fixture's overrides for `config` applied.
ek::BertTokenizer variant(const std::string& config) {
  ek::BertTokenizerConfig cfg = minilm().config();
  const ek::json::Value& over = cases_doc().at("configs").at(config);
  for (const auto& [key, value] : over.as_object()) {
    if (key == "lowercase")
      cfg.lowercase = value.as_bool();
    else if (key == "clean_text")
      cfg.clean_text = value.as_bool();
    else if (key == "handle_chinese_chars")
      cfg.handle_chinese_chars = value.as_bool();
    else if (key == "strip_accents") {
      cfg.strip_accents = value.is_null() ? std::nullopt : std::optional<bool>(value.as_bool());
    } else {
      FAIL("unknown config key " << key);
    }
  }
  return ek::BertTokenizer(minilm().vocabulary(), cfg);
}

std::vector<std::int64_t> int_list(const ek::json::Value& v) {
  std::vector<std::int64_t> out;
  for (const auto& x : v.as_array()) out.push_back(x.as_int64());
  return out;
}

std::vector<std::string> string_list(const ek::json::Value& v) {
  std::vector<std::string> out;
  for (const auto& x : v.as_array()) out.push_back(x.as_string());
  return out;
}

using Offsets = std::vector<std::pair<std::size_t, std::size_t>>;

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A copy of the MiniLM folder in a temporary folder, to be altered by a test.
struct MiniLMCopy {
  embedkit_test::TempDir dir{"embedkit_bert"};
  MiniLMCopy() {
    for (const char* f :
         {"vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
      fs::copy_file(kMiniLM / f, dir.path / f);
    }
  }
  // Replaces the first `from` in `file` by `to` (which must be there).
  void edit(const char* file, const std::string& from, const std::string& to) {
    std::string text = read_file(dir.path / file);
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from << " not in " << file);
    text.replace(at, from.size(), to);
    write_file(dir.path / file, text);
  }
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ek::error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("BertTokenizer::load reads the MiniLM folder's settings") {
  const ek::BertTokenizer& tok = minilm();
  const ek::BertTokenizerConfig& c = tok.config();
  CHECK(tok.vocabulary().size() == 30522);
  CHECK(c.lowercase);
  CHECK_FALSE(c.strip_accents.has_value());
  CHECK(c.resolved_strip_accents());
  CHECK(c.clean_text);
  CHECK(c.handle_chinese_chars);
  CHECK(c.max_length == 512);  // tokenizer_config.json's model_max_length
  CHECK(c.max_input_chars_per_word == 100);
  CHECK(c.continuing_subword_prefix == "##");
  CHECK(tok.cls_id() == 101);
  CHECK(tok.sep_id() == 102);
  CHECK(tok.pad_id() == 0);
  CHECK(tok.unk_id() == 100);
  REQUIRE(c.special_tokens.has_value());
  CHECK(*c.special_tokens ==
        std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"});
}

TEST_CASE("BertTokenizer matches the reference on every golden case") {
  const ek::json::Value& doc = cases_doc();
  std::map<std::string, ek::BertTokenizer> tokenizers;
  for (const auto& [name, over] : doc.at("configs").as_object()) {
    tokenizers.emplace(name, variant(name));
  }
  std::size_t n = 0;
  for (const ek::json::Value& c : doc.at("cases").as_array()) {
    const std::string& name = c.at("name").as_string();
    const std::string& text = c.at("text").as_string();
    CAPTURE(name);
    const ek::BertTokenizer& tok = tokenizers.at(c.at("config").as_string());
    CHECK(tok.normalize(text) == c.at("normalized").as_string());
    CHECK(tok.tokenize(text) == string_list(c.at("tokens")));
    CHECK(tok.encode(text) == int_list(c.at("ids")));
    const ek::Encoding e = tok.encode_with_offsets(text);
    CHECK(e.ids == int_list(c.at("ids")));
    Offsets want;
    for (const auto& o : c.at("offsets").as_array()) {
      want.emplace_back(static_cast<std::size_t>(o.at(0).as_int64()),
                        static_cast<std::size_t>(o.at(1).as_int64()));
    }
    CHECK(e.offsets == want);
    for (const ek::json::Value& t : c.at("truncated").as_array()) {
      ek::TokenizeOptions o;
      o.max_length = t.at("max_length").as_int64();
      o.add_special_tokens = t.at("add_special_tokens").as_bool();
      o.truncation =
          t.at("side").as_string() == "left" ? ek::TruncationSide::left : ek::TruncationSide::right;
      CAPTURE(*o.max_length);
      CAPTURE(t.at("side").as_string());
      CHECK(tok.encode(text, o) == int_list(t.at("ids")));
      CHECK(tok.encode_with_offsets(text, o).ids == int_list(t.at("ids")));
    }
    ++n;
  }
  CHECK(n >= 60);
}

TEST_CASE("Offsets are input bytes, worked out by hand") {
  const ek::BertTokenizer& tok = minilm();
  // "wörld": ö is two bytes, so the word spans bytes 7..13; "!" follows at 13.
  ek::Encoding e = tok.encode_with_offsets("Hello, wörld!");
  CHECK(e.ids == std::vector<std::int64_t>{101, 7592, 1010, 2088, 999, 102});
  CHECK(e.offsets == Offsets{{0, 0}, {0, 5}, {5, 6}, {7, 13}, {13, 14}, {0, 0}});
  // Each CJK ideograph is three bytes and a word of its own.
  e = tok.encode_with_offsets("日本");
  CHECK(e.ids == std::vector<std::int64_t>{101, 1864, 1876, 102});
  CHECK(e.offsets == Offsets{{0, 0}, {0, 3}, {3, 6}, {0, 0}});
  // A special token typed in the text keeps its own bytes; leading spaces are skipped.
  e = tok.encode_with_offsets("  a[SEP]b");
  CHECK(e.ids == std::vector<std::int64_t>{101, 1037, 102, 1038, 102});
  CHECK(e.offsets == Offsets{{0, 0}, {2, 3}, {3, 8}, {8, 9}, {0, 0}});
  // Left truncation keeps the last pieces with their offsets.
  e = tok.encode_with_offsets("a b c d", {.max_length = 4, .truncation = ek::TruncationSide::left});
  CHECK(e.offsets == Offsets{{0, 0}, {4, 5}, {6, 7}, {0, 0}});
}

TEST_CASE("A long text tokenizes as its space-separated parts do") {
  // Long segments are processed a chunk at a time (split after an ASCII space): joining the
  // golden texts with spaces must give their pieces one after the other, offsets shifted.
  for (const std::string config : {"minilm", "cased", "raw"}) {
    CAPTURE(config);
    const ek::BertTokenizer tok = variant(config);
    std::string joined;
    std::vector<std::int64_t> want_ids;
    Offsets want_offsets;
    for (int rep = 0; rep < 6; ++rep) {
      for (const ek::json::Value& c : cases_doc().at("cases").as_array()) {
        if (c.at("config").as_string() != "minilm") continue;
        const std::string& text = c.at("text").as_string();
        const std::size_t base = joined.size();
        const ek::Encoding e =
            tok.encode_with_offsets(text, {.max_length = 0, .add_special_tokens = false});
        CHECK(e.ids.empty());
        const ek::Encoding all =
            tok.encode_with_offsets(text, {.max_length = INT64_MAX, .add_special_tokens = false});
        want_ids.insert(want_ids.end(), all.ids.begin(), all.ids.end());
        for (auto [b, en] : all.offsets) want_offsets.emplace_back(base + b, base + en);
        joined += text;
        joined += ' ';
      }
    }
    REQUIRE(joined.size() > 30000);
    const ek::Encoding got =
        tok.encode_with_offsets(joined, {.max_length = INT64_MAX, .add_special_tokens = false});
    CHECK(got.ids == want_ids);
    CHECK(got.offsets == want_offsets);
    // Right truncation stops early and keeps exactly the prefix.
    const std::vector<std::int64_t> head = tok.encode(joined, {.max_length = 300});
    REQUIRE(head.size() == 300);
    CHECK(std::equal(head.begin() + 1, head.end() - 1, want_ids.begin()));
    const std::vector<std::int64_t> tail =
        tok.encode(joined, {.max_length = 300, .truncation = ek::TruncationSide::left});
    REQUIRE(tail.size() == 300);
    CHECK(std::equal(tail.begin() + 1, tail.end() - 1, want_ids.end() - 298));
  }
}

TEST_CASE("Invalid UTF-8 is a value_error naming the byte offset") {
  const ek::BertTokenizer& tok = minilm();
  const std::pair<std::string, std::string> bad[] = {
      {std::string("ab\xC0\xAF"), "byte 2: overlong"},  // overlong '/'
      {std::string("abc\xED\xA0\x80"), "byte 4: UTF-8 encoded surrogate"},
      {std::string("x\xE2\x82"), "byte 3: truncated"},  // cut short at the end
      {std::string("\xF4\x90\x80\x80"), "byte 1: UTF-8 sequence above U+10FFFF"},
      {std::string("ok \x80"), "byte 3: invalid UTF-8 lead byte"},
      {std::string("[SEP]\xFF[SEP]"), "byte 5"},  // between special tokens
  };
  for (const auto& item : bad) {
    const std::string& text = item.first;  // (not a structured binding: lambdas capture it)
    const std::string& want = item.second;
    CAPTURE(want);
    CHECK_THROWS_AS((void)tok.encode(text), ek::value_error);
    const std::string msg = error_of([&] { (void)tok.encode(text); });
    CHECK(msg.find("invalid UTF-8") != std::string::npos);
    CHECK(msg.find(want) != std::string::npos);
    CHECK(error_of([&] { (void)tok.tokenize(text); }) == msg);
    CHECK(error_of([&] { (void)tok.normalize(text); }).find(want) != std::string::npos);
  }
}

TEST_CASE("Truncation bounds are validated") {
  ek::BertTokenizer tok = minilm();
  CHECK_THROWS_AS((void)tok.encode("a", {.max_length = 1}), ek::value_error);
  CHECK(tok.encode("a b", {.max_length = 2}) == std::vector<std::int64_t>{101, 102});
  CHECK(tok.encode("a b", {.max_length = 0, .add_special_tokens = false}).empty());
  CHECK_THROWS_AS((void)tok.encode("a", {.max_length = -1, .add_special_tokens = false}),
                  ek::value_error);
  CHECK_THROWS_AS(tok.set_max_length(1), ek::value_error);
  tok.set_max_length(4);
  CHECK(tok.encode("a b c d e") == std::vector<std::int64_t>{101, 1037, 1038, 102});
  CHECK(tok.config().max_length == 4);
}

TEST_CASE("The constructor checks the tokens it needs") {
  ek::Vocabulary v({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"});
  ek::BertTokenizer ok(v);  // [MASK] is optional
  CHECK(ok.encode("a [MASK]") == std::vector<std::int64_t>{2, 4, 1, 1, 1, 3});
  ek::BertTokenizerConfig c;
  c.cls_token = "<s>";
  CHECK(error_of([&] { ek::BertTokenizer t(v, c); }).find("cls_token '<s>'") != std::string::npos);
  c = {};
  c.special_tokens = std::vector<std::string>{"<mask>"};
  CHECK(error_of([&] { ek::BertTokenizer t(v, c); }).find("'<mask>'") != std::string::npos);
  c = {};
  c.max_input_chars_per_word = -1;
  CHECK_THROWS_AS(ek::BertTokenizer(v, c), ek::value_error);
}

TEST_CASE("A folder without tokenizer.json tokenizes the same") {
  MiniLMCopy copy;
  fs::remove(copy.dir.path / "tokenizer.json");
  const ek::BertTokenizer tok = ek::BertTokenizer::load(copy.dir.path);
  CHECK(tok.config().lowercase);
  CHECK(tok.config().max_length == 512);
  for (const ek::json::Value& c : cases_doc().at("cases").as_array()) {
    if (c.at("config").as_string() != "minilm") continue;
    CAPTURE(c.at("name").as_string());
    CHECK(tok.encode(c.at("text").as_string()) == int_list(c.at("ids")));
  }
}

TEST_CASE("BertTokenizer::load errors name the file and the field") {
  SUBCASE("missing vocab.txt") {
    MiniLMCopy copy;
    fs::remove(copy.dir.path / "vocab.txt");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("vocab.txt") != std::string::npos);
    CHECK(msg.find("not found") != std::string::npos);
    CHECK_THROWS_AS((void)ek::BertTokenizer::load(copy.dir.path), ek::io_error);
  }
  SUBCASE("a normalizer that is not BERT's") {
    MiniLMCopy copy;
    copy.edit("tokenizer.json", R"("type":"BertNormalizer")", R"("type":"NFC")");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("tokenizer.json") != std::string::npos);
    CHECK(msg.find("$.normalizer.type") != std::string::npos);
    CHECK(msg.find("\"NFC\"") != std::string::npos);
  }
  SUBCASE("a model that is not WordPiece") {
    MiniLMCopy copy;
    copy.edit("tokenizer.json", R"("model":{"type":"WordPiece")", R"("model":{"type":"BPE")");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("tokenizer.json") != std::string::npos);
    CHECK(msg.find("$.model.type") != std::string::npos);
    CHECK(msg.find("\"BPE\"") != std::string::npos);
  }
  SUBCASE("a field of the wrong type") {
    MiniLMCopy copy;
    copy.edit("tokenizer_config.json", R"("do_lower_case": true)", R"("do_lower_case": "yes")");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("tokenizer_config.json") != std::string::npos);
    CHECK(msg.find("$.do_lower_case: expected a boolean") != std::string::npos);
  }
  SUBCASE("an added token normalized after all") {
    MiniLMCopy copy;
    copy.edit("tokenizer.json", R"("normalized":false)", R"("normalized":true)");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("$.added_tokens[0].normalized") != std::string::npos);
  }
  SUBCASE("tokenizer.json's vocabulary disagrees with vocab.txt") {
    MiniLMCopy copy;
    copy.edit("tokenizer.json", R"("[MASK]":103)", R"("[MASK]":104)");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("$.model.vocab") != std::string::npos);
    CHECK(msg.find("\"[MASK]\" has id 104, vocab.txt gives it id 103") != std::string::npos);
  }
  SUBCASE("malformed JSON") {
    MiniLMCopy copy;
    copy.edit("special_tokens_map.json", "{", "{,");
    CHECK_THROWS_AS((void)ek::BertTokenizer::load(copy.dir.path), ek::format_error);
    CHECK(error_of([&] {
            (void)ek::BertTokenizer::load(copy.dir.path);
          }).find("special_tokens_map.json") != std::string::npos);
  }
  SUBCASE("an empty line in vocab.txt") {
    MiniLMCopy copy;
    copy.edit("vocab.txt", "[unused0]\n", "[unused0]\n\n");
    const std::string msg = error_of([&] { (void)ek::BertTokenizer::load(copy.dir.path); });
    CHECK(msg.find("vocab.txt: line 3 is empty") != std::string::npos);
  }
}

TEST_CASE("Several threads encode at once with the same results") {
  const ek::BertTokenizer& tok = minilm();
  std::vector<std::string> texts;
  for (const ek::json::Value& c : cases_doc().at("cases").as_array()) {
    if (c.at("config").as_string() == "minilm") texts.push_back(c.at("text").as_string());
  }
  std::vector<std::vector<std::int64_t>> want;
  for (const auto& t : texts) want.push_back(tok.encode(t));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 20; ++rep) {
        for (std::size_t i = 0; i < texts.size(); ++i) {
          mismatches[static_cast<std::size_t>(k)] += tok.encode(texts[i]) != want[i];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}
