// Fuzzes ek::BertTokenizer over a small in-code vocabulary. The first input byte picks the
// settings (lowercase, strip_accents, clean_text, CJK padding, max_length, truncation side,
// special tokens on or off, max_input_chars_per_word); the rest is the text. Any text either
// raises ek::value_error, exactly when it is not valid UTF-8, or gives:
//   - ids that are all vocabulary ids, at most max_length of them, [CLS] first and [SEP] last;
//   - the same ids from encode and encode_with_offsets, and offsets inside the text on
//     character boundaries, in order, each piece non-empty;
//   - right truncation a prefix and left truncation a suffix of the untruncated pieces, which
//     are tokenize()'s pieces; copies of the text joined by spaces give those pieces per copy
//     (past 4 KiB, which exercises the chunked processing of long texts);
//   - (no special token in the text or its normalization) the same pieces for the normalized
//     text as for the text: normalizing twice changes nothing the tokenizer sees;
//   - (no [UNK] and no special token) the pieces, "##" removed from continuations, spelling
//     the normalized text without its whitespace.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <embedkit/text/bert_tokenizer.hpp>
#include <embedkit/text/unicode.hpp>
#include <embedkit/text/utf8.hpp>

namespace ek = embedkit;

namespace {

ek::Vocabulary make_vocab() {
  std::vector<std::string> t = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (char c = 'a'; c <= 'z'; ++c) {
    t.push_back(std::string(1, c));
    t.push_back("##" + std::string(1, c));
    t.push_back(std::string(1, static_cast<char>(c - 'a' + 'A')));
  }
  for (char c = '0'; c <= '9'; ++c) t.push_back(std::string(1, c));
  for (char c : std::string("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")) t.push_back(std::string(1, c));
  // clang-format off
  for (const char* w : {"hello", "world", "the", "un", "##able", "##believ", "##ing", "##ed",
                        "##ll", "##orld", "he", "wor", "##10", "##00", "10", "##é",
                        "é", "ü", "Ü", "σ", "ς", "Σ", "i\xCC\x87", "##\xCC\x87", "\xC4\xB1",
                        "中", "文", "##中", "\xF0\x9F\x99\x82", "\xE1\x84\x80", "##\xE1\x85\xA1",
                        "\xE3\x80\x81", "ß", "ss", "##", "caf"}) {
    t.push_back(w);
  }
  // clang-format on
  return ek::Vocabulary(std::move(t));
}

struct Variant {
  ek::BertTokenizer tok;
  ek::TokenizeOptions opts;
};

Variant make_variant(std::uint8_t b) {
  static const ek::Vocabulary vocab = make_vocab();
  ek::BertTokenizerConfig c;
  c.lowercase = b & 1;
  if (b & 2) c.strip_accents = (b & 4) != 0;
  c.clean_text = !(b & 8);
  c.handle_chinese_chars = !(b & 16);
  static const std::int64_t limits[] = {100, 3, 0, 200};
  c.max_input_chars_per_word = limits[(b >> 5) & 3];
  ek::TokenizeOptions o;
  o.add_special_tokens = !(b & 128);
  static const std::int64_t lengths[] = {2, 5, 512, 9};
  o.max_length = lengths[(b >> 3) & 3] + (o.add_special_tokens ? 0 : -2);
  o.truncation = (b & 64) ? ek::TruncationSide::left : ek::TruncationSide::right;
  return {ek::BertTokenizer(vocab, c), o};
}

bool has_special(std::string_view s) {
  for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    if (s.find(t) != std::string_view::npos) return true;
  }
  return false;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static std::vector<std::unique_ptr<Variant>> variants(256);
  std::unique_ptr<Variant>& slot = variants[data[0]];
  if (!slot) slot = std::make_unique<Variant>(make_variant(data[0]));
  const Variant& v = *slot;
  const ek::BertTokenizer& tok = v.tok;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<std::int64_t> ids;
  try {
    ids = tok.encode(text, v.opts);
  } catch (const ek::value_error&) {
    check(!ek::is_valid_utf8(text));
    return 0;
  }
  check(ek::is_valid_utf8(text));
  const std::int64_t max_length = *v.opts.max_length;
  check(static_cast<std::int64_t>(ids.size()) <= max_length);
  for (std::int64_t id : ids) check(tok.vocabulary().has_id(id));
  if (v.opts.add_special_tokens) {
    check(ids.size() >= 2 && ids.front() == tok.cls_id() && ids.back() == tok.sep_id());
  }

  const ek::Encoding e = tok.encode_with_offsets(text, v.opts);
  check(e.ids == ids && e.offsets.size() == ids.size());
  const std::size_t skip = v.opts.add_special_tokens ? 1 : 0;
  std::size_t last_begin = 0;
  for (std::size_t i = skip; i + skip < e.offsets.size(); ++i) {
    const auto [b, en] = e.offsets[i];
    check(b < en && en <= text.size());
    // In input order, unless NFD reordered combining marks (only with strip_accents).
    check(b >= last_begin || tok.config().resolved_strip_accents());
    check(ek::is_valid_utf8(text.substr(b, en - b)));
    last_begin = b;
  }

  // Untruncated pieces: tokenize(), and encode without specials or a bound.
  const std::vector<std::string> pieces = tok.tokenize(text);
  ek::TokenizeOptions all;
  all.add_special_tokens = false;
  all.max_length = INT64_MAX;
  const std::vector<std::int64_t> full = tok.encode(text, all);
  check(full.size() == pieces.size());
  for (std::size_t i = 0; i < full.size(); ++i) check(tok.vocabulary().token(full[i]) == pieces[i]);
  const std::size_t kept = ids.size() - 2 * skip;
  check(kept ==
        std::min<std::size_t>(full.size(), static_cast<std::size_t>(max_length) - 2 * skip));
  for (std::size_t i = 0; i < kept; ++i) {
    const std::size_t from =
        v.opts.truncation == ek::TruncationSide::right ? i : full.size() - kept + i;
    check(ids[skip + i] == full[from]);
  }

  // Past 4 KiB a segment is tokenized a chunk at a time: copies of the text joined by spaces
  // give the text's pieces once per copy (a space ends any word, and no special token holds
  // one). Checked for one input size in eight, to keep the fuzzer fast.
  if (text.size() % 8 == 0) {
    std::string joined;
    std::size_t copies = 0;
    while (joined.size() <= 4200) {
      joined.append(text);
      joined += ' ';
      ++copies;
    }
    const std::vector<std::string> got = tok.tokenize(joined);
    check(got.size() == copies * pieces.size());
    for (std::size_t i = 0; i < got.size(); ++i) check(got[i] == pieces[i % pieces.size()]);
  }

  const std::string normalized = tok.normalize(text);
  check(ek::is_valid_utf8(normalized));
  if (!has_special(text) && !has_special(normalized)) {
    check(tok.tokenize(normalized) == pieces);
    bool unknown = false;
    std::string spelled;
    for (const std::string& p : pieces) {
      unknown = unknown || p == "[UNK]";
      spelled += p.size() > 2 && p.compare(0, 2, "##") == 0 ? p.substr(2) : p;
    }
    if (!unknown) {
      std::string compact;
      ek::for_each_code_point(normalized, [&](char32_t c, std::size_t off, std::size_t len) {
        if (!ek::is_white_space(c)) compact.append(normalized, off, len);
      });
      check(spelled == compact);
    }
  }
  return 0;
}
