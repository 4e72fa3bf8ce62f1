#!/usr/bin/env python3
"""Generate the sentence-transformers golden model folders under tests/data/sentence/ from the
PyTorch reference in bert_reference.py (BertModel and sentence-transformers' encode, written
from their sources because neither package is installed here).

Regenerate with Debian's system interpreter (it provides torch 1.13 and numpy):

    /usr/bin/python3 tests/golden/make_sentence_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_sentence_fixtures.py --check   # compare, write nothing

Each case is a tiny BERT model folder in the layout sentence-transformers saves
(modules.json, config.json, model.safetensors, sentence_bert_config.json, 1_Pooling/config.json,
optionally 2_Dense/ and an empty 2_Normalize/, config_sentence_transformers.json, and the real
all-MiniLM-L6-v2 tokenizer files as relative symbolic links to tests/data/text/minilm/), with
random weights drawn in float64 from a seed of the folder's name (then rounded to the folder's
dtype): normal(0, 0.2) for the embedding tables and the transformer's Linear weights (0.3 for the
Dense module's), normal(0, 0.1) for biases, LayerNorm weights 1 + normal(0, 0.1), so that every
layer changes the result. vocab_size 30522 (the real vocabulary), hidden 16,
2 heads, 2 layers, intermediate 32, max_position_embeddings 64. The folders:

  mean_normalize     float32, the all-MiniLM-L6-v2 pipeline: legacy pooling keys (mean),
                     2_Normalize, max_seq_length 48; the checkpoint also holds the int64
                     embeddings.position_ids buffer that older transformers versions saved
  cls_dense          float16 weights, "pooling_mode": "cls", 2_Dense 16 -> 8 (Tanh, float16),
                     no Normalize, max_seq_length 64 (= max_position_embeddings),
                     layer_norm_eps 1e-3 (so that reading it is visible)
  max_bf16_prefixed  bfloat16 weights named with the `bert.` prefix and bert.pooler.dense.*,
                     "pooling_mode": ["max", "mean"], include_prompt false, do_lower_case true,
                     prompts {"query": "query: ", "passage": "passage: "}, default "query",
                     max_seq_length 40
  truncate           max_seq_length 8, the 3.x pooling keys with weightedmean + lasttoken;
                     config.json and model.safetensors are links to mean_normalize's

Git keeps no empty folder, so the committed mean_normalize has no 2_Normalize/ (like the
published all-MiniLM-L6-v2 copy in the shared models folder): a loader must not need it.

tests/data/sentence/texts.json holds the inputs: "sentences" (a few dozen: ASCII, accents, CJK,
emoji, punctuation, digits, whitespace-only, empty, over-long, in an order that sorting by
length changes), "explicit_prompt", and per folder "tokenized": the strings the tokenizer is
given (default prompt prepended, stripped, lowercased with Python's str.lower() when
do_lower_case). tests/data/sentence/cases.txt lists the folders. Each folder's expected.txt
(record format of fixtures.py) holds, all in float32 torch on one thread:

  dimension, max_seq_length, hidden_size   i64 scalars
  ids, id_lengths          i64: tokenizer.encode(tokenized[i]) (no truncation), one after another
  seq_lengths              i64 [N]: the number of tokens the model sees (after max_seq_length)
  embeddings               f32 [N, dim]: encode(sentences) (batch_size 32)
  embeddings_batch_size_1, embeddings_batch_size_3   the same with batch_size 1 and 3
  normalized               encode(..., normalize_embeddings=True)
  truncated, truncated_normalized   truncate_dim=5, without and with normalize_embeddings
  int8, uint8, binary, ubinary      i64 [N, dim] or [N, ceil(dim / 8)]: encode(...,
                           precision=...), ranges from the embeddings themselves
  ranges                   f32 [2, dim]: given ranges (narrower than the data, so that values
                           clip, and one zero-width dimension); int8_ranges, uint8_ranges: the
                           embeddings quantized with them
  binary_truncated, ubinary_truncated   truncate_dim=5 then binary / ubinary (one byte a row)
  hidden_layer_0, hidden_layer_1, hidden_layer_minus_3   encode(..., hidden_layer=k)
  token_sentences, token_lengths, token_embeddings   encode(sentences[token_sentences],
                           output_value="token_embeddings"): rows one after another
  token_embeddings_hidden_layer_1   the same with hidden_layer=1
  max_bf16_prefixed only:  prompt_passage (prompt_name="passage"), prompt_explicit
                           (prompt=explicit_prompt), prompt_empty (prompt="": no prompt at all)

Before writing, the generator checks the reference: the same encodes in float64 agree within
a quarter of the C++ test's tolerance (1e-5), batch sizes 1, 3 and 32 agree, the layers change
the result, the order matters for batching, truncation and do_lower_case (Final_Sigma) change
ids somewhere. Every run reproduces the committed files byte for byte (same torch and numpy).
"""

