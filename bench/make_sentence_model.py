#!/usr/bin/python3
"""Writes the sentence benchmark's model folder: a sentence-transformers folder the size of
all-MiniLM-L6-v2 (BERT, hidden 384, 6 layers, 12 heads, intermediate 1536, 512 positions, the
real 30,522-token vocabulary; mean pooling then Normalize; max_seq_length 256), with random
float32 weights (about 90 MB, so it is not committed), the real tokenizer files copied from
tests/data/text/minilm, and bench_texts.json, the texts bench/sentence.cpp and
bench/sentence_torch.py both encode:

    /usr/bin/python3 bench/make_sentence_model.py build/sentence-model

bench_texts.json: {"<n>": [32 texts]} for n = 16, 128 and 256, each text exactly n tokens long
with [CLS] and [SEP]: n - 2 words drawn from the vocabulary's whole words of lowercase ASCII
letters (each one token, since WordPiece matches a whole word of the vocabulary first), word k of
the whole set being entry splitmix64(k) % (number of such words). Every text is checked with
tests/golden/bert_tokenizer_reference.py.

The weights are normal(0, 0.05) (LayerNorm weights 1, biases 0), drawn by NumPy's PCG64 from a
fixed seed: the timings do not depend on the values, only on there being no subnormal numbers.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
from bert_reference import write_safetensors  # noqa: E402
from bert_tokenizer_reference import BertTokenizerReference  # noqa: E402

TOKENIZER = os.path.join(ROOT, "tests", "data", "text", "minilm")
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS, VOCAB = 384, 6, 12, 1536, 512, 30522
MAX_SEQ_LENGTH = 256
BATCH = 32
LENGTHS = (16, 128, 256)
SEED = 20240601


def splitmix64(k):
    m = (1 << 64) - 1
    x = (k + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def texts(tokenizer):
    """{n: [BATCH texts of exactly n tokens]}."""
    words = sorted(w for w in tokenizer.vocab if w.isascii() and w.isalpha() and w.islower())
    out, k = {}, 0
    for n in LENGTHS:
        batch = []
        for _ in range(BATCH):
            batch.append(" ".join(words[splitmix64(k + j) % len(words)] for j in range(n - 2)))
            k += n - 2
        for t in batch:
            assert len(tokenizer.encode(t, max_length=1 << 20)) == n, (n, t)
        out[str(n)] = batch
    return out


def weights(rng):
    import torch

    def normal(*shape):
        return torch.from_numpy(rng.standard_normal(shape, dtype=np.float32) * np.float32(0.05))

    def ones(n):
        return torch.ones(n)

    def zeros(n):
        return torch.zeros(n)

    w = {"embeddings.word_embeddings.weight": normal(VOCAB, HIDDEN),
         "embeddings.position_embeddings.weight": normal(POSITIONS, HIDDEN),
         "embeddings.token_type_embeddings.weight": normal(2, HIDDEN),
         "embeddings.LayerNorm.weight": ones(HIDDEN), "embeddings.LayerNorm.bias": zeros(HIDDEN)}
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        for name in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"):
            w[p + name + ".weight"], w[p + name + ".bias"] = normal(HIDDEN, HIDDEN), zeros(HIDDEN)
        w[p + "intermediate.dense.weight"] = normal(INTERMEDIATE, HIDDEN)
        w[p + "intermediate.dense.bias"] = zeros(INTERMEDIATE)
        w[p + "output.dense.weight"] = normal(HIDDEN, INTERMEDIATE)
        w[p + "output.dense.bias"] = zeros(HIDDEN)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"], w[p + ln + ".bias"] = ones(HIDDEN), zeros(HIDDEN)
    w["pooler.dense.weight"], w["pooler.dense.bias"] = normal(HIDDEN, HIDDEN), zeros(HIDDEN)
    return w


def write_json(path, value):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="the folder to write (created; its files are replaced)")
    args = ap.parse_args()
    d = args.dir
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    os.makedirs(os.path.join(d, "2_Normalize"), exist_ok=True)
    for f in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(TOKENIZER, f), os.path.join(d, f))
    write_json(os.path.join(d, "config.json"), {
        "architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "hidden_size": HIDDEN, "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE, "layer_norm_eps": 1e-12, "max_position_embeddings": POSITIONS,
        "model_type": "bert", "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "pad_token_id": 0,
        "position_embedding_type": "absolute", "type_vocab_size": 2, "vocab_size": VOCAB})
    write_json(os.path.join(d, "modules.json"), [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write_json(os.path.join(d, "sentence_bert_config.json"), {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    write_json(os.path.join(d, "1_Pooling", "config.json"), {
        "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    write_json(os.path.join(d, "config_sentence_transformers.json"),
               {"__version__": {"sentence_transformers": "2.0.0", "transformers": "4.6.1", "pytorch": "1.8.1"}})
    w = weights(np.random.Generator(np.random.PCG64(SEED)))
    write_safetensors(os.path.join(d, "model.safetensors"), {n: (t, "F32") for n, t in w.items()}, {"format": "pt"})
    write_json(os.path.join(d, "bench_texts.json"), texts(BertTokenizerReference.from_folder(TOKENIZER)))
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
    print("%s: %.1f MB" % (d, size / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
