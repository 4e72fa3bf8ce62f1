// Reading a BERT tokenizer's files from a model folder (BertTokenizer::load), the way
// transformers' BertTokenizerFast reads them:
//
//   vocab.txt                 required; one token per line, the id is the line index (a '\r'
//                             before '\n' is dropped, the last newline is optional; an empty
//                             line or a repeated token is an error naming the line).
//   tokenizer_config.json     do_lower_case, strip_accents, tokenize_chinese_chars, the
//                             special tokens (unk/cls/sep/pad/mask_token, a string or an
//                             {"content": ...} object), additional_special_tokens,
//                             model_max_length (the default max_length; values beyond int64,
//                             such as transformers' 1e30 for "no limit", mean no limit).
//   special_tokens_map.json   the special tokens again; wins over tokenizer_config.json.
//   tokenizer.json            wins over both: normalizer (must be a BertNormalizer: clean_text,
//                             handle_chinese_chars, strip_accents, lowercase), pre_tokenizer
//                             (BertPreTokenizer), model (WordPiece: unk_token,
//                             continuing_subword_prefix, max_input_chars_per_word, and a vocab
//                             that must agree with vocab.txt), post_processor (BertProcessing,
//                             or TemplateProcessing of the form [CLS] $A [SEP], which names
//                             cls and sep), added_tokens (the special tokens matched in raw
//                             text: each must be in vocab.txt with the same id, and be
//                             normalized=false without lstrip / rstrip / single_word, which
//                             this tokenizer does not implement).
//
// Its "truncation" and "padding" blocks are not read: sentence-transformers passes its own
// max_seq_length (BertTokenizer::set_max_length). Errors: ek::io_error for a file that cannot
// be read, ek::format_error for malformed JSON or vocab.txt, ek::value_error for a field with
// a wrong type or value; each message starts with the file's path and names the field.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "embedkit/core/error.hpp"
#include "embedkit/json/cursor.hpp"
#include "embedkit/json/parser.hpp"
#include "embedkit/json/value.hpp"
#include "embedkit/text/bert_config.hpp"
#include "embedkit/text/vocabulary.hpp"

namespace embedkit::detail {

struct BertFolder {
  Vocabulary vocab;
  BertTokenizerConfig config;
};

inline std::string read_text_file(const std::filesystem::path& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    raise<io_error>("cannot open '" + path.string() +
                    "': " + (err ? std::strerror(err) : "stream error"));
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) raise<io_error>("cannot read '" + path.string() + "'");
  return data;
}

// vocab.txt: ids are line indices. Same line rules as io/'s Vocabulary::load_lines.
inline Vocabulary parse_vocab_txt(std::string_view text, const std::string& where) {
  std::vector<std::string> tokens;
  std::unordered_map<std::string_view, std::int64_t> seen;
  std::size_t pos = 0;
  std::int64_t line = 1;
  while (pos < text.size()) {
    if (text.find_first_not_of("\r\n", pos) == std::string_view::npos) break;  // trailing blanks
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view token = text.substr(pos, end - pos);
    if (!token.empty() && token.back() == '\r') token.remove_suffix(1);
    if (token.empty() || token.back() == '\r') {
      raise<format_error>(where + ": line " + std::to_string(line) +
                              (token.empty() ? " is empty (one token per line; an empty line "
                                               "would shift every later id)"
                                             : " ends in two '\\r'"),
                          static_cast<std::int64_t>(pos), line, 1);
    }
    if (auto [it, fresh] = seen.emplace(token, line); !fresh) {
      raise<format_error>(where + ": line " + std::to_string(line) + ": token '" +
                              std::string(token) + "' repeats line " + std::to_string(it->second),
                          static_cast<std::int64_t>(pos), line, 1);
    }
    tokens.emplace_back(token);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++line;
  }
  return Vocabulary(std::move(tokens));
}

// Runs f(), turning the errors it raises into ones that start with `where` (a file's path).
template <class F>
decltype(auto) in_file(const std::string& where, F&& f) {
  try {
    return f();
  } catch (const format_error& e) {
    raise<format_error>(where + ": " + e.what(), e.byte_offset(), e.line(), e.column());
  } catch (const io_error&) {
    throw;
  } catch (const error& e) {
    raise<value_error>(where + ": " + e.what());
  }
}

// A special token's text: a string, or an AddedToken object {"content": ...}; null: unset.
inline std::optional<std::string> token_text(const json::Cursor& c) {
  if (c.value().is_null()) return std::nullopt;
  if (c.value().is_object()) return c.at("content").as_string();
  return c.as_string();
}