import copy
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402
import torch_fixtures as tf  # noqa: E402
from bert_reference import SentenceTransformerReference, write_safetensors  # noqa: E402
from fixtures import FixtureWriter  # noqa: E402

SCRIPT = "make_sentence_fixtures.py"
FOLDER = "sentence"
TOLERANCE = 1e-5  # tests/encoders/sentence_golden_test.cpp, absolute
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
TOKENIZER_DIR = ("text", "minilm")

HIDDEN, HEADS, LAYERS, INTERMEDIATE, POSITIONS, VOCAB = 16, 2, 2, 32, 64, 30522
TRUNCATE_DIM = 5
EXPLICIT_PROMPT = "Represent this sentence for searching relevant passages: "

SENTENCES = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "",
    "   ",
    "Café au lait, naïve résumé — déjà vu.",
    "北京欢迎你",
    "東京タワーは高い。",
    "I love 🍕 and 🎉!",
    "1234567890 3.14159 -42 1e10",
    "Wait... what?!?! (really) [yes] {no} <maybe>",
    "a",
    "HELLO WORLD IN CAPITALS",
    "tab\tseparated\nnew line\r\ncarriage return",
    "  leading and trailing spaces  ",
    "Zürich, München, Köln",
    "Ελληνικά και Русский текст",
    "ΟΔΟΣ ΚΑΙ ΣΠΙΤΙ ΤΗΣ ΠΟΛΗΣ",
    "مرحبا بالعالم",
    (
        "Sentence embeddings map a whole sentence to one vector, so that sentences with similar "
        "meanings land close together; this paragraph is deliberately long, running well past the "
        "sequence limits of every test model, because truncation must cut it at exactly the same "
        "token as the reference does, keeping the classification token at the start and the "
        "separator at the end, whatever the batch it lands in."
    ),
    "unbelievably unaffordable antidisestablishmentarianism",
    "x" * 120,
    "Don't stop-believing; it's 5 o'clock.",
    "\u00a0non-breaking\u00a0space\u3000ideographic space\u2003",
    "e\u0301le\u0300ve",
    "İstanbul, ẞtraße, Ünïcödé",
    "zero\u200bwidth and soft\u00adhyphen",
    "nul\u0000char and \ufffd replacement",
    "GPU-accelerated C++20 embeddings @ 1,000 req/s #fast",
    "the the the the the the",
    "日本語とEnglishのmix",
    "한국어 문장입니다",
    "Tomorrow, 2024-05-17, at 09:30.",
    "The [MASK] token and [SEP] typed in the text",
    "ok",
    "A medium-length sentence about vectors, tokens, batches and a few other things.",
    "\ufb01ne \ufb02our",
]

# The sentences whose token embeddings are recorded: empty, whitespace-only, short, CJK, over-long.
TOKEN_SENTENCES = [2, 3, 0, 5, 18]


class Variant:
    def __init__(self, name, about, dtype, max_seq_length, pooling, dense=None, normalize=False,
                 prefixed=False, pooler=False, position_ids=False, do_lower_case=False,
                 prompts=None, default_prompt_name=None, layer_norm_eps=1e-12, shares=None):
        self.name, self.about, self.dtype = name, about, dtype
        self.max_seq_length, self.pooling, self.dense, self.normalize = max_seq_length, pooling, dense, normalize
        self.prefixed, self.pooler, self.position_ids = prefixed, pooler, position_ids
        self.do_lower_case, self.prompts, self.default_prompt_name = do_lower_case, prompts, default_prompt_name
        self.layer_norm_eps, self.shares = layer_norm_eps, shares


