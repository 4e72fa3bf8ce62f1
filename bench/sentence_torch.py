#!/usr/bin/python3
"""PyTorch's side of bench/sentence.cpp: the MiniLM-sized sentence-transformers model of
bench/make_sentence_model.py run by tests/golden/bert_reference.py (HF BertModel and
sentence-transformers' pipeline written out in PyTorch, the reference the golden fixtures are
written with), on the same texts (the folder's bench_texts.json: 32 texts of exactly 16, 128 and
256 tokens).

Timed per configuration "encode/tokens:<n>": the model on one batch of the 32 texts, from the
token ids to the normalised sentence embeddings (BertModel forward, mean pooling, Normalize;
eval, no_grad, torch.set_num_threads(N)). The texts are tokenized once beforehand:
sentence-transformers tokenizes with Hugging Face's Rust tokenizer, and the pure-Python reference
tokenizer would measure Python instead (its time is printed in the context, "python_tokenize_s",
for reference only). embedkit's side times encode() whole, its tokenizer included.

Prints a first line {"context": ...}, then one JSON object per benchmark: seconds per batch,
items_per_second (sentences/s), tokens_per_second, and every repetition's sentences/s:

    /usr/bin/python3 bench/sentence_torch.py build/sentence-model --threads 2
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
from bert_reference import SentenceTransformerReference  # noqa: E402

BATCH = 32


def time_one(fn, min_time):
    """Seconds per call: calls repeated until min_time has passed, after one warm-up call."""
    fn()
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / count


def loaded_blas():
    """The BLAS library this process has mapped (Debian's PyTorch does its matrix products in
    the system's libblas.so.3)."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/lib(open)?blas[^/]*\.so", path):
                paths.add(os.path.realpath(path))
    return "; ".join(sorted(os.path.basename(p) for p in paths)) or "none found"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=os.environ.get("EMBEDKIT_SENTENCE_MODEL",
                                                               os.path.join(ROOT, "build", "sentence-model")),
                    help="the folder bench/make_sentence_model.py wrote (default: $EMBEDKIT_SENTENCE_MODEL)")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    ap.add_argument("--filter", default=".", help="regular expression on the benchmark names")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model = SentenceTransformerReference.from_folder(args.model)
    with open(os.path.join(args.model, "bench_texts.json"), encoding="utf-8") as f:
        texts = json.load(f)

    batches, tokenize_s = {}, {}
    for n, batch in texts.items():
        start = time.perf_counter()
        features = model.transformer.tokenize(batch)
        tokenize_s[n] = time.perf_counter() - start
        assert features["input_ids"].shape == (BATCH, int(n)) and bool(features["attention_mask"].all()), n
        batches[n] = features
    print(json.dumps({"context": {"torch": torch.__version__, "threads": torch.get_num_threads(),
                                  "model": "tests/golden/bert_reference.py", "blas": loaded_blas(),
                                  "mkldnn": torch.backends.mkldnn.is_available(),
                                  "python_tokenize_s": tokenize_s}}), flush=True)

    pattern = re.compile(args.filter)
    for n in sorted(batches, key=int):
        name = "encode/tokens:%s" % n
        if not pattern.search(name):
            continue
        features = batches[n]

        def run():
            out = model.forward(dict(features))
            return out["sentence_embedding"]

        assert run().shape == (BATCH, model.dimension())
        reps = [time_one(run, args.min_time) for _ in range(args.repetitions)]
        t = statistics.median(reps)
        print(json.dumps({"name": name, "seconds": t, "items_per_second": BATCH / t,
                          "tokens_per_second": BATCH * int(n) / t,
                          "repetitions": [BATCH / r for r in reps]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
