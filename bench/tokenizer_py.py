#!/usr/bin/python3
"""Times the pure-Python BERT reference tokenizer (tests/golden/bert_tokenizer_reference.py)
on the corpus bench/tokenizer.cpp uses (the same word lists and 64-bit LCG), single thread,
with the MiniLM vocabulary, and prints texts per second and the total number of ids (which
bench_tokenizer's BM_encode reports as its "ids" counter: the two must agree).

    /usr/bin/python3 bench/tokenizer_py.py [--repeat N]
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
from bert_tokenizer_reference import BertTokenizerReference  # noqa: E402

WORDS = [
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as",
    "model", "embedding", "sentence", "tokenizer", "vector", "search", "query", "document",
    "The", "Neural", "Network", "Paris", "London", "running", "unbelievable", "transformers",
    "café", "naïve", "résumé", "Zürich", "São", "Paulo", "Ångström", "façade", "über",
    "中文", "日本語", "北京", "東京", "한국어", "ελληνικά", "Москва",
    "2024", "3.14", "42", "1,000", "(see", "below)", "e-mail:", "user@example.com", "—",
    "\"quoted\"", "it's", "don't", "!", "?", ",", "."]

MASK64 = (1 << 64) - 1


def corpus():
    state = 42

    def nxt(bound):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK64
        return (state >> 33) % bound

    out = []
    for _ in range(2000):
        n = 8 + nxt(33)
        out.append(" ".join(WORDS[nxt(len(WORDS))] for _ in range(n)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (best is kept)")
    args = parser.parse_args()
    tok = BertTokenizerReference.from_folder(
        os.environ.get("EMBEDKIT_BENCH_TOKENIZER_DIR",
                       os.path.join(ROOT, "tests", "data", "text", "minilm")))
    texts = corpus()
    best = None
    ids = 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        ids = sum(len(tok.encode(t)) for t in texts)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print("python reference: %d texts in %.3f s = %.0f texts/s (ids: %d)" %
          (len(texts), best, len(texts) / best, ids))


if __name__ == "__main__":
    main()