VARIANTS = [
    Variant("mean_normalize", "float32, mean pooling (legacy keys) then Normalize, max_seq_length 48, as "
            "all-MiniLM-L6-v2", "F32", 48,
            {"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
             "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
             "pooling_mode_mean_sqrt_len_tokens": False},
            normalize=True, position_ids=True),
    Variant("cls_dense", "float16 weights, cls pooling (pooling_mode), Dense 16 -> 8 with Tanh, "
            "max_seq_length 64, layer_norm_eps 1e-3", "F16", 64,
            {"embedding_dimension": HIDDEN, "pooling_mode": "cls", "include_prompt": True},
            dense={"in_features": HIDDEN, "out_features": 8, "bias": True,
                   "activation_function": "torch.nn.modules.activation.Tanh"},
            layer_norm_eps=1e-3, prompts={}),
    Variant("max_bf16_prefixed", "bfloat16 weights with the bert. prefix and a pooler, max + mean "
            "pooling, include_prompt false, do_lower_case, default prompt query", "BF16", 40,
            {"embedding_dimension": HIDDEN, "pooling_mode": ["max", "mean"], "include_prompt": False},
            prefixed=True, pooler=True, do_lower_case=True,
            prompts={"query": "query: ", "passage": "passage: "}, default_prompt_name="query"),
    Variant("truncate", "max_seq_length 8, weightedmean + lasttoken (3.x pooling keys), float32 "
            "weights shared with mean_normalize", "F32", 8,
            {"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
             "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": False,
             "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": True,
             "pooling_mode_lasttoken": True, "include_prompt": True},
            shares="mean_normalize"),
]

TORCH_DTYPE_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


# ---------------------------------------------------------------------------------------------
# Writing a model folder
# ---------------------------------------------------------------------------------------------

