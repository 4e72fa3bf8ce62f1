"""gensim_readback.py <source> <written text> <written binary>: gensim must read both files
embedkit wrote as exactly the table it reads from the source (same keys in the same order,
bit-identical float32 values)."""
import sys

import numpy as np
from gensim.models import KeyedVectors

source, text, binary = sys.argv[1:4]
want = KeyedVectors.load_word2vec_format(source, binary=not source.endswith(".txt"))
for path, is_binary in ((text, False), (binary, True)):
    got = KeyedVectors.load_word2vec_format(path, binary=is_binary)
    assert got.index_to_key == want.index_to_key, f"{path}: keys differ"
    assert got.vectors.dtype == np.float32
    same = got.vectors.view(np.uint32) == want.vectors.view(np.uint32)
    assert same.all(), f"{path}: {np.count_nonzero(~same)} values differ"
    print(f"gensim reads {path}: {len(got)} x {got.vector_size}, identical")
