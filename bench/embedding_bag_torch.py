#!/usr/bin/python3
"""PyTorch's torch.nn.functional.embedding_bag on the workload of bench/embedding_bag.cpp.

Same table shape, the same index sequence (splitmix64(k) % rows), the same bags and thread
count; prints one JSON object per configuration with the median over repetitions.
Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 bench/embedding_bag_torch.py --types fp32 --threads 1 2
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(k):
    with np.errstate(over="ignore"):
        x = k.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def row_bytes(kind, dim):
    return {"fp32": 4 * dim, "fp16": 2 * dim, "fp64": 8 * dim, "q8": dim + 8, "q4": (dim + 1) // 2 + 4}[kind]


def lookups_for(rb):
    return max(1 << 16, (256 << 20) // rb)


def random_table(rows, dim):
    # Same values as the C++ bench (not that the values matter for speed).
    i = np.arange(rows * dim, dtype=np.uint64)
    v = (splitmix64(i) >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24) - np.float32(0.5)
    return torch.from_numpy(v.reshape(rows, dim))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=int(os.environ.get("EMBEDKIT_BENCH_ROWS", 1 << 22)))
    ap.add_argument("--types", nargs="+", default=["fp32"])
    ap.add_argument("--modes", nargs="+", default=["sum", "mean", "max"])
    ap.add_argument("--dims", nargs="+", type=int, default=[32, 64, 128, 256])
    ap.add_argument("--lens", nargs="+", type=int, default=[1, 20, 100])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, os.cpu_count()])
    ap.add_argument("--padding", action="store_true", help="also padding_idx=0 at bag length 20")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    args = ap.parse_args()

    torch.set_grad_enabled(False)
    for kind in args.types:
        for dim in args.dims:
            base = random_table(args.rows, dim)
            if kind == "fp16":
                table = base.half()
            elif kind == "fp64":
                table = base.double()
            elif kind == "q8":
                table = torch.ops.quantized.embedding_bag_byte_prepack(base)
            elif kind == "q4":
                table = torch.ops.quantized.embedding_bag_4bit_prepack(base)
            else:
                table = base
            del base
            for mode in args.modes:
                if kind in ("q8", "q4") and mode != "sum":
                    continue  # torch's quantized embedding_bag computes sums only
                for padded in ([False, True] if args.padding else [False]):
                    for length in args.lens:
                        if padded and length != 20:
                            continue
                        rb = row_bytes(kind, dim)
                        bags = max(1, lookups_for(rb) // length)
                        n = bags * length
                        idx = torch.from_numpy((splitmix64(np.arange(n, dtype=np.uint64)) % np.uint64(args.rows)).astype(np.int64))
                        off = torch.arange(bags, dtype=torch.int64) * length
                        if kind == "q8":
                            run = lambda: torch.ops.quantized.embedding_bag_byte_rowwise_offsets(
                                table, idx, off, False, 0, False, None, None, False)
                        elif kind == "q4":
                            run = lambda: torch.ops.quantized.embedding_bag_4bit_rowwise_offsets(
                                table, idx, off, False, 0, False, None, None, False)
                        else:
                            pad = 0 if padded else None
                            run = lambda: F.embedding_bag(idx, table, off, mode=mode, padding_idx=pad)
                        for threads in args.threads:
                            torch.set_num_threads(threads)
                            run()  # warm up
                            reps = []
                            for _ in range(args.repetitions):
                                count, start = 0, time.perf_counter()
                                while True:
                                    run()
                                    count += 1
                                    elapsed = time.perf_counter() - start
                                    if elapsed >= args.min_time:
                                        break
                                reps.append(elapsed / count)
                            t = statistics.median(reps)
                            name = f"bag/{kind}/{mode}{'/padding' if padded else ''}/dim:{dim}/len:{length}/threads:{threads}"
                            print(json.dumps({"name": name, "seconds": t, "GB/s": n * rb / t * 1e-9,
                                              "Mlookups/s": n / t * 1e-6}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