def write_json(value, *parts):
    with open(fixtures.out_path(FOLDER, *parts), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


LINK_PROBLEMS = []


def link(target, *parts):
    """A relative symbolic link tests/data/sentence/<parts> -> target. When writing elsewhere
    (--check, --out) a target outside tests/data/sentence would not exist there, so the link
    points at the committed file instead, and the committed link's target is checked."""
    path = fixtures.out_path(FOLDER, *parts)
    committed = fixtures.data_path(FOLDER, *parts)
    if os.path.lexists(path):
        os.remove(path)
    resolved = os.path.normpath(os.path.join(os.path.dirname(committed), target))
    inside = resolved.startswith(fixtures.data_path(FOLDER) + os.sep)
    if os.path.abspath(path) == os.path.abspath(committed) or inside:
        os.symlink(target, path)
    else:
        os.symlink(resolved, path)
        if os.path.isdir(fixtures.data_path(FOLDER)) and \
                (not os.path.islink(committed) or os.readlink(committed) != target):
            LINK_PROBLEMS.append("tests/data/%s/%s should be a link to %s"
                                 % (FOLDER, "/".join(parts), target))


def normal(*shape, std):
    return torch.randn(*shape, dtype=torch.float64) * std


def draw_weights():
    """{HF name: float64 tensor} of a BertModel of the fixtures' sizes (and its pooler)."""
    w = {"embeddings.word_embeddings.weight": normal(VOCAB, HIDDEN, std=0.2),
         "embeddings.position_embeddings.weight": normal(POSITIONS, HIDDEN, std=0.2),
         "embeddings.token_type_embeddings.weight": normal(2, HIDDEN, std=0.2),
         "embeddings.LayerNorm.weight": 1 + normal(HIDDEN, std=0.1),
         "embeddings.LayerNorm.bias": normal(HIDDEN, std=0.1)}

    def linear(prefix, n_out, n_in):
        w[prefix + ".weight"] = normal(n_out, n_in, std=0.2)
        w[prefix + ".bias"] = normal(n_out, std=0.1)

    def layer_norm(prefix):
        w[prefix + ".weight"] = 1 + normal(HIDDEN, std=0.1)
        w[prefix + ".bias"] = normal(HIDDEN, std=0.1)

    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        for name in ("query", "key", "value"):
            linear(p + "attention.self." + name, HIDDEN, HIDDEN)
        linear(p + "attention.output.dense", HIDDEN, HIDDEN)
        layer_norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", INTERMEDIATE, HIDDEN)
        linear(p + "output.dense", HIDDEN, INTERMEDIATE)
        layer_norm(p + "output.LayerNorm")
    linear("pooler.dense", HIDDEN, HIDDEN)
    return w


def hf_config(v):
    """config.json as transformers writes it for a BertModel."""
    return {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": v.layer_norm_eps,
        "max_position_embeddings": POSITIONS,
        "model_type": "bert",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": TORCH_DTYPE_NAME[v.dtype],
        "transformers_version": "4.41.2",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": VOCAB,
    }


def modules_json(v):
    modules = [("sentence_transformers.models.Transformer", ""),
               ("sentence_transformers.models.Pooling", "1_Pooling")]
    if v.dense:
        modules.append(("sentence_transformers.models.Dense", "2_Dense"))
    if v.normalize:
        modules.append(("sentence_transformers.models.Normalize", "%d_Normalize" % len(modules)))
    return [{"idx": i, "name": str(i), "path": path, "type": t} for i, (t, path) in enumerate(modules)]


def write_folder(v):
    """The model folder of variant v under the output root."""
    tf.seed_for(FOLDER + "/" + v.name)
    if v.shares:
        link("../%s/config.json" % v.shares, v.name, "config.json")
        link("../%s/model.safetensors" % v.shares, v.name, "model.safetensors")
    else:
        write_json(hf_config(v), v.name, "config.json")
        weights = draw_weights()
        tensors = {}
        for name, t in weights.items():
            if name.startswith("pooler.") and not v.pooler:
                continue
            tensors[("bert." if v.prefixed else "") + name] = (t, v.dtype)
        if v.position_ids:
            tensors["embeddings.position_ids"] = (torch.arange(POSITIONS).unsqueeze(0), "I64")
        write_safetensors(fixtures.out_path(FOLDER, v.name, "model.safetensors"), tensors, {"format": "pt"})
    if v.dense:
        write_json(v.dense, v.name, "2_Dense", "config.json")
        d = v.dense
        dense = {"linear.weight": (normal(d["out_features"], d["in_features"], std=0.3), v.dtype),
                 "linear.bias": (normal(d["out_features"], std=0.1), v.dtype)}
        write_safetensors(fixtures.out_path(FOLDER, v.name, "2_Dense", "model.safetensors"), dense,
                          {"format": "pt"})
    if v.normalize:
        os.makedirs(os.path.dirname(fixtures.out_path(FOLDER, v.name, "2_Normalize", "-")), exist_ok=True)
    write_json(modules_json(v), v.name, "modules.json")
    write_json({"max_seq_length": v.max_seq_length, "do_lower_case": v.do_lower_case},
               v.name, "sentence_bert_config.json")
    write_json(v.pooling, v.name, "1_Pooling", "config.json")
    st = {"__version__": {"sentence_transformers": "3.0.1", "transformers": "4.41.2", "pytorch": "2.3.0"}}
    if v.prompts is not None:
        st.update({"prompts": v.prompts, "default_prompt_name": v.default_prompt_name,
                   "similarity_fn_name": None})
    write_json(st, v.name, "config_sentence_transformers.json")
    for f in TOKENIZER_FILES:
        link("../../%s/%s" % ("/".join(TOKENIZER_DIR), f), v.name, f)


# ---------------------------------------------------------------------------------------------
# Running the reference
# ---------------------------------------------------------------------------------------------

def in_float64(model):
    """A float64 copy of the reference model (BertModel and Dense layers)."""
    m = copy.deepcopy(model)
    m.transformer.model.double()
    for module in m.modules:
        if hasattr(module, "linear"):
            module.linear.double()
    return m


def float64_encode(model64, sentences, **kw):
    """encode in float64: the reference's arithmetic with rounding errors far below float32's."""
    with torch.no_grad():
        return model64.encode(sentences, **kw)


def largest_difference(a, b):
    a = [np.asarray(x, dtype=np.float64) for x in (a if isinstance(a, list) else [a])]
    b = [np.asarray(x, dtype=np.float64) for x in (b if isinstance(b, list) else [b])]
    assert len(a) == len(b) and all(x.shape == y.shape for x, y in zip(a, b))
    return max((float(np.max(np.abs(x - y))) if x.size else 0.0) for x, y in zip(a, b))


def given_ranges(embeddings):
    """[2, dim] float32 ranges narrower than the data (a fifth cut off each side, so that the
    extremes clip), with dimension 0 of zero width (steps 0 -> 1)."""
    lo, hi = embeddings.min(axis=0).astype(np.float64), embeddings.max(axis=0).astype(np.float64)
    r = np.vstack((lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo))).astype(np.float32)
    r[:, 0] = np.float32(np.round(float(np.median(embeddings[:, 0])), 2))
    return r


