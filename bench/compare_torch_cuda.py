#!/usr/bin/python3
"""Runs bench_embedding_bag_cuda and PyTorch's embedding_bag on identical workloads on the same
GPU, one after the other in one invocation, and writes the GPU section of docs/performance.md
(between the <!-- gpu:begin --> and <!-- gpu:end --> markers, appended when absent; the rest
of the file is kept) and docs/img/embedding_bag_cuda.png.

    cmake -S . -B build/cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_ENABLE_CUDA=ON \\
          -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc -DEMBEDKIT_BUILD_BENCH=ON
    cmake --build build/cuda --target bench_embedding_bag_cuda
    /usr/bin/python3 bench/compare_torch_cuda.py --python /path/to/python-with-cuda-torch [--quick]

This script needs python3-matplotlib (Debian's /usr/bin/python3); the PyTorch side runs under
--python, an interpreter whose torch is a CUDA build (default: the one running this script).
--ours-json and --torch-json rewrite the section from saved results without running anything.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- gpu:begin -->", "<!-- gpu:end -->"
ORDER = {"fp32": 0, "fp16": 1, "bf16": 2, "q8": 3, "q4": 4}
MODES = ["sum", "mean", "max"]
NAME = re.compile(r"(bag|bag_backward)/(\w+)/(\w+)(/padding|/into|/deterministic|/atomic)?/dim:(\d+)/len:(\d+)$")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "cuda", "bench", "bench_embedding_bag_cuda"))
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with a CUDA build of torch for bench/embedding_bag_cuda_torch.py")
    ap.add_argument("--rows", type=int, default=1 << 23)
    ap.add_argument("--call-mib", type=int, default=1024, help="MiB of rows looked up per call")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per repetition")
    ap.add_argument("--quick", action="store_true",
                    help="fp32, fp16 and q8; dims 32 and 128; bag length 20; and the backward")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--results", default=os.path.join(ROOT, "build", "bench_cuda"),
                    help="folder for the raw results of both programs")
    ap.add_argument("--ours-json", help="Google Benchmark JSON of a previous run (skips running)")
    ap.add_argument("--torch-json", help="JSON lines of a previous torch run (skips running)")
    args = ap.parse_args(argv)
    if args.quick:
        args.types, args.dims, args.lens = ["fp32", "fp16", "q8"], [32, 128], [20]
    else:
        args.types, args.dims, args.lens = list(ORDER), [32, 64, 128, 256], [1, 20, 100]
    return args


def command_line(args):
    """The command that reproduces this run, as written into the report."""
    cmd = "/usr/bin/python3 bench/compare_torch_cuda.py --python PYTHON_WITH_CUDA_TORCH"
    if args.quick:
        cmd += " --quick"
    if args.rows != 1 << 23:
        cmd += f" --rows {args.rows}"
    if args.call_mib != 1024:
        cmd += f" --call-mib {args.call_mib}"
    return cmd


def run(cmd, env=None):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    p = subprocess.run(cmd, text=True, capture_output=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"{cmd[0]} failed with status {p.returncode}")
    return p.stdout


def run_ours(args, env):
    os.makedirs(args.results, exist_ok=True)
    out_file = os.path.join(args.results, "bench_embedding_bag_cuda.json")
    if os.path.exists(out_file):
        os.remove(out_file)
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} does not exist: build it first (see the top of {__file__})")
    dims, lens = "|".join(map(str, args.dims)), "|".join(map(str, args.lens))
    flt = f"^(bag/({'|'.join(args.types)})/.*/dim:({dims})/len:({lens})/|bag_backward/)"
    stdout = run([args.binary, f"--benchmark_out={out_file}", "--benchmark_out_format=json",
                  f"--benchmark_repetitions={args.repetitions}", "--benchmark_report_aggregates_only=true",
                  f"--benchmark_min_time={args.min_time}", f"--benchmark_filter={flt}"], env)
    if not os.path.exists(out_file):  # the program found no GPU and ran nothing
        raise SystemExit(stdout.strip() or f"{args.binary} wrote no results")
    return out_file


def run_torch(args, env):
    out_file = os.path.join(args.results, "embedding_bag_cuda_torch.jsonl")
    cmd = [args.python, os.path.join(ROOT, "bench", "embedding_bag_cuda_torch.py"),
           "--rows", str(args.rows), "--call-mib", str(args.call_mib),
           "--types", *args.types, "--dims", *map(str, args.dims), "--lens", *map(str, args.lens),
           "--repetitions", str(args.repetitions), "--min-time", str(args.min_time), "--padding", "--backward"]
    stdout = run(cmd, env)
    with open(out_file, "w") as f:
        f.write(stdout)
    return out_file


def load_ours(path):
    with open(path) as f:
        data = json.load(f)
    ctx = data.get("context", {})
    res, errors = {}, []
    for b in data["benchmarks"]:
        name = re.sub(r"/manual_time.*$", "", b.get("run_name", b["name"]))
        if b.get("error_occurred"):
            errors.append(f"`{name}`: {b.get('error_message', 'error')}")
            continue
        if b.get("aggregate_name", "median") != "median":
            continue
        res[name] = {k: b[k] for k in ("GB/s", "Mlookups/s", "copy_ratio", "copy_GB/s", "ms/call") if k in b}
    return ctx, res, sorted(set(errors))


def load_torch(path):
    meta, res, skipped = {}, {}, []
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if r["name"] == "meta":
                meta = r
            elif "skipped" in r:
                skipped.append(f"`{r['name']}`: {r['skipped']}")
            else:
                res[r["name"]] = r
    return meta, res, skipped


def combine(ours, theirs):
    fwd, bwd = [], []
    for name, r in ours.items():
        m = NAME.match(name)
        if not m:
            continue
        group, kind, mode, variant = m.group(1), m.group(2), m.group(3), (m.group(4) or "/")[1:]
        dim, length = int(m.group(5)), int(m.group(6))
        if group == "bag":
            peer = None if variant == "into" else theirs.get(name)
            fwd.append(dict(kind=kind, mode=mode, padded=variant == "padding", into=variant == "into", dim=dim,
                            len=length, gbps=r["GB/s"], ratio=r["copy_ratio"], mlps=r["Mlookups/s"],
                            torch=peer["GB/s"] if peer else None))
        else:
            peer = theirs.get(f"bag_backward/{kind}/{mode}/dim:{dim}/len:{length}")
            bwd.append(dict(kind=kind, mode=mode, accumulation=variant, dim=dim, len=length, gbps=r["GB/s"],
                            ratio=r["copy_ratio"], ms=r["ms/call"], torch_ms=peer["seconds"] * 1e3 if peer else None))
    fwd.sort(key=lambda r: (ORDER.get(r["kind"], 9), MODES.index(r["mode"]), r["into"], r["padded"], r["dim"], r["len"]))
    bwd.sort(key=lambda r: (MODES.index(r["mode"]), r["accumulation"] != "deterministic"))
    return fwd, bwd


def fmt(x, p=2, suffix=""):
    return "—" if x is None else f"{x:.{p}f}{suffix}"


def section(args, ctx, meta, fwd, bwd, notes):
    gpu = ctx.get("gpu", "an unnamed GPU")
    copy = float(ctx.get("copy_GB/s", "nan"))
    rows = int(ctx.get("table_rows", args.rows))
    call_mib = int(ctx.get("call_MiB", args.call_mib))
    lines = []
    w = lines.append
    w(BEGIN)
    w("## GPU")
    w("")
    w(f"Measured {datetime.date.today().isoformat()} on {gpu} (compute capability {ctx.get('compute_capability', '?')}, "
      f"{ctx.get('gpu_l2_MiB', '?')} MiB L2, {ctx.get('gpu_memory_GiB', '?')} GiB; CUDA runtime "
      f"{ctx.get('cuda_runtime', '?')}, driver {ctx.get('cuda_driver', '?')}), table {rows:,} rows "
      f"(fp32: {rows * 4 * 32 / 2**30:.1f} GiB at dim 32, {rows * 4 * 128 / 2**30:.1f} GiB at dim 128), "
      f"{call_mib} MiB of rows looked up per call, median of {args.repetitions} repetitions. "
      f"PyTorch {meta.get('torch', '?')} (CUDA {meta.get('cuda', '?')}) ran on "
      f"{meta.get('gpu', '?')} in the same invocation.")
    w(f"Device-to-device copy bandwidth of this GPU, measured in the same run (`cudaMemcpyAsync` of a 1 GiB "
      f"buffer, counting read + write: 2 × bytes / time): {copy:.0f} GB/s"
      + (f" (PyTorch's `copy_` of 1 GiB: {meta['copy_GB/s']:.0f} GB/s)." if "copy_GB/s" in meta else "."))
    w("")
    w("Produced by:")
    w("")
    w("```sh")
    w("cmake -S . -B build/cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_ENABLE_CUDA=ON "
      "-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc")
    w("cmake --build build/cuda --target bench_embedding_bag_cuda")
    w(command_line(args))
    w("```")
    w("")
    w("`bench_embedding_bag_cuda` (Google Benchmark; each call timed with CUDA events on `ek::cuda::stream()`, "
      "and complete when it returns, since the layer checks its fault flag) and `bench/embedding_bag_cuda_torch.py` "
      "(`torch.nn.functional.embedding_bag`; `torch.ops.quantized.embedding_bag_byte/4bit_rowwise_offsets` for "
      "q8/q4 where that torch has CUDA kernels for them; back-to-back calls timed with `torch.cuda.Event`) run one "
      "after the other on the same GPU, the same table shape and values and the same index sequence (uniform "
      "random rows). GB/s counts the table rows read (lookups × row bytes); *of copy* is that divided by the copy "
      "bandwidth above. Forward outputs are float for embedkit and the table's type for PyTorch (half and bfloat16 "
      "tables write half the output bytes there). Backward computes the dense fp32 table gradient "
      "(`EmbeddingBag::backward`; `torch.autograd.grad` for PyTorch), allocated by each call; its GB/s counts the "
      "gradient rows accumulated, the same count as the forward's.")
    w("")
    w("![EmbeddingBag on the GPU](img/embedding_bag_cuda.png)")
    w("")

    def get(kind, mode, dim, length, padded=False, into=False):
        for r in fwd:
            if (r["kind"], r["mode"], r["dim"], r["len"], r["padded"], r["into"]) == (kind, mode, dim, length, padded, into):
                return r
        return None

    w("### Targets (fp32, dim 128, bag length 20)")
    w("")
    w("| check | measured | target |")
    w("|---|---|---|")
    s = get("fp32", "sum", 128, 20)
    si = get("fp32", "sum", 128, 20, into=True)
    if s:
        w(f"| sum (forward, allocating its output): fraction of copy bandwidth | {s['ratio']:.2f} | >= 0.8 |")
    if si:
        w(f"| sum (forward_into, preallocated output): fraction of copy bandwidth | {si['ratio']:.2f} | >= 0.8 |")
    for mode in ("sum", "mean", "max"):
        r = get("fp32", mode, 128, 20)
        if r and r["torch"]:
            w(f"| {mode}: vs PyTorch's embedding_bag (forward) | {r['gbps'] / r['torch']:.2f}x | >= 1.5x |")
    for r in bwd:
        if r["kind"] == "fp32" and r["dim"] == 128 and r["len"] == 20 and r["torch_ms"]:
            w(f"| backward {r['mode']}, {r['accumulation']}: vs PyTorch (time) | {r['torch_ms'] / r['ms']:.2f}x | >= 2x |")
    w("")
    w("### Forward")
    w("")
    w("| storage | mode | dim | bag | embedkit GB/s | of copy | Mlookups/s | PyTorch GB/s | vs PyTorch |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in fwd:
        sp = r["gbps"] / r["torch"] if r["torch"] else None
        w(f"| {r['kind']} | {r['mode']}{' + padding' if r['padded'] else ''}{' (into)' if r['into'] else ''} | "
          f"{r['dim']} | {r['len']} | {r['gbps']:.1f} | {r['ratio']:.2f} | {r['mlps']:.0f} | {fmt(r['torch'], 1)} | "
          f"{fmt(sp, 2, 'x')} |")
    w("")
    if bwd:
        w("### Backward (dense table gradient, fp32)")
        w("")
        w("| mode | accumulation | dim | bag | embedkit ms | GB/s | of copy | PyTorch ms | vs PyTorch |")
        w("|---|---|---|---|---|---|---|---|---|")
        for r in bwd:
            sp = r["torch_ms"] / r["ms"] if r["torch_ms"] else None
            w(f"| {r['mode']} | {r['accumulation']} | {r['dim']} | {r['len']} | {r['ms']:.3f} | {r['gbps']:.1f} | "
              f"{r['ratio']:.2f} | {fmt(r['torch_ms'], 3)} | {fmt(sp, 2, 'x')} |")
        w("")
    if notes:
        w("Not measured:")
        w("")
        for n in notes:
            w(f"- {n}")
        w("")
    w(END)
    return "\n".join(lines)


def splice(path, text):
    """Replaces the GPU section of `path` with `text`, or appends it; the rest is kept."""
    old = open(path).read() if os.path.exists(path) else ""
    b, e = old.find(BEGIN), old.find(END)
    if b >= 0 and e > b:
        new = old[:b] + text + old[e + len(END):]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text + "\n"
    with open(path, "w") as f:
        f.write(new)


def plot(fwd, bwd, copy, torch_version, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sel = [r for r in fwd if r["kind"] == "fp32" and r["len"] == 20 and not r["padded"] and not r["into"]]
    sel.sort(key=lambda r: (MODES.index(r["mode"]), r["dim"]))
    fig, axes = plt.subplots(1, 2, figsize=(max(9, len(sel) * 0.8 + 4), 4.2),
                             gridspec_kw={"width_ratios": [max(1, len(sel)), 4]})
    ax = axes[0]
    xs = range(len(sel))
    ax.bar([x - 0.2 for x in xs], [r["gbps"] for r in sel], width=0.4, label="embedkit")
    ax.bar([x + 0.2 for x in xs], [r["torch"] or 0 for r in sel], width=0.4, label=f"PyTorch {torch_version}")
    ax.axhline(copy, color="gray", linestyle="--", label="device-to-device copy (read + write)")
    ax.axhline(0.8 * copy, color="gray", linestyle=":", label="0.8 x copy")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([f"{r['mode']}\ndim {r['dim']}" for r in sel], fontsize=8)
    ax.set_ylabel("GB/s of rows read")
    top = max([copy] + [r["gbps"] for r in sel] + [r["torch"] or 0 for r in sel])
    if top == top:  # not NaN
        ax.set_ylim(0, top * 1.35)  # room for the legend
    ax.set_title("forward, fp32, bag length 20", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[1]
    modes = [m for m in MODES if any(r["mode"] == m for r in bwd)]
    xs = range(len(modes))

    def ms(mode, accumulation=None):
        for r in bwd:
            if r["mode"] == mode and accumulation in (None, r["accumulation"]):
                return (r["ms"] if accumulation else r["torch_ms"]) or 0
        return 0

    ax.bar([x - 0.27 for x in xs], [ms(m, "deterministic") for m in modes], width=0.27, label="embedkit, deterministic")
    ax.bar(list(xs), [ms(m, "atomic") for m in modes], width=0.27, label="embedkit, atomic")
    ax.bar([x + 0.27 for x in xs], [ms(m) for m in modes], width=0.27, label=f"PyTorch {torch_version}")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(modes, fontsize=8)
    ax.set_ylabel("ms per call (lower is better)")
    ax.set_ylim(0, max([ms(m, a) for m in modes for a in ("deterministic", "atomic")] + [ms(m) for m in modes] + [1e-3]) * 1.35)
    ax.set_title("backward (dense), fp32, dim 128, bag 20", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None):
    args = parse_args(argv)
    env = dict(os.environ, EMBEDKIT_BENCH_ROWS=str(args.rows), EMBEDKIT_BENCH_CALL_MIB=str(args.call_mib))
    ours_file = args.ours_json or run_ours(args, env)
    torch_file = args.torch_json or run_torch(args, env)
    ctx, ours, errors = load_ours(ours_file)
    meta, theirs, skipped = load_torch(torch_file)
    if ctx.get("gpu") and meta.get("gpu") and ctx["gpu"] != meta["gpu"]:
        raise SystemExit(f"the two programs ran on different GPUs: {ctx['gpu']} and {meta['gpu']}")
    if "table_rows" in ctx:
        args.rows = int(ctx["table_rows"])
    if "call_MiB" in ctx:
        args.call_mib = int(ctx["call_MiB"])
    fwd, bwd = combine(ours, theirs)
    notes = [f"embedkit {e}" for e in errors] + [f"PyTorch {s}" for s in skipped]
    splice(args.out, section(args, ctx, meta, fwd, bwd, notes))
    img = os.path.join(os.path.dirname(args.out), "img", "embedding_bag_cuda.png")
    os.makedirs(os.path.dirname(img), exist_ok=True)
    plot(fwd, bwd, float(ctx.get("copy_GB/s", "nan")), meta.get("torch", "?"), img)
    print(f"wrote the GPU section of {args.out} and {img}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
