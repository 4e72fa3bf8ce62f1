#!/usr/bin/env python3
"""PyTorch's torch.nn.functional.embedding_bag on the GPU, on the workload of
bench/embedding_bag_cuda.cu.

Same table shape and values (splitmix64(i), built on the GPU), the same index sequence
(splitmix64(k) % rows), the same bags; prints one JSON object per line per configuration with
the median over repetitions, as bench/embedding_bag_torch.py does for the cpu. q8 and q4 use
torch.ops.quantized.embedding_bag_byte/4bit_rowwise_offsets (tables packed by the prepack ops)
when that torch runs them on CUDA; otherwise a {"name": ..., "skipped": reason} line stands
for them. Backward: torch.autograd.grad of embedding_bag's output against a dense fp32 table.

Timing: torch.cuda.Event around a batch of back-to-back calls (as a training loop queues
them), at least --min-time seconds per repetition; "seconds" is the median per-call time.

Needs a python with a CUDA build of torch (not necessarily Debian's /usr/bin/python3):

    python3 bench/embedding_bag_cuda_torch.py --types fp32 --dims 128 --lens 20 --backward
"""
import argparse
import json
import math
import os
import statistics
import sys

import torch
import torch.nn.functional as F

KINDS = ["fp32", "fp16", "bf16", "q8", "q4"]
MODES = ["sum", "mean", "max"]


def signed64(c):
    return c - (1 << 64) if c >= 1 << 63 else c


C0 = signed64(0x9E3779B97F4A7C15)
C1 = signed64(0xBF58476D1CE4E5B9)
C2 = signed64(0x94D049BB133111EB)


def shr(x, s):
    """Logical right shift of int64 tensors holding uint64 bit patterns."""
    return (x >> s) & ((1 << (64 - s)) - 1)


def splitmix64(k):
    """splitmix64 of an int64 tensor (uint64 bit patterns, arithmetic modulo 2**64)."""
    x = k + C0
    x = (x ^ shr(x, 30)) * C1
    x = (x ^ shr(x, 27)) * C2
    return x ^ shr(x, 31)


def umod(x, m):
    """(x as uint64) % m for an int64 tensor x and 0 < m < 2**62."""
    return (shr(x, 1) % m * 2 + (x & 1)) % m


def values(first, count, device):
    """Table elements first .. first + count - 1: the C++ bench's table_value(i)."""
    i = torch.arange(first, first + count, dtype=torch.int64, device=device)
    return shr(splitmix64(i), 40).to(torch.float32) * (2.0 ** -24) - 0.5