def tokens_flat(list_of_tensors):
    lengths = [t.shape[0] for t in list_of_tensors]
    return torch.cat(list_of_tensors, dim=0), torch.tensor(lengths, dtype=torch.int64)


def run_case(v, model):
    """(records, notes): [(name, dtype, array)] in file order, and the checks' results."""
    n = len(SENTENCES)
    records, notes = [], []
    model64 = in_float64(model)
    worst = [0.0, ""]

    def encode(name, **kw):
        got = model.encode(SENTENCES, **kw)
        want = float64_encode(model64, SENTENCES, **kw)
        err = largest_difference(got, want)
        assert err <= TOLERANCE / 4, (v.name, name, err)
        if err > worst[0]:
            worst[:] = [err, name]
        return got

    tok = model.tokenizer
    texts = model.tokenized_texts(SENTENCES)
    ids = [tok.encode(t) for t in texts]
    assert all(len(x) <= 120 for x in ids), "keep below tokenizer.json's 128"
    seq_lengths = [min(len(x), model.max_seq_length) for x in ids]
    assert any(len(x) > model.max_seq_length for x in ids), (v.name, "no sentence is truncated")
    feeds = model.transformer.tokenize([(model.resolve_prompt() or "") + s for s in SENTENCES])
    assert feeds["attention_mask"].sum(1).tolist() == seq_lengths
    order = np.argsort([-len((model.resolve_prompt() or "") + s) for s in SENTENCES])
    assert not np.array_equal(order, np.arange(n)), "sorting by length must change the order"

    records += [("dimension", "i64", np.array(model.dimension())),
                ("max_seq_length", "i64", np.array(model.max_seq_length)),
                ("hidden_size", "i64", np.array(HIDDEN)),
                ("ids", "i64", np.array([i for x in ids for i in x], dtype=np.int64)),
                ("id_lengths", "i64", np.array([len(x) for x in ids], dtype=np.int64)),
                ("seq_lengths", "i64", np.array(seq_lengths, dtype=np.int64))]

    emb = encode("embeddings")
    assert emb.shape == (n, model.dimension())
    records.append(("embeddings", "f32", emb))
    for bs in (1, 3):
        e = encode("batch_size=%d" % bs, batch_size=bs)
        d = largest_difference(e, emb)
        assert d <= 1e-6, (v.name, bs, d)
        records.append(("embeddings_batch_size_%d" % bs, "f32", e))
    records.append(("normalized", "f32", encode("normalized", normalize_embeddings=True)))
    truncated = encode("truncated", truncate_dim=TRUNCATE_DIM)
    assert truncated.shape == (n, TRUNCATE_DIM)
    records.append(("truncated", "f32", truncated))
    records.append(("truncated_normalized", "f32",
                    encode("truncated_normalized", truncate_dim=TRUNCATE_DIM, normalize_embeddings=True)))

    for p in ("int8", "uint8", "binary", "ubinary"):
        q = model.encode(SENTENCES, precision=p)
        assert q.dtype == (np.int8 if p in ("int8", "binary") else np.uint8)
        records.append((p, "i64", q.astype(np.int64)))
    ranges = given_ranges(emb)
    records.append(("ranges", "f32", ranges))
    for p in ("int8", "uint8"):
        q = model.encode(SENTENCES, precision=p, ranges=ranges)
        records.append(("%s_ranges" % p, "i64", q.astype(np.int64)))
        assert (q.astype(np.int64) == (0 if p == "uint8" else -128)).any() and \
            (q.astype(np.int64) == (255 if p == "uint8" else 127)).any(), "the given ranges must clip"
    for p in ("binary", "ubinary"):
        q = model.encode(SENTENCES, precision=p, truncate_dim=TRUNCATE_DIM)
        assert q.shape == (n, 1)
        records.append(("%s_truncated" % p, "i64", q.astype(np.int64)))
    if np.min(np.abs(emb)) < 1e-5:
        notes.append("a value within 1e-5 of 0")

    hidden = {}
    for k, name in ((0, "hidden_layer_0"), (1, "hidden_layer_1"), (-3, "hidden_layer_minus_3")):
        hidden[k] = encode(name, hidden_layer=k)
        records.append((name, "f32", hidden[k]))
    assert np.array_equal(hidden[0], hidden[-3])
    for a, b in ((hidden[0], hidden[1]), (hidden[1], emb)):
        assert largest_difference(a, b) > 0.05, (v.name, "a layer changes nothing")

    subset = [SENTENCES[i] for i in TOKEN_SENTENCES]
    tokens = model.encode(subset, output_value="token_embeddings")
    want = float64_encode(model64, subset, output_value="token_embeddings")
    assert largest_difference(tokens, want) <= TOLERANCE / 4
    flat, lengths = tokens_flat(tokens)
    assert lengths.tolist() == [seq_lengths[i] for i in TOKEN_SENTENCES]
    records += [("token_sentences", "i64", np.array(TOKEN_SENTENCES, dtype=np.int64)),
                ("token_lengths", "i64", lengths.numpy()),
                ("token_embeddings", "f32", flat)]
    tokens1 = model.encode(subset, output_value="token_embeddings", hidden_layer=1)
    records.append(("token_embeddings_hidden_layer_1", "f32", tokens_flat(tokens1)[0]))

    if v.prompts and v.default_prompt_name:
        records.append(("prompt_passage", "f32", encode("prompt_passage", prompt_name="passage")))
        records.append(("prompt_explicit", "f32", encode("prompt_explicit", prompt=EXPLICIT_PROMPT)))
        empty = encode("prompt_empty", prompt="")
        records.append(("prompt_empty", "f32", empty))
        for name in ("prompt_passage", "prompt_explicit", "prompt_empty"):
            other = dict((r[0], r[2]) for r in records)[name]
            assert largest_difference(other, emb) > 0.01, (v.name, name, "changes nothing")
    if v.do_lower_case:
        raw = [tok.encode((model.resolve_prompt() or "") + s) for s in SENTENCES]
        assert raw != ids, "str.lower() must change some ids (Final_Sigma)"
        notes.append("do_lower_case changes the ids of %d sentences" % sum(a != b for a, b in zip(raw, ids)))
    notes.insert(0, "largest float32 difference from float64 %.1e (%s)" % tuple(worst))
    return records, texts, notes


