"""A pure-Python BERT tokenizer that follows Hugging Face's fast (Rust) `tokenizers` rules, the
ones sentence-transformers uses: the reference the C++ ek::BertTokenizer is checked against
(tests/golden/make_tokenizer_fixtures.py) and timed against (bench/tokenizer_py.py).

Neither `transformers` nor `tokenizers` is a dependency: the rules are written out here from
their sources (tokenizers/src/normalizers/bert.rs, pre_tokenizers/bert.rs, models/wordpiece,
tokenizer/added_vocabulary.rs), using only `unicodedata`:

  1. Special tokens ([CLS], [SEP], [MASK], ... as typed in the text) are matched on the raw
     text, leftmost-longest, before any normalization (AddedVocabulary, normalized=false); the
     text between them is normalized and split on its own.
  2. BertNormalizer, in this order:
     clean_text     drop U+0000, U+FFFD and "control" characters (general category Cc, Cf or
                    Co, except \\t \\n \\r), then map whitespace (\\t \\n \\r and White_Space)
                    to ' '. The drop runs first, so U+000B, U+000C and U+0085 (Cc) vanish.
     chinese chars  put ' ' on both sides of a CJK ideograph (Rust's ranges, which skip
                    U+2B820..U+2B91F unlike the Python tokenizer's).
     strip_accents  (unset: follows lowercase) NFD, then drop nonspacing marks (Mn) -- before
                    lowercasing, as the Rust normalizer does.
     lowercase      per character, full mapping (U+0130 -> "i\\u0307"), no Final_Sigma rule.
  3. BertPreTokenizer: split on White_Space (dropped), then isolate every punctuation
     character (ASCII punctuation or general category P*).
  4. WordPiece: greedy longest match from the left, continuations prefixed "##"; a word of
     more than max_input_chars_per_word characters, or one that cannot be covered, is one
     [UNK].
  5. [CLS] pieces [SEP], truncated to max_length (right: keep the first max_length - 2 pieces;
     left: keep the last ones).

Offsets are byte offsets into the UTF-8 input, [begin, end), of the characters a piece came
from: the least begin and the greatest end over the piece's characters (a piece of a
decomposed or lowercased character covers the whole source character); an unknown word's
[UNK] covers the word; the [CLS] and [SEP] encode adds get (0, 0).

Python 3.11's unicodedata is Unicode 14.0; the C++ tables are 15.0. Texts compared between
the two must avoid the characters new in 15.0 (make_tokenizer_fixtures.py checks this).
"""

import json
import os
import unicodedata

# White_Space (PropList.txt); stable since Unicode 6.3. Python's str.isspace() is a different
# set (it includes U+001C..U+001F), so it is not used.
WHITE_SPACE = frozenset(
    [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680]
    + list(range(0x2000, 0x200B))
    + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])

# tokenizers/src/normalizers/bert.rs is_chinese_char.
CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))

VERY_LARGE_MAX_LENGTH = (1 << 63) - 1


def is_white_space(c):
    return ord(c) in WHITE_SPACE


def is_bert_whitespace(c):
    return c in "\t\n\r" or is_white_space(c)


def is_bert_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c) in ("Cc", "Cf", "Co")


def is_chinese_char(c):
    cp = ord(c)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


def is_bert_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def nfd_aligned(chars):
    """NFD of a list of (char, begin, end), each output character keeping its source's span:
    full canonical decomposition per character, then canonical ordering (a stable sort by
    combining class within each run of non-starters)."""
    out = []
    for c, b, e in chars:
        for d in unicodedata.normalize("NFD", c):
            out.append((d, b, e))
    i = 0
    while i < len(out):
        if unicodedata.combining(out[i][0]) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and unicodedata.combining(out[j][0]) != 0:
            j += 1
        out[i:j] = sorted(out[i:j], key=lambda t: unicodedata.combining(t[0]))
        i = j
    return out


def utf8_spans(text, base=0):
    """[(char, begin, end)] with byte offsets into text's UTF-8 form, shifted by base."""
    spans = []
    pos = base
    for c in text:
        n = len(c.encode("utf-8"))
        spans.append((c, pos, pos + n))
        pos += n
    return spans


