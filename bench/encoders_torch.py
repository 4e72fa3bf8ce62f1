#!/usr/bin/python3
"""PyTorch's side of bench/encoders.cpp: the three Object2Vec encoders (pooled_embedding, hcnn,
bilstm) as nn.Modules of the architecture in docs/guide/encoders.md, timed on the same batches.

The modules are tests/golden/object2vec_reference.py's (the reference the golden fixtures are
written with) when it can be imported; otherwise the same architecture written out below
(LocalEncoder, LocalHead). Same shapes as the C++ benchmark: 32 sequences of 50 tokens, token
k (row-major) = splitmix64(k) % 20000, token width 300, enc_dim 512; the variable-length batch
keeps the first 10 + splitmix64(2^32 + b) % 41 tokens of sequence b. Timed: the module's
forward from the padded id tensor and the lengths (eval(), no_grad, torch.set_num_threads(N)).
Prints one JSON object per benchmark (seconds per batch, items_per_second = sequences/s; the
median over --repetitions), after a first line {"context": ...}. Run with Debian's interpreter,
which has python3-torch:

    /usr/bin/python3 bench/encoders_torch.py --threads 2 --filter 'encode/hcnn'
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BATCH, LENGTH, VOCAB, TOKEN_DIM, ENC_DIM = 32, 50, 20000, 300, 512

# The configurations of bench/encoders.cpp, in its order: (name, network, layers, varlen).
ENCODE = [
    ("encode/pooled_embedding/layers:1/len50", "pooled_embedding", 1, False),
    ("encode/pooled_embedding/layers:1/varlen", "pooled_embedding", 1, True),
    ("encode/hcnn/layers:1/len50", "hcnn", 1, False),
    ("encode/hcnn/layers:1/varlen", "hcnn", 1, True),
    ("encode/hcnn/layers:2/len50", "hcnn", 2, False),
    ("encode/bilstm/layers:1/len50", "bilstm", 1, False),
    ("encode/bilstm/layers:1/varlen", "bilstm", 1, True),
    ("encode/bilstm/layers:2/len50", "bilstm", 2, False),
]
PREDICT = [("predict/hcnn/layers:1/len50", "hcnn", 1)]


def splitmix64(k):
    with np.errstate(over="ignore"):
        x = np.asarray(k, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def make_batch(first, varlen):
    """(ids [B, L] int64, 0 at padding; lengths [B] int64): bench/encoders.cpp's make_batch."""
    k = first + np.arange(BATCH * LENGTH, dtype=np.uint64)
    ids = (splitmix64(k) % np.uint64(VOCAB)).astype(np.int64).reshape(BATCH, LENGTH)
    if varlen:
        lengths = (10 + splitmix64((1 << 32) + np.arange(BATCH, dtype=np.uint64)) % np.uint64(41)).astype(np.int64)
    else:
        lengths = np.full(BATCH, LENGTH, dtype=np.int64)
    width = int(lengths.max())
    ids = ids[:, :width].copy()
    ids[np.arange(width)[None, :] >= lengths[:, None]] = 0
    return torch.from_numpy(ids), torch.from_numpy(lengths)


def config(network, layers):
    return {"enc0_network": network, "enc0_max_seq_len": str(LENGTH), "enc0_vocab_size": str(VOCAB),
            "enc0_token_embedding_dim": str(TOKEN_DIM), "enc0_layers": str(layers), "enc_dim": str(ENC_DIM)}


# ---------------------------------------------------------------------------------------------
# The architecture written out (used when the reference cannot be imported): the guide's
# "Architecture" section, encoder by encoder.
# ---------------------------------------------------------------------------------------------

class LocalEncoder(nn.Module):
    def __init__(self, network, layers, E=TOKEN_DIM, D=ENC_DIM, vocab=VOCAB, width=3):
        super().__init__()
        self.network, self.enc_dim = network, D
        self.embedding = nn.Embedding(vocab, E)
        if network == "pooled_embedding":
            self.proj = nn.Linear(E, D) if E != D else None
        elif network == "hcnn":
            self.convs = nn.ModuleList(nn.Conv1d(E if k == 0 else D, D, width, padding="same", dilation=2 ** k)
                                       for k in range(layers))
        else:
            self.hidden = (D + 1) // 2
            self.lstm = nn.LSTM(E, self.hidden, num_layers=layers, bidirectional=True, batch_first=True)
            self.proj = nn.Linear(2 * self.hidden, D)

    def forward(self, table, ids, lengths):
        L = ids.shape[1]
        mask = torch.arange(L).unsqueeze(0) < lengths.unsqueeze(1)
        x = F.embedding(ids, table) * mask.unsqueeze(2).to(table.dtype)
        if self.network == "pooled_embedding":
            pooled = x.sum(1) / lengths.clamp(min=1).unsqueeze(1).to(x.dtype)
            return self.proj(pooled) if self.proj is not None else pooled
        if self.network == "hcnn":
            keep = mask.unsqueeze(1).to(x.dtype)
            h = x.transpose(1, 2)
            for conv in self.convs:
                h = torch.relu(conv(h)) * keep
            return h.masked_fill(~mask.unsqueeze(1), 0.0).max(dim=2).values  # ReLU outputs are >= 0
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        return self.proj(torch.cat([h_n[-2], h_n[-1]], dim=1))


