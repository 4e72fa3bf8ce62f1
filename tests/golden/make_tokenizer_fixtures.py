#!/usr/bin/python3
"""Writes tests/data/text/bert_tokenizer_cases.json: texts and what Hugging Face's fast BERT
tokenizer makes of them, computed by tests/golden/bert_tokenizer_reference.py over the real
MiniLM tokenizer files in tests/data/text/minilm/ (copied from
sentence-transformers/all-MiniLM-L6-v2; they are this generator's input, not its output), for
tests/text/bert_tokenizer_test.cpp. Also spot checks of the Unicode tables against Python's
unicodedata.

    /usr/bin/python3 tests/golden/make_tokenizer_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_tokenizer_fixtures.py --check   # compare, write nothing

The JSON document (ASCII; one line per case and per sample):
  configs   name -> settings applied over the MiniLM folder's ("minilm": none; "cased":
            lowercase false, strip_accents unset; "strip_cased": strip_accents true, lowercase
            false; "lower_keep_accents"; "raw": clean_text and handle_chinese_chars off)
  cases     [{name, config, text, normalized, tokens, ids, offsets, truncated: [{max_length,
            side, add_special_tokens, ids}]}]: ids with [CLS]/[SEP] at the config's default
            max_length (512), offsets in UTF-8 bytes of text ([0, 0] for [CLS] and [SEP])
  lower     [{text, lower}]: Python's str.lower() (Final_Sigma included)
  nfd       [{text, nfd}]: unicodedata.normalize("NFD", text)
  unicode   [{cp, category, ccc, lower, nfd}]: sampled code points

Python's unicodedata is Unicode 14.0 and the C++ tables 15.0: the texts and samples avoid the
characters Unicode 15.0 added (checked here against DerivedAge.txt from Debian's unicode-data
package, /usr/share/unicode).
"""
import json
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
from bert_tokenizer_reference import BertTokenizerReference  # noqa: E402

SCRIPT = "make_tokenizer_fixtures.py"
MINILM = fixtures.data_path("text", "minilm")
DERIVED_AGE = "/usr/share/unicode/DerivedAge.txt"

CONFIGS = {
    "minilm": {},
    "cased": {"lowercase": False, "strip_accents": None},
    "strip_cased": {"lowercase": False, "strip_accents": True},
    "lower_keep_accents": {"lowercase": True, "strip_accents": False},
    "raw": {"clean_text": False, "handle_chinese_chars": False},
}

LONG_SENTENCE = ("The tokenizer keeps the first pieces of a long text and drops the rest, "
                 "which is what truncation to max_length means for a single sequence. ")

# (name, text, configs beyond "minilm")
TEXTS = [
    ("ascii", "Hello, world!", ["cased"]),
    ("sentence", "The quick brown fox jumps over the lazy dog.", ["cased"]),
    ("accents", "café naïve résumé façade Ångström", ["cased", "strip_cased",
                                                      "lower_keep_accents"]),
    ("accents_upper", "CAFÉ NAÏVE Über", ["cased", "strip_cased", "lower_keep_accents"]),
    ("decomposed_input", "cafe\u0301 nai\u0308ve", ["cased", "lower_keep_accents"]),
    ("cjk", "中文分词测试：你好，世界！", ["raw"]),
    ("hangul", "한국어 텍스트 처리", ["cased"]),
    ("hangul_jamo", "\u1100\u1161\u11a8 각", ["cased"]),
    ("japanese", "ひらがなとカタカナ、日本語の文章。", ["cased"]),
    ("emoji", "I love 🤗 and 🙂 emoji 👍🏽 ❤️", ["cased"]),
    ("punctuation_runs", "!!!???...,,,;;;---((( )))###@@@", []),
    ("digits", "1234567890 3.14159 1,000,000 2023-10-05", []),
    ("whitespace_only", "   \t\n  ", ["raw"]),
    ("empty", "", ["cased"]),
    ("whitespace_kinds",
     "tab\tseparated\nnew line\r\ncarriage NBSP\u00a0here line\u2028sep para\u2029graph "
     "ideographic\u3000space thin\u2009space", ["raw"]),
    ("controls",
     "nul\u0000char repl\ufffdchar bell\u0007 esc\u001b del\u007f zero\u200bwidth "
     "bom\ufeff joiner\u200d soft\u00adhyphen", ["raw"]),
    ("control_whitespace", "vertical\u000btab form\u000cfeed next\u0085line unit\u001fsep",
     ["raw"]),
    ("private_use", "private\ue000use \ue123 x", ["raw"]),
    ("specials_typed", "Tokens [SEP] typed [MASK] in [CLS] text [PAD] and [UNK].", ["cased"]),
    ("specials_glued", "glued[SEP]together[MASK]x [sep] [Mask] [SEP[SEP]]", ["cased"]),
    ("dotted_i", "İstanbul İ", ["cased", "strip_cased", "lower_keep_accents"]),
    ("sigma", "ΟΔΥΣΣΕΥΣ Σ σ ς ΣΑΣ.", ["cased", "lower_keep_accents"]),
    ("greek", "Ελληνικά ΆΈΉ", ["lower_keep_accents"]),
    ("cyrillic", "ПРИВЕТ Мир Ёлка", ["cased"]),
    ("vietnamese", "Tiếng Việt có dấu", ["cased", "lower_keep_accents"]),
    ("arabic_hebrew", "مرحبا بالعالم שָׁלוֹם", ["cased"]),
    ("thai_devanagari", "สวัสดีครับ नमस्ते दुनिया", ["cased"]),
    ("reordering", "a\u0301\u0316 \u1e0b\u0323 q\u0307\u0323", ["cased", "strip_cased"]),
    ("leading_marks", "\u0301\u0301abc \u0308", ["cased"]),
    ("compatibility", "ﬁ ligature ² ½ Ⅻ ｆｕｌｌ ＡＢＣ", ["cased"]),
    ("cjk_compat_and_ext", "\uf900\uf901 \U00020000\U00020001 \U0002b820\U0002b920", ["raw"]),
    ("letterlike", "\u212a \u212b \u2126 ẞ ǅ ǈ", ["cased", "lower_keep_accents"]),
    ("quotes", "Mr. O'Neil's café-bar costs $3.50 (approx.) — “quoted” «guillemets» ‘single’",
     ["cased"]),
    ("url", "visit https://example.com/path?q=1&x=2 or mail me@example.org", []),
    ("unknown_words", "supercalifragilisticexpialidocious antidisestablishmentarianism zzzzqx",
     []),
    ("word_over_100", "a" * 101 + " ok " + "b" * 100 + " " + "e\u0301" * 51,
     ["cased", "strip_cased"]),
    ("unicode_word_over_100", "é" * 100 + " " + "é" * 101, ["cased"]),
    ("long_text", LONG_SENTENCE * 30, ["cased"]),
]