class BertTokenizerReference:
    def __init__(self, vocab, *, clean_text=True, handle_chinese_chars=True, lowercase=True,
                 strip_accents=None, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
                 pad_token="[PAD]", mask_token="[MASK]", continuing_subword_prefix="##",
                 max_input_chars_per_word=100, max_length=512, special_tokens=None):
        """vocab: a list of tokens (id = index) or a dict token -> id. special_tokens: dict
        content -> id of the tokens matched on the raw text (default: the five specials that
        are in the vocabulary)."""
        if isinstance(vocab, dict):
            self.vocab = dict(vocab)
        else:
            self.vocab = {t: i for i, t in enumerate(vocab)}
        self.clean_text = clean_text
        self.handle_chinese_chars = handle_chinese_chars
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.unk_token, self.cls_token, self.sep_token = unk_token, cls_token, sep_token
        self.pad_token, self.mask_token = pad_token, mask_token
        self.prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self.max_length = max_length
        if special_tokens is None:
            special_tokens = {t: self.vocab[t]
                              for t in (pad_token, unk_token, cls_token, sep_token, mask_token)
                              if t in self.vocab}
        self.special_tokens = dict(special_tokens)
        self.unk_id = self.vocab[unk_token]
        self.cls_id = self.special_tokens.get(cls_token, self.vocab.get(cls_token))
        self.sep_id = self.special_tokens.get(sep_token, self.vocab.get(sep_token))

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def from_folder(cls, path, **overrides):
        """vocab.txt + the optional tokenizer_config.json, special_tokens_map.json and
        tokenizer.json (whose normalizer and model settings win), as the C++ loader reads
        them. Keyword arguments override the result."""
        with open(os.path.join(path, "vocab.txt"), encoding="utf-8") as f:
            vocab = f.read().split("\n")
        if vocab and vocab[-1] == "":
            vocab.pop()
        vocab = [t[:-1] if t.endswith("\r") else t for t in vocab]

        def load(name):
            p = os.path.join(path, name)
            if not os.path.exists(p):
                return None
            with open(p, encoding="utf-8") as f:
                return json.load(f)

        def token_text(v):
            return v["content"] if isinstance(v, dict) else v

        kw = {}
        names = ("unk_token", "cls_token", "sep_token", "pad_token", "mask_token")
        additional = []

        def read_specials(doc):
            for n in names:
                if doc.get(n) is not None:
                    kw[n] = token_text(doc[n])
            if doc.get("additional_special_tokens") is not None:
                additional[:] = [token_text(t) for t in doc["additional_special_tokens"]
                                 if t is not None]

        tc = load("tokenizer_config.json")
        if tc is not None:
            if tc.get("do_lower_case") is not None:
                kw["lowercase"] = tc["do_lower_case"]
            if "strip_accents" in tc:
                kw["strip_accents"] = tc["strip_accents"]
            if tc.get("tokenize_chinese_chars") is not None:
                kw["handle_chinese_chars"] = tc["tokenize_chinese_chars"]
            if tc.get("model_max_length") is not None:
                kw["max_length"] = min(int(tc["model_max_length"]), VERY_LARGE_MAX_LENGTH)
            read_specials(tc)
        sm = load("special_tokens_map.json")
        if sm is not None:
            read_specials(sm)
        tj = load("tokenizer.json")
        if tj is not None:
            norm = tj.get("normalizer")
            if norm is None or norm.get("type") != "BertNormalizer":
                raise ValueError("tokenizer.json: normalizer: expected BertNormalizer")
            kw["clean_text"] = norm.get("clean_text", True)
            kw["handle_chinese_chars"] = norm.get("handle_chinese_chars", True)
            kw["strip_accents"] = norm.get("strip_accents")
            kw["lowercase"] = norm.get("lowercase", True)
            pre = tj.get("pre_tokenizer")
            if pre is None or pre.get("type") != "BertPreTokenizer":
                raise ValueError("tokenizer.json: pre_tokenizer: expected BertPreTokenizer")
            model = tj.get("model") or {}
            if model.get("type") != "WordPiece":
                raise ValueError("tokenizer.json: model.type: expected WordPiece")
            kw["unk_token"] = model.get("unk_token", "[UNK]")
            kw["continuing_subword_prefix"] = model.get("continuing_subword_prefix", "##")
            kw["max_input_chars_per_word"] = model.get("max_input_chars_per_word", 100)
            post = tj.get("post_processor")
            if post is not None:
                if post["type"] == "BertProcessing":
                    kw["cls_token"], kw["sep_token"] = post["cls"][0], post["sep"][0]
                elif post["type"] == "TemplateProcessing":
                    single = post["single"]
                    kw["cls_token"] = single[0]["SpecialToken"]["id"]
                    kw["sep_token"] = single[2]["SpecialToken"]["id"]
                else:
                    raise ValueError("tokenizer.json: post_processor.type: unsupported")
            specials = {}
            for t in tj.get("added_tokens") or []:
                if t.get("normalized") or t.get("lstrip") or t.get("rstrip") or \
                        t.get("single_word"):
                    raise ValueError("tokenizer.json: added_tokens: unsupported flags on " +
                                     t["content"])
                specials[t["content"]] = t["id"]
            kw["special_tokens"] = specials
        else:
            ids = {t: i for i, t in enumerate(vocab)}
            specials = [kw.get(n, d) for n, d in zip(names, ("[UNK]", "[CLS]", "[SEP]", "[PAD]",
                                                               "[MASK]"))] + additional
            kw["special_tokens"] = {t: ids[t] for t in specials if t in ids}
        kw.update(overrides)
        return cls(vocab, **kw)

    # -- normalizer ------------------------------------------------------------------------

    def _normalize_spans(self, spans):
        """BertNormalizer over [(char, begin, end)] -> [(char, begin, end)]."""
        if self.clean_text:
            spans = [(" " if is_bert_whitespace(c) else c, b, e) for c, b, e in spans
                     if not (c == "\0" or c == "\ufffd" or is_bert_control(c))]
        if self.handle_chinese_chars:
            out = []
            for c, b, e in spans:
                if is_chinese_char(c):
                    out += [(" ", b, e), (c, b, e), (" ", b, e)]
                else:
                    out.append((c, b, e))
            spans = out
        if self.strip_accents:
            spans = [(c, b, e) for c, b, e in nfd_aligned(spans)
                     if unicodedata.category(c) != "Mn"]
        if self.lowercase:
            spans = [(l, b, e) for c, b, e in spans for l in c.lower()]
        return spans

    def normalize(self, text):
        return "".join(c for c, _, _ in self._normalize_spans(utf8_spans(text)))

    # -- pre-tokenizer and WordPiece -------------------------------------------------------

    def _words(self, spans):
        words, cur = [], []
        for s in spans:
            c = s[0]
            if is_white_space(c):
                if cur:
                    words.append(cur)
                cur = []
            elif is_bert_punctuation(c):
                if cur:
                    words.append(cur)
                words.append([s])
                cur = []
            else:
                cur.append(s)
        if cur:
            words.append(cur)
        return words

    def _wordpiece(self, word):
        """[(piece, id, begin, end)] for one word (a list of (char, begin, end))."""
        # A piece covers the input bytes of its characters: in input order except after
        # NFD's canonical reordering, hence the least begin and the greatest end.
        def span(chars):
            return (min(b for _, b, _ in chars), max(e for _, _, e in chars))

        whole = span(word)
        if len(word) > self.max_input_chars_per_word:
            return [(self.unk_token, self.unk_id) + whole]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                sub = "".join(c for c, _, _ in word[start:end])
                if start > 0:
                    sub = self.prefix + sub
                if sub in self.vocab:
                    found = (sub, self.vocab[sub]) + span(word[start:end])
                    break
                end -= 1
            if found is None:
                return [(self.unk_token, self.unk_id) + whole]
            pieces.append(found)
            start = end
        return pieces

    def _split_specials(self, text):
        """[(is_special, segment, byte_begin)]: leftmost-longest matches of the special
        tokens on the raw text, and the text between them."""
        parts = []
        i = last = 0
        by_len = sorted(self.special_tokens, key=len, reverse=True)
        while i < len(text):
            m = next((t for t in by_len if text.startswith(t, i)), None)
            if m is None:
                i += 1
                continue
            if last < i:
                parts.append((False, text[last:i]))
            parts.append((True, m))
            i += len(m)
            last = i
        if last < len(text):
            parts.append((False, text[last:]))
        out, pos = [], 0
        for special, seg in parts:
            out.append((special, seg, pos))
            pos += len(seg.encode("utf-8"))
        return out

    def _pieces(self, text):
        """[(piece, id, begin, end)] for the whole text, no [CLS]/[SEP]."""
        pieces = []
        for special, seg, base in self._split_specials(text):
            if special:
                pieces.append((seg, self.special_tokens[seg], base,
                               base + len(seg.encode("utf-8"))))
                continue
            for word in self._words(self._normalize_spans(utf8_spans(seg, base))):
                pieces += self._wordpiece(word)
        return pieces

    def tokenize(self, text):
        return [p[0] for p in self._pieces(text)]

    def encode_with_offsets(self, text, max_length=None, add_special_tokens=True,
                            truncation="right"):
        if max_length is None:
            max_length = self.max_length
        added = 2 if add_special_tokens else 0
        if max_length < added:
            raise ValueError("max_length %d is below the %d special tokens" % (max_length,
                                                                               added))
        pieces = self._pieces(text)
        keep = max_length - added
        if len(pieces) > keep:
            pieces = pieces[:keep] if truncation == "right" else pieces[len(pieces) - keep:]
        ids = [p[1] for p in pieces]
        offsets = [(p[2], p[3]) for p in pieces]
        if add_special_tokens:
            ids = [self.cls_id] + ids + [self.sep_id]
            offsets = [(0, 0)] + offsets + [(0, 0)]
        return ids, offsets

    def encode(self, text, max_length=None, add_special_tokens=True, truncation="right"):
        return self.encode_with_offsets(text, max_length, add_special_tokens, truncation)[0]


if __name__ == "__main__":
    import sys

    tok = BertTokenizerReference.from_folder(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "text",
                     "minilm"))
    for line in sys.argv[1:] or ["Hello, world! Café naïve 日本語 İstanbul"]:
        print(tok.tokenize(line))
        print(tok.encode_with_offsets(line))
