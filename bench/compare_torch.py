#!/usr/bin/python3
"""Runs bench_embedding_bag and PyTorch's embedding_bag on identical workloads, in one run,
and writes docs/performance.md (tables) and docs/img/embedding_bag.png (plot).

    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release --target bench_embedding_bag
    /usr/bin/python3 bench/compare_torch.py [--quick]

Needs Debian's python3-torch, python3-numpy and python3-matplotlib (all for /usr/bin/python3).
The "Reading these numbers" section of docs/performance.md is written by hand for a given run:
rewriting the report drops it.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run_ours(binary, args):
    reps = str(args.repetitions)
    out_file = os.path.join(os.path.dirname(args.out), "..", "build", "bench_embedding_bag.json")
    out_file = os.path.abspath(out_file)
    os.makedirs(os.path.dirname(out_file), exist_ok=True)
    sh([binary, f"--benchmark_out={out_file}", "--benchmark_out_format=json",
        f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true",
        f"--benchmark_min_time={args.min_time}", f"--benchmark_filter={args.filter}"],
       env=dict(os.environ, EMBEDKIT_BENCH_ROWS=str(args.rows)))
    with open(out_file) as f:
        data = json.load(f)
    res = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = re.sub(r"/manual_time.*$", "", b["run_name"])
        res[name] = {"GB/s": b["GB/s"], "bw_ratio": b["bw_ratio"], "Mlookups/s": b["Mlookups/s"],
                     "seq": b["seq_GB/s"]}
    return res


def run_torch(args, types, threads):
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "embedding_bag_torch.py"), "--rows", str(args.rows),
           "--types", *types, "--dims", *map(str, args.dims), "--lens", *map(str, args.lens),
           "--threads", *map(str, threads), "--repetitions", str(args.repetitions),
           "--min-time", str(args.min_time), "--padding"]
    res = {}
    for line in sh(cmd).splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            res[r["name"]] = r
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "release", "bench", "bench_embedding_bag"))
    ap.add_argument("--rows", type=int, default=1 << 22)
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--quick", action="store_true", help="fp32 and q8 only, dims 32 and 128, length 20")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    args = ap.parse_args()
    threads = sorted({1, os.cpu_count()})
    if args.quick:
        args.dims, args.lens, types = [32, 128], [20], ["fp32", "q8"]
    else:
        args.dims, args.lens, types = [32, 64, 128, 256], [1, 20, 100], ["fp32", "fp16", "bf16", "q8", "q4", "fp64"]
    dims = "|".join(map(str, args.dims))
    lens = "|".join(map(str, args.lens))
    args.filter = f"bag/({'|'.join(types)})/.*/dim:({dims})/len:({lens})/"

    ours = run_ours(args.binary, args)
    torch_types = [t for t in types if t != "bf16"]  # torch 1.13 has no bfloat16 embedding_bag on the cpu
    theirs = run_torch(args, torch_types, threads)

    rows = []
    unchecked = {}
    for name, r in sorted(ours.items()):
        m = re.match(r"bag/(\w+)/(\w+)(/padding|/into|/unchecked)?/dim:(\d+)/len:(\d+)/threads:(\d+)", name)
        kind, mode, variant, dim, length, t = m.group(1), m.group(2), (m.group(3) or "/")[1:], int(m.group(4)), int(m.group(5)), int(m.group(6))
        padded = variant == "padding"
        into = variant == "into"
        if variant == "unchecked":
            unchecked[(kind, dim, length, t)] = r["GB/s"]
            continue
        peer = theirs.get(re.sub("/into", "", name))
        rows.append(dict(name=name, kind=kind, mode=mode, padded=padded, into=into, dim=dim, len=length, threads=t,
                         gbps=r["GB/s"], ratio=r["bw_ratio"], mlps=r["Mlookups/s"], seq=r["seq"],
                         torch=peer["GB/s"] if peer else None))
    write_report(args, rows, threads, unchecked)
    return 0


def fmt(x, p=2):
    return "—" if x is None else f"{x:.{p}f}"


def write_report(args, rows, threads, unchecked):
    all_t = max(threads)
    seq = {r["threads"]: r["seq"] for r in rows}
    lines = []
    w = lines.append
    w("# Performance")
    w("")
    w(f"Measured {datetime.date.today().isoformat()} on {cpu_model()}, {os.cpu_count()} cores, "
      f"table {args.rows:,} rows, median of {args.repetitions} repetitions.")
    w("Sequential read bandwidth of this machine, measured in the same run (a 1 GiB buffer): " +
      ", ".join(f"{seq[t]:.1f} GB/s with {t} thread{'s' if t > 1 else ''}" for t in sorted(seq)) + ".")
    w("")
    w("Produced by:")
    w("")
    w("```sh")
    w("cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release --target bench_embedding_bag")
    w("/usr/bin/python3 bench/compare_torch.py" + (" --quick" if args.quick else ""))
    w("```")
    w("")
    w("`bench_embedding_bag` (Google Benchmark) and `bench/embedding_bag_torch.py` "
      "(`torch.nn.functional.embedding_bag`, Debian's PyTorch 1.13; `torch.ops.quantized.embedding_bag_byte/4bit_rowwise_offsets` for q8/q4) "
      "run one after the other in that script, on the same table shape, the same index sequence "
      "(uniform random rows) and the same thread count. GB/s counts the table rows read; "
      "*of bw* is that divided by the sequential read bandwidth at the same thread count.")
    w("")
    w("![EmbeddingBag throughput](img/embedding_bag.png)")
    w("")
    key = {(r["kind"], r["mode"], r["padded"], r["into"], r["dim"], r["len"], r["threads"]): r for r in rows}

    def get(kind, mode, dim, length, t, padded=False, into=False):
        return key.get((kind, mode, padded, into, dim, length, t))

    w("## Targets (fp32, bag length 20, all threads)")
    w("")
    w("| check | measured | target |")
    w("|---|---|---|")
    for dim, target in ((128, 0.62), (32, 0.50)):
        r = get("fp32", "sum", dim, 20, all_t)
        ri = get("fp32", "sum", dim, 20, all_t, into=True)
        if r:
            w(f"| dim {dim}, sum (forward, allocating its output): fraction of sequential bandwidth | {r['ratio']:.2f} | >= {target} |")
        if ri:
            w(f"| dim {dim}, sum (forward_into, preallocated output): fraction of sequential bandwidth | {ri['ratio']:.2f} | >= {target} |")
    for dim in args.dims:
        s = get("fp32", "sum", dim, 20, all_t)
        mx = get("fp32", "max", dim, 20, all_t)
        pd = get("fp32", "sum", dim, 20, all_t, True)
        if s and mx:
            w(f"| dim {dim}: max vs sum (time) | {s['gbps'] / mx['gbps']:.2f}x | <= 1.10x |")
        if s and pd:
            w(f"| dim {dim}: sum with padding_idx vs sum (time) | {s['gbps'] / pd['gbps']:.2f}x | <= 1.10x |")
        ri = get("fp32", "sum", dim, 20, all_t, into=True)
        u = unchecked.get(("fp32", dim, 20, all_t))
        if ri and u:
            w(f"| dim {dim}: cost of checking every index (forward_into vs unchecked kernel) | {u / ri['gbps'] - 1:+.1%} | a few percent |")
        q = get("q8", "sum", dim, 20, all_t)
        if s and q:
            w(f"| dim {dim}: q8 lookups/s vs fp32 | {q['mlps'] / s['mlps']:.2f}x | >= 2.5x |")
        for mode, target in (("sum", 2), ("mean", 2), ("max", 10)):
            r = get("fp32", mode, dim, 20, all_t)
            if r and r["torch"]:
                w(f"| dim {dim}, {mode}: vs PyTorch | {r['gbps'] / r['torch']:.2f}x | >= {target}x |")
    w("")
    w("## All results")
    w("")
    w("| storage | mode | dim | bag | threads | GB/s | of bw | Mlookups/s | PyTorch GB/s | speedup |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    order = {"fp32": 0, "fp16": 1, "bf16": 2, "q8": 3, "q4": 4, "fp64": 5}
    for r in sorted(rows, key=lambda r: (order.get(r["kind"], 9), r["mode"], r["padded"], r["into"], r["dim"], r["len"], r["threads"])):
        sp = r["gbps"] / r["torch"] if r["torch"] and not r["into"] else None
        w(f"| {r['kind']} | {r['mode']}{' + padding' if r['padded'] else ''}{' (into)' if r['into'] else ''} | {r['dim']} | {r['len']} | {r['threads']} | "
          f"{r['gbps']:.2f} | {r['ratio']:.2f} | {r['mlps']:.1f} | {fmt(r['torch'])} | {fmt(sp)}{'x' if sp else ''} |")
    w("")
    # The sections other scripts write between their markers (the GPU's,
    # bench/compare_torch_cuda.py; the encoders', bench/compare_encoders.py) are kept as they were.
    kept = []
    if os.path.exists(args.out):
        old = open(args.out).read()
        for name in ("gpu", "encoders"):
            begin, end = old.find(f"<!-- {name}:begin -->"), old.find(f"<!-- {name}:end -->")
            if 0 <= begin < end:
                kept.append(old[begin:end + len(f"<!-- {name}:end -->")] + "\n")
    os.makedirs(os.path.join(os.path.dirname(args.out), "img"), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
        for section in kept:
            f.write("\n" + section)
    plot(rows, all_t, os.path.join(os.path.dirname(args.out), "img", "embedding_bag.png"))


def plot(rows, all_t, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sel = [r for r in rows if r["kind"] == "fp32" and r["len"] == 20 and r["threads"] == all_t and not r["padded"] and not r["into"]]
    labels = [f"{r['mode']}\ndim {r['dim']}" for r in sorted(sel, key=lambda r: (r["mode"], r["dim"]))]
    sel = sorted(sel, key=lambda r: (r["mode"], r["dim"]))
    fig, ax = plt.subplots(figsize=(max(6, len(sel) * 0.8), 4))
    xs = range(len(sel))
    ax.bar([x - 0.2 for x in xs], [r["gbps"] for r in sel], width=0.4, label="embedkit")
    ax.bar([x + 0.2 for x in xs], [r["torch"] or 0 for r in sel], width=0.4, label="PyTorch 1.13")
    if sel:
        ax.axhline(sel[0]["seq"], color="gray", linestyle="--", label="sequential read bandwidth")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("GB/s of rows read")
    ax.set_title(f"EmbeddingBag fp32, bag length 20, {all_t} threads")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