def row_bytes(kind, dim):
    return {"fp32": 4 * dim, "fp16": 2 * dim, "bf16": 2 * dim, "q8": dim + 8, "q4": (dim + 1) // 2 + 4}[kind]


def prepack(kind):
    ops = torch.ops.quantized
    return ops.embedding_bag_byte_prepack if kind == "q8" else ops.embedding_bag_4bit_prepack


def lookup_op(kind):
    ops = torch.ops.quantized
    return ops.embedding_bag_byte_rowwise_offsets if kind == "q8" else ops.embedding_bag_4bit_rowwise_offsets


def make_table(kind, rows, dim, device):
    """The [rows, dim] table in the storage `kind`, built a slice of rows at a time."""
    slice_rows = max(1, (64 << 20) // dim)
    if kind in ("q8", "q4"):
        table = torch.empty((rows, row_bytes(kind, dim)), dtype=torch.uint8, device=device)
    else:
        dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[kind]
        table = torch.empty((rows, dim), dtype=dtype, device=device)
    for r0 in range(0, rows, slice_rows):
        nr = min(slice_rows, rows - r0)
        w = values(r0 * dim, nr * dim, device).reshape(nr, dim)
        if kind in ("q8", "q4"):
            table[r0:r0 + nr].copy_(prepack(kind)(w.cpu()))  # the prepack ops run on the cpu
        else:
            table[r0:r0 + nr].copy_(w)
    return table


def make_input(rows, bags, length, device):
    n = bags * length
    idx = umod(splitmix64(torch.arange(n, dtype=torch.int64, device=device)), rows)
    off = torch.arange(bags, dtype=torch.int64, device=device) * length
    return idx, off


def time_call(run, repetitions, min_time):
    """Median seconds per call of `run`, from cuda events around batches of calls."""
    run()  # warm-up
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    run()
    end.record()
    end.synchronize()
    once = max(start.elapsed_time(end) * 1e-3, 1e-6)
    calls = max(1, math.ceil(min_time / once))
    reps = []
    for _ in range(repetitions):
        start.record()
        for _ in range(calls):
            run()
        end.record()
        end.synchronize()
        reps.append(start.elapsed_time(end) * 1e-3 / calls)
    return statistics.median(reps)


def copy_gbps(device, repetitions=10):
    """Device-to-device copy of 1 GiB, counting read + write: 2 * bytes / time."""
    n = 1 << 30
    src = torch.ones(n, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    t = time_call(lambda: dst.copy_(src), repetitions, 0.0)
    del src, dst
    torch.cuda.empty_cache()
    return 2 * n / t * 1e-9


def emit(obj):
    print(json.dumps(obj), flush=True)


def quantized_on_cuda(kind, device):
    """None when torch runs the quantized embedding_bag of `kind` on CUDA, else the reason."""
    try:
        packed = prepack(kind)(torch.rand(16, 32)).to(device)
        idx = torch.tensor([1, 2, 3, 4], dtype=torch.int64, device=device)
        off = torch.tensor([0, 2], dtype=torch.int64, device=device)
        out = lookup_op(kind)(packed, idx, off, False, 0, False, None, None, False)
        torch.cuda.synchronize()
        if out.device.type != "cuda":
            return f"torch {torch.__version__} computed it on {out.device.type}"
        return None
    except Exception as e:  # NotImplementedError, RuntimeError: no CUDA kernel for the op
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return f"torch {torch.__version__}: {first[:200]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=int(os.environ.get("EMBEDKIT_BENCH_ROWS", 1 << 23)))
    ap.add_argument("--call-mib", type=int, default=int(os.environ.get("EMBEDKIT_BENCH_CALL_MIB", 1024)),
                    help="MiB of table rows looked up per call (at least 65536 lookups)")
    ap.add_argument("--types", nargs="+", default=KINDS, choices=KINDS)
    ap.add_argument("--modes", nargs="+", default=MODES, choices=MODES)
    ap.add_argument("--dims", nargs="+", type=int, default=[32, 64, 128, 256])
    ap.add_argument("--lens", nargs="+", type=int, default=[1, 20, 100])
    ap.add_argument("--padding", action="store_true", help="also padding_idx=0 at bag length 20")
    ap.add_argument("--backward", action="store_true",
                    help="also the dense fp32 backward (sum, mean; dim 128, length 20)")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args()

    if not torch.cuda.is_available():
        print(f"embedding_bag_cuda_torch.py: torch {torch.__version__} at {sys.executable} sees no CUDA GPU",
              file=sys.stderr)
        return 2
    device = torch.device(args.device)
    torch.cuda.set_device(device)
    emit({"name": "meta", "gpu": torch.cuda.get_device_name(device), "torch": torch.__version__,
          "cuda": torch.version.cuda, "python": sys.executable, "copy_GB/s": copy_gbps(device)})

    call_bytes = args.call_mib << 20
    torch.set_grad_enabled(False)
    for kind in args.types:
        if kind in ("q8", "q4"):
            reason = quantized_on_cuda(kind, device)
            if reason:
                emit({"name": f"bag/{kind}/sum", "skipped": f"no CUDA kernel for the quantized embedding_bag ({reason})"})
                continue
        for dim in args.dims:
            table = make_table(kind, args.rows, dim, device)
            rb = row_bytes(kind, dim)
            for mode in args.modes:
                if kind in ("q8", "q4") and mode != "sum":
                    continue  # torch's quantized embedding_bag computes sums only
                for padded in ([False, True] if args.padding else [False]):
                    for length in args.lens:
                        if padded and length != 20:
                            continue
                        name = f"bag/{kind}/{mode}{'/padding' if padded else ''}/dim:{dim}/len:{length}"
                        if padded and kind in ("q8", "q4"):
                            continue  # no padding_idx in the quantized op
                        bags = max(1, max(1 << 16, call_bytes // rb) // length)
                        n = bags * length
                        idx, off = make_input(args.rows, bags, length, device)
                        if kind in ("q8", "q4"):
                            op = lookup_op(kind)
                            run = lambda: op(table, idx, off, False, 0, False, None, None, False)
                        else:
                            pad = 0 if padded else None
                            run = lambda: F.embedding_bag(idx, table, off, mode=mode, padding_idx=pad)
                        try:
                            t = time_call(run, args.repetitions, args.min_time)
                        except Exception as e:  # e.g. a dtype without a CUDA kernel in this torch
                            emit({"name": name, "skipped": f"torch {torch.__version__}: {str(e).strip()[:200]}"})
                            continue
                        finally:
                            del idx, off
                        emit({"name": name, "seconds": t, "GB/s": n * rb / t * 1e-9, "Mlookups/s": n / t * 1e-6})
            del table
            torch.cuda.empty_cache()

    if args.backward:
        dim, length = 128, 20
        rb = row_bytes("fp32", dim)
        weight = make_table("fp32", args.rows, dim, device).requires_grad_(True)
        bags = max(1, max(1 << 16, call_bytes // rb) // length)
        n = bags * length
        idx, off = make_input(args.rows, bags, length, device)
        # grad_output element i: the C++ bench's table_value(~i).
        k = torch.bitwise_not(torch.arange(bags * dim, dtype=torch.int64, device=device))
        grad_output = (shr(splitmix64(k), 40).to(torch.float32) * (2.0 ** -24) - 0.5).reshape(bags, dim)
        del k
        for mode in ("sum", "mean"):
            with torch.enable_grad():
                out = F.embedding_bag(idx, weight, off, mode=mode)
            run = lambda: torch.autograd.grad(out, weight, grad_output, retain_graph=True)
            t = time_call(run, args.repetitions, args.min_time)
            emit({"name": f"bag_backward/fp32/{mode}/dim:{dim}/len:{length}", "seconds": t,
                  "GB/s": n * rb / t * 1e-9, "Mlookups/s": n / t * 1e-6})
            del out, run
    return 0


if __name__ == "__main__":
    sys.exit(main())
