#!/usr/bin/env python3
"""Generate the fastText fixtures under tests/data/fasttext/.

    /usr/bin/python3 tests/golden/make_fasttext_fixtures.py           # rewrite in place
    /usr/bin/python3 tests/golden/make_fasttext_fixtures.py --check   # compare, write nothing

It needs the `fasttext` CLI (Debian's fasttext) on PATH, no Python package.

1. corpus.txt / labeled.txt: small synthetic corpora from a fixed-seed generator (plain
   sentences with ASCII and multi-byte UTF-8 words; the labeled one prefixes __label__ tags).
2. fastText itself trains the models (one thread, so the run is deterministic):
     tiny.bin / tiny.vec   skipgram -dim 10 -minCount 1 -epoch 5 -bucket 1000 -minn 2 -maxn 4
     sup.bin               supervised -dim 8 -minn 2 -maxn 3 -bucket 500 (labels + n-grams)
     sup.ftz               `fasttext quantize` of sup.bin (a quantized model: must be refused)
3. `fasttext print-word-vectors` gives the expected vectors of the words in queries.txt (known
   and unseen ones) for each model: tiny.words.txt, sup.words.txt.

The C++ tests read only the committed files. The io.fasttext_cli test (tests/io/fasttext_cli.sh,
registered in tests/io/pretrained_tests.cmake) repeats step 2 and 3 at test time with whatever
fasttext is installed.
"""

import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402

SUBJECTS = ["the cat", "a dog", "my neighbour", "the teacher", "our children", "the café owner",
            "a naïve student", "the señora", "the mayor of Zürich", "a fox", "the old sailor",
            "the programmer", "a small bird", "the königin", "the baker"]
VERBS = ["eats", "watches", "paints", "follows", "writes", "reads", "builds", "sings",
         "carries", "cooks", "loves", "finds", "sells", "opens", "counts"]
OBJECTS = ["bread", "a letter", "the river", "old books", "fresh fish", "the garden",
           "a crème brûlée", "the façade", "small stones", "an apple", "the morning news",
           "warm soup", "a strange map", "the jalapeño", "coloured glass", "the piñata"]
PLACES = ["in the kitchen", "near the harbour", "at the market", "under the bridge",
          "in Tōkyō", "at school", "before sunrise", "after dinner", "in the park",
          "beside the lake"]
LABELS = {"eats": "food", "cooks": "food", "sells": "trade", "counts": "trade",
          "paints": "art", "sings": "art", "writes": "art", "reads": "art"}

QUERIES = ["the", "cat", "bread", "café", "naïve", "</s>", "kitchen",
           # unseen words: n-grams only
           "cats", "breads", "cafés", "unseenword", "zebra", "Zürichs", "über", "x", "ab",
           "日本語", "crème", "brûlées", "kitchens", "harbours"]


def sentences(rng, n, labeled):
    out = []
    for _ in range(n):
        verb = rng.choice(VERBS)
        words = f"{rng.choice(SUBJECTS)} {verb} {rng.choice(OBJECTS)} {rng.choice(PLACES)} ."
        if labeled:
            words = f"__label__{LABELS.get(verb, 'other')} {words}"
        out.append(words)
    return "\n".join(out) + "\n"


def run(*args, stdin=None):
    return subprocess.run(args, input=stdin, check=True, capture_output=True, text=True).stdout


def generate():
    if shutil.which("fasttext") is None:
        sys.exit("fasttext not found (Debian: apt-get install fasttext)")
    out = os.path.dirname(fixtures.out_path("fasttext", "corpus.txt"))
    rng = random.Random(20240517)
    corpus = os.path.join(out, "corpus.txt")
    labeled = os.path.join(out, "labeled.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write(sentences(rng, 600, False))
    with open(labeled, "w", encoding="utf-8") as f:
        f.write(sentences(rng, 300, True))
    with open(os.path.join(out, "queries.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(QUERIES) + "\n")

    tiny = os.path.join(out, "tiny")
    run("fasttext", "skipgram", "-input", corpus, "-output", tiny, "-dim", "10", "-minCount", "1",
        "-epoch", "5", "-thread", "1", "-bucket", "1000", "-minn", "2", "-maxn", "4", "-verbose", "0")
    sup = os.path.join(out, "sup")
    run("fasttext", "supervised", "-input", labeled, "-output", sup, "-dim", "8", "-minCount", "1",
        "-epoch", "5", "-thread", "1", "-bucket", "500", "-minn", "2", "-maxn", "3", "-verbose", "0")
    run("fasttext", "quantize", "-input", labeled, "-output", sup, "-qnorm", "-cutoff", "300",
        "-retrain", "-epoch", "1", "-thread", "1", "-verbose", "0")
    os.remove(sup + ".vec")  # the supervised .vec is not used
    queries = "\n".join(QUERIES) + "\n"
    for name in ("tiny", "sup"):
        text = run("fasttext", "print-word-vectors", os.path.join(out, name + ".bin"), stdin=queries)
        with open(os.path.join(out, name + ".words.txt"), "w", encoding="utf-8") as f:
            f.write(text)
    print("fasttext/: corpus.txt, labeled.txt, queries.txt, tiny.bin/.vec/.words.txt, "
          "sup.bin/.ftz/.words.txt")


if __name__ == "__main__":
    sys.exit(fixtures.main(generate, __doc__))