# ---------------------------------------------------------------------------------------------
# Writing a case
# ---------------------------------------------------------------------------------------------

def write_case(v):
    write_folder(v)
    model = SentenceTransformerReference.from_folder(os.path.dirname(fixtures.out_path(FOLDER, v.name, "modules.json")))
    records, texts, notes = run_case(v, model)
    w = FixtureWriter(FOLDER, v.name, "expected.txt")
    w.comment("sentence-transformers case %s: %s." % (v.name, v.about))
    w.comment(fixtures.generated_by(SCRIPT, tf.torch_tool()))
    w.comment("Model: the files of this folder; inputs: ../texts.json (sentences, explicit_prompt, "
              "tokenized[\"%s\"])." % v.name)
    w.comment("Modules: %s; pooling %s; max_seq_length %d; do_lower_case %s; weights %s."
              % (", ".join(m["type"].rsplit(".", 1)[1] for m in modules_json(v)),
                 "+".join(model.modules[1].modes), v.max_seq_length, v.do_lower_case, v.dtype))
    if v.prompts:
        w.comment("Prompts %s, default %s; include_prompt %s."
                  % (json.dumps(v.prompts), v.default_prompt_name, model.modules[1].include_prompt))
    w.comment("Record meanings: tests/golden/make_sentence_fixtures.py.")
    for name, dtype, arr in records:
        w.record(name, dtype, arr)
    w.save()
    return texts, "; ".join(notes)


def generate():
    torch.set_num_threads(1)
    tokenized = {}
    for v in VARIANTS:
        texts, note = write_case(v)
        tokenized[v.name] = texts
        print("%s/%s/ (%s)" % (FOLDER, v.name, note))
    write_json({"sentences": SENTENCES, "explicit_prompt": EXPLICIT_PROMPT, "tokenized": tokenized},
               "texts.json")
    index = FixtureWriter(FOLDER, "cases.txt")
    index.comment("sentence-transformers model folders, one per line: tests/data/%s/<case>/ (the model "
                  "files and expected.txt)." % FOLDER)
    index.comment(fixtures.generated_by(SCRIPT))
    for v in VARIANTS:
        index.line(v.name)
    index.save()
    if LINK_PROBLEMS:  # a committed link that is not one, or points elsewhere
        raise SystemExit("\n".join("DIFFERS  " + p for p in LINK_PROBLEMS))


if __name__ == "__main__":
    sys.exit(tf.main(generate, __doc__))