inline void read_special_token_fields(const json::Cursor& root, BertTokenizerConfig& cfg,
                                      std::vector<std::string>& additional) {
  std::pair<const char*, std::string*> fields[] = {{"unk_token", &cfg.unk_token},
                                                   {"cls_token", &cfg.cls_token},
                                                   {"sep_token", &cfg.sep_token},
                                                   {"pad_token", &cfg.pad_token},
                                                   {"mask_token", &cfg.mask_token}};
  for (auto& [name, dst] : fields) {
    if (auto c = root.find(name)) {
      if (auto t = token_text(*c)) *dst = *t;
    }
  }
  if (auto c = root.find("additional_special_tokens"); c && !c->value().is_null()) {
    additional.clear();
    for (std::size_t i = 0; i < c->size(); ++i) {
      if (auto t = token_text(c->at(i))) additional.push_back(*t);
    }
  }
}

inline std::optional<json::Value> read_json_if_present(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const std::string text = read_text_file(path);
  return in_file(path.string(), [&] { return json::parse(text); });
}

inline void read_tokenizer_config(const json::Value& doc, BertTokenizerConfig& cfg,
                                  std::vector<std::string>& additional) {
  const json::Cursor root(doc);
  if (auto c = root.find("do_lower_case"); c && !c->value().is_null()) cfg.lowercase = c->as_bool();
  if (auto c = root.find("strip_accents")) {
    cfg.strip_accents = c->value().is_null() ? std::nullopt : std::optional<bool>(c->as_bool());
  }
  if (auto c = root.find("tokenize_chinese_chars"); c && !c->value().is_null()) {
    cfg.handle_chinese_chars = c->as_bool();
  }
  if (auto c = root.find("model_max_length"); c && !c->value().is_null()) {
    const double v = c->as_double();  // an integer, or 1e30 for "no limit"
    if (c->value().is_integer() && c->value().kind() == json::Kind::int64) {
      cfg.max_length = c->as_int64();
    } else if (v >= 9.2e18) {
      cfg.max_length = std::numeric_limits<std::int64_t>::max();
    } else if (v == std::floor(v)) {
      cfg.max_length = static_cast<std::int64_t>(v);
    } else {
      raise<value_error>("json: " + c->path() + ": expected an integer, found " +
                         std::to_string(v));
    }
    if (cfg.max_length < 2) {
      raise<value_error>("json: " + c->path() + ": " + std::to_string(cfg.max_length) +
                         " leaves no room for [CLS] and [SEP] (at least 2)");
    }
  }
  read_special_token_fields(root, cfg, additional);
}

inline void expect_type(const json::Cursor& parent, const char* member, const char* type) {
  const auto c = parent.find(member);
  if (!c || c->value().is_null()) {
    raise<value_error>("json: " + parent.path() + "." + member + ": expected a " + type +
                       " (this tokenizer implements only BERT's pipeline), found nothing");
  }
  const std::string& t = c->at("type").as_string();
  if (t != type) {
    raise<value_error>("json: " + c->path() + ".type: expected \"" + type +
                       "\" (this tokenizer implements only BERT's pipeline), found \"" + t + "\"");
  }
}