TRUNCATIONS = [(8, "right", True), (8, "left", True), (2, "right", True), (5, "right", False),
               (5, "left", False)]

LOWER_TEXTS = ["ΟΔΟΣ", "ΣΑΣ Σ", "AΣ.", "AΣb", "A'Σ'", "Σ", "aΣ\u0301", "aΣ\u0301b", "İstanbul",
               "ẞ ǅ", "MiXeD CaSe", "ΌΣΟΣ ΌΣΟΣ", "-Σ-", "\u1f88"]
NFD_TEXTS = ["café", "a\u0301\u0316", "\u1e0b\u0323", "각", "\uf900", "Ångström",
             "q\u0307\u0323", "\u0344", "\u1e09"]


def age_15_code_points():
    new = set()
    with open(DERIVED_AGE, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            rng, age = [x.strip() for x in line.split(";")]
            if age == "15.0":
                lo, _, hi = rng.partition("..")
                new.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return new


def check_text(text, new):
    bad = [hex(ord(c)) for c in text if ord(c) in new]
    assert not bad, "characters new in Unicode 15.0: %s" % bad


def unicode_samples(new):
    cps = list(range(0, 0x300)) + list(range(0x300, 0x110000, 499))
    cps += [0x130, 0x3A3, 0x1E9E, 0x212A, 0x2126, 0xAC00, 0xD7A3, 0xF900, 0x1F600, 0xE000,
            0xF8FF, 0xFEFF, 0x200B, 0x2028, 0x3000, 0x10FFFD, 0x0345, 0x1D165, 0x0F73]
    out = []
    for cp in sorted(set(cps)):
        if cp in new or 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        out.append({"cp": cp, "category": unicodedata.category(c),
                    "ccc": unicodedata.combining(c), "lower": [ord(x) for x in c.lower()],
                    "nfd": [ord(x) for x in unicodedata.normalize("NFD", c)]})
    return out


def dump(doc):
    """JSON, ASCII: one line per top-level member, and per element of a top-level list."""
    def compact(v):
        return json.dumps(v, ensure_ascii=True, separators=(",", ":"))

    lines = []
    for key, value in doc.items():
        if isinstance(value, list):
            body = ",\n".join("  " + compact(x) for x in value)
            lines.append("%s:[\n%s\n ]" % (compact(key), body))
        else:
            lines.append("%s:%s" % (compact(key), compact(value)))
    return "{\n " + ",\n ".join(lines) + "\n}\n"


def generate():
    new = age_15_code_points()
    base = BertTokenizerReference.from_folder(MINILM)
    tokenizers = {name: BertTokenizerReference.from_folder(MINILM, **over)
                  for name, over in CONFIGS.items()}
    assert base.max_length == 512
    cases = []
    for name, text, extra in TEXTS:
        check_text(text, new)
        for config in ["minilm"] + extra:
            tok = tokenizers[config]
            ids, offsets = tok.encode_with_offsets(text)
            truncated = [{"max_length": n, "side": side, "add_special_tokens": specials,
                          "ids": tok.encode(text, max_length=n, add_special_tokens=specials,
                                            truncation=side)}
                         for n, side, specials in TRUNCATIONS]
            cases.append({"name": name if config == "minilm" else name + "/" + config,
                          "config": config, "text": text, "normalized": tok.normalize(text),
                          "tokens": tok.tokenize(text), "ids": ids,
                          "offsets": [list(o) for o in offsets], "truncated": truncated})
    for t in LOWER_TEXTS + NFD_TEXTS:
        check_text(t, new)
    doc = {
        "generated_by": fixtures.generated_by(SCRIPT),
        "unicode_version_of_python": unicodedata.unidata_version,
        "configs": CONFIGS,
        "cases": cases,
        "lower": [{"text": t, "lower": t.lower()} for t in LOWER_TEXTS],
        "nfd": [{"text": t, "nfd": unicodedata.normalize("NFD", t)} for t in NFD_TEXTS],
        "unicode": unicode_samples(new),
    }
    path = fixtures.out_path("text", "bert_tokenizer_cases.json")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(dump(doc))
    print("text/bert_tokenizer_cases.json (%d cases, %d code points)" %
          (len(cases), len(doc["unicode"])))


if __name__ == "__main__":
    sys.exit(fixtures.main(generate, __doc__))