class LocalModel(nn.Module):
    """Two encoders, the default comparator (hadamard, concat, abs_diff), 2 linear MLP layers
    of 512, softmax over 2 classes: the head of the guide's defaults."""

    def __init__(self, network, layers):
        super().__init__()
        self.enc0, self.enc1 = LocalEncoder(network, layers), LocalEncoder(network, layers)
        C = 4 * ENC_DIM
        self.mlp = nn.ModuleList([nn.Linear(C, 512), nn.Linear(512, 512)])
        self.output = nn.Linear(512, 2)

    def table(self, i):
        return (self.enc0 if i == 0 else self.enc1).embedding.weight

    def head(self, u, v):
        h = torch.cat([u * v, u, v, (u - v).abs()], dim=1)
        for layer in self.mlp:
            h = layer(h)
        return torch.softmax(self.output(h), dim=1)


def load_reference():
    """tests/golden/object2vec_reference.py when it imports and has what is used here, else None."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "golden"))
    try:
        import object2vec_reference as ref
        # A small model of each network, called as run() calls the real ones.
        ids, lengths = torch.tensor([[3, 1, 4], [1, 5, 0]]), torch.tensor([3, 2])
        for network in ("pooled_embedding", "hcnn", "bilstm"):
            m = ref.Object2Vec(ref.Hyperparameters({"enc0_network": network, "enc0_max_seq_len": "3",
                                                    "enc0_vocab_size": "6", "enc0_token_embedding_dim": "4",
                                                    "enc_dim": "6", "mlp_dim": "8"})).eval()
            with torch.no_grad():
                u, v = m.enc0(m.table(0), ids, lengths), m.enc1(m.table(1), ids, lengths)
                assert u.shape == (2, 6) and m.head(u, v).shape == (2, 2)
        return ref
    except Exception as e:  # an absent or unfinished reference: the local modules stand in
        print(json.dumps({"note": f"reference not usable ({type(e).__name__}: {e}); using the local modules"}),
              file=sys.stderr)
        return None
    finally:
        sys.path.pop(0)


def build(ref, network, layers):
    """A model whose enc0 / enc1 are called as enc(table, ids, lengths) and whose head(u, v)
    gives the scores."""
    if ref is not None:
        return ref.Object2Vec(ref.Hyperparameters(config(network, layers))).eval()
    return LocalModel(network, layers).eval()


def loaded_blas():
    """The BLAS library this process has mapped (Debian's PyTorch links libblas.so.3, which
    the system's alternatives, or LD_LIBRARY_PATH, point at netlib's, OpenBLAS's, ...)."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/lib(open)?blas[^/]*\.so", path):
                paths.add(os.path.realpath(path))
    names = []
    for path in sorted(paths):
        kind = "OpenBLAS" if "openblas" in path else "netlib reference BLAS" if "/blas/" in path else "BLAS"
        names.append(f"{kind} ({os.path.basename(path)})")
    # OpenBLAS's libblas.so.3 is a thin front of libopenblas*.so: name the library doing the work.
    return "; ".join(n for n in names if "OpenBLAS (libblas" not in n) or "none found"


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    ap.add_argument("--filter", default=".", help="regular expression on the benchmark names")
    ap.add_argument("--local", action="store_true", help="use the modules written out here, not the reference")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    ref = None if args.local else load_reference()
    print(json.dumps({"context": {"torch": torch.__version__, "threads": torch.get_num_threads(),
                                  "modules": "tests/golden/object2vec_reference.py" if ref else "bench/encoders_torch.py",
                                  "mkldnn": torch.backends.mkldnn.is_available(), "blas": loaded_blas()}}),
          flush=True)

    models = {}

    def model(network, layers):
        if (network, layers) not in models:
            models[(network, layers)] = build(ref, network, layers)
        return models[(network, layers)]

    def report(name, fn):
        reps = [time_one(fn, args.min_time) for _ in range(args.repetitions)]
        t = statistics.median(reps)
        print(json.dumps({"name": name, "seconds": t, "items_per_second": BATCH / t,
                          "repetitions": [BATCH / r for r in reps]}), flush=True)

    pattern = re.compile(args.filter)
    for name, network, layers, varlen in ENCODE:
        if not pattern.search(name):
            continue
        m = model(network, layers)
        ids, lengths = make_batch(0, varlen)
        table = m.table(0)
        report(name, lambda: m.enc0(table, ids, lengths))
    for name, network, layers in PREDICT:
        if not pattern.search(name):
            continue
        m = model(network, layers)
        ids0, len0 = make_batch(0, False)
        ids1, len1 = make_batch(BATCH * LENGTH, False)
        t0, t1 = m.table(0), m.table(1)
        report(name, lambda: m.head(m.enc0(t0, ids0, len0), m.enc1(t1, ids1, len1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