inline void read_tokenizer_json(const json::Value& doc, const Vocabulary& vocab,
                                BertTokenizerConfig& cfg) {
  const json::Cursor root(doc);
  expect_type(root, "normalizer", "BertNormalizer");
  const json::Cursor norm = root.at("normalizer");
  if (auto c = norm.find("clean_text")) cfg.clean_text = c->as_bool();
  if (auto c = norm.find("handle_chinese_chars")) cfg.handle_chinese_chars = c->as_bool();
  if (auto c = norm.find("lowercase")) cfg.lowercase = c->as_bool();
  if (auto c = norm.find("strip_accents")) {
    cfg.strip_accents = c->value().is_null() ? std::nullopt : std::optional<bool>(c->as_bool());
  } else {
    cfg.strip_accents.reset();
  }
  expect_type(root, "pre_tokenizer", "BertPreTokenizer");
  expect_type(root, "model", "WordPiece");
  const json::Cursor model = root.at("model");
  if (auto c = model.find("unk_token")) cfg.unk_token = c->as_string();
  if (auto c = model.find("continuing_subword_prefix")) {
    cfg.continuing_subword_prefix = c->as_string();
  }
  if (auto c = model.find("max_input_chars_per_word")) {
    cfg.max_input_chars_per_word = c->as_int64();
    if (cfg.max_input_chars_per_word < 0) {
      raise<value_error>("json: " + c->path() + ": must be >= 0, found " +
                         std::to_string(cfg.max_input_chars_per_word));
    }
  }
  if (auto c = model.find("vocab"); c && !c->value().is_null()) {
    if (static_cast<std::int64_t>(c->size()) != vocab.size()) {
      raise<value_error>("json: " + c->path() + ": holds " + std::to_string(c->size()) +
                         " tokens, vocab.txt " + std::to_string(vocab.size()));
    }
    for (const auto& member : c->as_object()) {
      const std::string& token = member.first;
      const std::int64_t want = c->at(token).as_int64();
      const std::optional<std::int64_t> have = vocab.find(token);
      if (!have || *have != want) {
        raise<value_error>("json: " + c->path() + ": token \"" + token + "\" has id " +
                           std::to_string(want) + ", vocab.txt " +
                           (have ? "gives it id " + std::to_string(*have) : "lacks it"));
      }
    }
  }
  if (auto c = root.find("post_processor"); c && !c->value().is_null()) {
    const std::string& type = c->at("type").as_string();
    if (type == "BertProcessing") {
      cfg.cls_token = c->at("cls").at(0).as_string();
      cfg.sep_token = c->at("sep").at(0).as_string();
    } else if (type == "TemplateProcessing") {
      const json::Cursor single = c->at("single");
      const bool shaped = single.size() == 3 && single.at(0).find("SpecialToken") &&
                          single.at(1).find("Sequence") && single.at(2).find("SpecialToken") &&
                          single.at(1).at("Sequence").at("id").as_string() == "A";
      if (!shaped) {
        raise<value_error>("json: " + single.path() +
                           ": expected [CLS] $A [SEP] (SpecialToken, Sequence A, SpecialToken)");
      }
      cfg.cls_token = single.at(0).at("SpecialToken").at("id").as_string();
      cfg.sep_token = single.at(2).at("SpecialToken").at("id").as_string();
    } else {
      raise<value_error>("json: " + c->path() +
                         ".type: expected \"BertProcessing\" or \"TemplateProcessing\", found \"" +
                         type + "\"");
    }
  }
  std::vector<std::string> specials;
  if (auto c = root.find("added_tokens"); c && !c->value().is_null()) {
    for (std::size_t i = 0; i < c->size(); ++i) {
      const json::Cursor t = c->at(i);
      const std::string& content = t.at("content").as_string();
      for (const char* flag : {"normalized", "lstrip", "rstrip", "single_word"}) {
        if (auto f = t.find(flag); f && f->as_bool()) {
          raise<value_error>("json: " + f->path() + ": added token \"" + content + "\" has " +
                             flag + "=true, which this tokenizer does not implement");
        }
      }
      const std::int64_t id = t.at("id").as_int64();
      const std::optional<std::int64_t> have = vocab.find(content);
      if (!have || *have != id) {
        raise<value_error>("json: " + t.path() + ": added token \"" + content + "\" has id " +
                           std::to_string(id) + ", vocab.txt " +
                           (have ? "gives it id " + std::to_string(*have) : "lacks it"));
      }
      specials.push_back(content);
    }
  }
  cfg.special_tokens = std::move(specials);
}

inline BertFolder read_bert_folder(const std::filesystem::path& folder) {
  BertFolder out;
  const std::filesystem::path vocab_path = folder / "vocab.txt";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(vocab_path, ec)) {
    raise<io_error>("BertTokenizer::load: '" + vocab_path.string() +
                    "' not found (a BERT model folder needs vocab.txt)");
  }
  const std::string vocab_text = read_text_file(vocab_path);
  out.vocab = parse_vocab_txt(vocab_text, vocab_path.string());

  BertTokenizerConfig& cfg = out.config;
  std::vector<std::string> additional;
  const std::filesystem::path tc = folder / "tokenizer_config.json";
  if (auto doc = read_json_if_present(tc)) {
    in_file(tc.string(), [&] { read_tokenizer_config(*doc, cfg, additional); });
  }
  const std::filesystem::path sm = folder / "special_tokens_map.json";
  if (auto doc = read_json_if_present(sm)) {
    in_file(sm.string(), [&] { read_special_token_fields(json::Cursor(*doc), cfg, additional); });
  }
  const std::filesystem::path tj = folder / "tokenizer.json";
  if (auto doc = read_json_if_present(tj)) {
    in_file(tj.string(), [&] { read_tokenizer_json(*doc, out.vocab, cfg); });
  } else {
    std::vector<std::string> specials;
    for (const std::string* t :
         {&cfg.pad_token, &cfg.unk_token, &cfg.cls_token, &cfg.sep_token, &cfg.mask_token}) {
      if (out.vocab.contains(*t)) specials.push_back(*t);
    }
    for (const std::string& t : additional) specials.push_back(t);
    cfg.special_tokens = std::move(specials);
  }
  return out;
}

}  // namespace embedkit::detail
