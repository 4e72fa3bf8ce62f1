#!/usr/bin/env python3
"""Generate the word2vec fixtures under tests/data/word2vec/ with gensim.

Run with Debian's system interpreter (python3-gensim 4.2, numpy):

    /usr/bin/python3 tests/golden/make_word2vec_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_word2vec_fixtures.py --check   # compare, write nothing

Inputs and outputs (the C++ tests read only the committed files):

- vectors.txt: not generated here (an input, read from tests/data/word2vec/ even with
  --out). The npm package word2vec@1.1.5 ships it as examples/fixtures/vectors.txt
  (2631 words x 200, written by word2vec.c; see NOTICE).
- vectors.gensim.txt: gensim's answers on vectors.txt, one per line, tab-separated:
      most_similar <TAB> word <TAB> k <TAB> w1 s1 w2 s2 ...
      analogy <TAB> positive words <TAB> negative words <TAB> k <TAB> w1 s1 ...
      similarity <TAB> a <TAB> b <TAB> value
  Scores are float64 repr() of what gensim returns.
- small.gensim.bin / small.gensim.txt: a 40 x 7 table of random float32 (fixed seed) with
  ASCII and UTF-8 words, written by gensim's KeyedVectors.save_word2vec_format with
  binary=True and binary=False.
- small.w2vc.bin: the same table written by this script exactly as word2vec.c's
  save step does it: fprintf("%lld %lld\\n"), then per word fprintf("%s ", word),
  fwrite of the float32 values, fprintf("\\n").
"""

import os
import struct
import sys

import numpy as np
from gensim.models import KeyedVectors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402

NEIGHBOUR_QUERIES = ["the", "king", "Hamlet", "Ham.", "love", "death", "mother", "night",
                     "good", "father", "heaven", "I"]
ANALOGIES = [(["king", "woman"], ["man"]), (["Hamlet", "mother"], ["father"]),
             (["good", "night"], []), (["love"], ["death"]), (["heaven", "earth"], ["hell"])]
SIMILARITIES = [("king", "queen"), ("love", "heart"), ("King", "Queen"), ("the", "and"), ("Hamlet", "Ham.")]
TOPN = 10


def fmt(pairs):
    return " ".join(f"{w} {float(s)!r}" for w, s in pairs)


def golden_queries():
    kv = KeyedVectors.load_word2vec_format(fixtures.data_path("word2vec", "vectors.txt"),
                                           binary=False)
    lines = ["# gensim " + __import__("gensim").__version__ + " answers on vectors.txt "
             "(tests/golden/make_word2vec_fixtures.py)"]
    for w in NEIGHBOUR_QUERIES:
        lines.append(f"most_similar\t{w}\t{TOPN}\t{fmt(kv.most_similar(w, topn=TOPN))}")
    for pos, neg in ANALOGIES:
        res = kv.most_similar(positive=pos, negative=neg, topn=TOPN)
        lines.append(f"analogy\t{' '.join(pos)}\t{' '.join(neg)}\t{TOPN}\t{fmt(res)}")
    for a, b in SIMILARITIES:
        lines.append(f"similarity\t{a}\t{b}\t{float(kv.similarity(a, b))!r}")
    with open(fixtures.out_path("word2vec", "vectors.gensim.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def small_table():
    rng = np.random.default_rng(20240517)
    words = ["w%d" % i for i in range(30)] + ["café", "naïve", "日本", "Zürich", "über",
                                              "emoji\U0001F600", "a.b", "x,y", "</s>", "UPPER"]
    vectors = rng.standard_normal((len(words), 7)).astype(np.float32)
    vectors[5] = 0.0  # a zero row
    vectors[6, 0] = np.float32(1e-40)  # a subnormal
    vectors[7, 1] = np.float32(3.0e38)
    return words, vectors


def gensim_files(words, vectors):
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors)
    kv.save_word2vec_format(fixtures.out_path("word2vec", "small.gensim.bin"), binary=True)
    kv.save_word2vec_format(fixtures.out_path("word2vec", "small.gensim.txt"), binary=False)


def word2vec_c_file(words, vectors):
    with open(fixtures.out_path("word2vec", "small.w2vc.bin"), "wb") as f:
        f.write(b"%d %d\n" % vectors.shape)
        for w, row in zip(words, vectors):
            f.write(w.encode("utf-8") + b" ")
            f.write(struct.pack("<%df" % len(row), *row))
            f.write(b"\n")


def generate():
    golden_queries()
    words, vectors = small_table()
    gensim_files(words, vectors)
    word2vec_c_file(words, vectors)
    print("word2vec/: vectors.gensim.txt, small.gensim.bin, small.gensim.txt, small.w2vc.bin")


if __name__ == "__main__":
    sys.exit(fixtures.main(generate, __doc__))
