#!/usr/bin/python3
"""Runs bench_encoders and bench/encoders_torch.py alternately, R rounds each, and writes the
section "## Encoders (Object2Vec, batch 32 x 50 tokens, 300 -> 512)" of docs/performance.md
(between its markers <!-- encoders:begin --> and <!-- encoders:end -->, replacing it if it is
there, appended otherwise; no other section is touched) and docs/img/encoders.png. Builds nothing:

    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF
    cmake --build build/release --target bench_encoders
    /usr/bin/python3 bench/compare_encoders.py [--binary PATH] [--repetitions 5] [--threads 1 2]

Each round runs every configuration once on each side, the side that goes first alternating
from round to round, so that a slow spell of a shared machine hits both. Reported: the median
and the range of the R rounds' sequences/s, and of the per-round ratios (embedkit / PyTorch, the
two measured back to back). --peer-blas DIR adds a second PyTorch column: the same script with
DIR (a folder holding a libblas.so.3, e.g. an unpacked OpenBLAS) first on LD_LIBRARY_PATH, since
Debian's PyTorch does its Linear and LSTM products in whichever libblas.so.3 the system provides.

FLOPs are counted analytically per batch (flops() below; the formulas are written into the
section) and divided by the time per batch: GFLOP/s, then as a fraction of this machine's peak
FMA rate and of a 1024^3 gemm's rate, both measured by bench_encoders in the same rounds.

Every round's numbers are kept in build/compare_encoders.json (--raw); --report-only rewrites the
section and the plot from that file without measuring again. The "Reading these numbers" part of
the section is written by hand for a given run: rewriting the section drops it. Needs Debian's
python3-torch, python3-numpy and python3-matplotlib.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## Encoders (Object2Vec, batch 32 x 50 tokens, 300 -> 512)"
BEGIN, END = "<!-- encoders:begin -->", "<!-- encoders:end -->"

B, L, V, E, D = 32, 50, 20000, 300, 512
H = (D + 1) // 2
W = 3  # cnn_filter_width (the default)
MLP = 512
TARGETS = {"encode/pooled_embedding/layers:1/len50": 5.0, "encode/hcnn/layers:1/len50": 2.0,
           "encode/bilstm/layers:1/len50": 2.0}


# ---- the workload, as bench/encoders.cpp builds it --------------------------------------------

def splitmix64(x):
    m = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def lengths(varlen):
    return [10 + splitmix64((1 << 32) + b) % 41 for b in range(B)] if varlen else [L] * B


def flops(name):
    """(FLOPs per batch, bytes of token rows gathered per batch) of a configuration.

    Multiply-adds count 2; transcendental functions and comparisons are not counted. With l[b]
    sequence b's length and Lp the batch's padded length (max l[b]):
      gather            4 E l[b] bytes
      pooled_embedding  E l[b] (sum) + E (divide) + 2 E D + D (projection, E != D)
      hcnn              sum over blocks k of 2 Lp D in_k w + Lp D (bias), in_0 = E, in_k = D:
                        the convolutions run over padded positions (both implementations)
      bilstm            per layer k and direction: 2 l[b] in_k 4H + 4H l[b] (input projection
                        and its bias) + 2 l[b] H 4H + 4H l[b] (hidden projection and bias), in_0 = E,
                        in_k = 2H; then 2 (2H) D + D (projection)
      predict           two encoders + the head: comparator 3D, MLP 2 (4D) 512 + 2 512 512,
                        output 2 512 2 (+ biases)
    """
    m = re.match(r"(encode|predict)/(\w+)/layers:(\d+)/(len50|varlen)", name)
    kind, net, layers, varlen = m.group(1), m.group(2), int(m.group(3)), m.group(4) == "varlen"
    ls = lengths(varlen)
    lp = max(ls)

    def one_encoder():
        total = 0
        for lb in ls:
            if net == "pooled_embedding":
                total += E * lb + E + (2 * E * D + D if E != D else 0)
            elif net == "bilstm":
                for k in range(layers):
                    ink = E if k == 0 else 2 * H
                    total += 2 * (2 * lb * ink * 4 * H + 4 * H * lb + 2 * lb * H * 4 * H + 4 * H * lb)
                total += 2 * 2 * H * D + D
        if net == "hcnn":
            for k in range(layers):
                ink = E if k == 0 else D
                total += B * (2 * lp * D * ink * W + lp * D)
        return total

    gathered = 4 * E * sum(ls)
    if kind == "encode":
        return one_encoder(), gathered
    head = B * (3 * D + 2 * 4 * D * MLP + MLP + 2 * MLP * MLP + MLP + 2 * MLP * 2 + 2)
    return 2 * one_encoder() + head, 2 * gathered


# ---- running the two sides ------------------------------------------------------------------

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run_ours(args, threads):
    """{name: sequences/s} and the benchmark's context of one run of every configuration."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run([args.binary, f"--benchmark_out={out.name}", "--benchmark_out_format=json",
                               f"--benchmark_min_time={args.min_time}", f"--benchmark_filter={args.filter}"],
                              text=True, capture_output=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
        if done.returncode != 0:
            sys.exit(f"{args.binary} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        data = json.load(open(out.name))
    res = {re.sub(r"/real_time$", "", b["name"]): b["items_per_second"] for b in data["benchmarks"]
           if b.get("run_type", "iteration") == "iteration"}
    return res, data["context"]


def run_torch(args, threads, blas_dir=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if blas_dir:
        env["LD_LIBRARY_PATH"] = blas_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "encoders_torch.py"), "--threads", str(threads),
           "--min-time", str(args.min_time), "--filter", args.filter] + (["--local"] if args.local else [])
    out = subprocess.run(cmd, check=True, text=True, capture_output=True, env=env).stdout
    res, context = {}, {}
    for line in out.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            if "context" in r:
                context = r["context"]
            else:
                res[r["name"]] = r["items_per_second"]
    return res, context


def spread(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)} if xs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "release", "bench", "bench_encoders"))
    ap.add_argument("--repetitions", type=int, default=5, help="rounds; each runs both sides once")
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per configuration per round")
    ap.add_argument("--threads", type=int, nargs="+", default=[os.cpu_count()],
                    help="thread counts; the targets are judged at the largest")
    ap.add_argument("--filter", default=".", help="regular expression on the benchmark names")
    ap.add_argument("--peer-blas", default="", help="folder with a libblas.so.3 for a second PyTorch column")
    ap.add_argument("--local", action="store_true", help="PyTorch modules of encoders_torch.py, not the reference")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--raw", default=os.path.join(ROOT, "build", "compare_encoders.json"),
                    help="where every round's results are kept")
    ap.add_argument("--report-only", action="store_true", help="rewrite the section and plot from --raw; run nothing")
    args = ap.parse_args()

    if args.report_only:
        saved = json.load(open(args.raw))
        for key in ("repetitions", "min_time", "threads", "peer_blas", "loads"):
            setattr(args, key, saved[key])
        sides = [s for s in ("embedkit", "torch", "torch_blas") if s in saved["sides"]]
        runs = {(t, s): saved["runs"][f"{t}/{s}"] for t in args.threads for s in sides}
        contexts = {(t, s): saved["contexts"][f"{t}/{s}"] for t in args.threads for s in sides}
    else:
        args.threads = sorted(set(args.threads))
        runs, contexts, args.loads, sides = measure(args)
        os.makedirs(os.path.dirname(args.raw), exist_ok=True)
        with open(args.raw, "w") as f:
            json.dump({"repetitions": args.repetitions, "min_time": args.min_time, "threads": args.threads,
                       "peer_blas": args.peer_blas, "loads": args.loads, "sides": sides,
                       "runs": {f"{t}/{s}": v for (t, s), v in runs.items()},
                       "contexts": {f"{t}/{s}": v for (t, s), v in contexts.items()}}, f, indent=1)
    report(args, runs, contexts, sides)
    return 0


def measure(args):
    """R rounds; in each, every thread count and every side once, the first side rotating."""
    sides = [("embedkit", run_ours), ("torch", run_torch)]
    if args.peer_blas:
        sides.append(("torch_blas", lambda a, t: run_torch(a, t, args.peer_blas)))
    runs = {(t, s): [] for t in args.threads for s, _ in sides}
    contexts = {(t, s): [] for t in args.threads for s, _ in sides}
    loads = []  # the 1-minute load average as each run starts: how shared the machine was
    for r in range(args.repetitions):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        for t in args.threads:
            for side, run in order:
                loads.append(os.getloadavg()[0])
                res, ctx = run(args, t)
                runs[(t, side)].append(res)
                contexts[(t, side)].append(ctx)
                print(f"round {r + 1}/{args.repetitions}, {t} thread(s), {side}: " +
                      ", ".join(f"{k.replace('encode/', '')} {v:.1f}" for k, v in res.items()), file=sys.stderr, flush=True)
    return runs, contexts, loads, [s for s, _ in sides]


def report(args, runs, contexts, sides):
    """Medians, ranges and per-round ratios of every configuration; then the section and plot."""
    rows, machine = [], {}
    for t in args.threads:
        ours = runs[(t, "embedkit")]
        for name in ours[0]:
            row = {"name": name, "threads": t, "target": TARGETS.get(name) if t == max(args.threads) else None}
            row["flops"], row["gathered"] = flops(name)
            for side in sides:
                row[side] = spread([run[name] for run in runs[(t, side)] if name in run])
                if side != "embedkit":
                    ratios = [o[name] / p[name] for o, p in zip(ours, runs[(t, side)]) if name in o and name in p]
                    row["ratio_" + side] = spread(ratios)
            rows.append(row)
        ctx = contexts[(t, "embedkit")]
        machine[t] = {k: statistics.median(float(c[k]) for c in ctx)
                      for k in ("peak_fma_gflops", "gemm_1024_gflops", "seq_read_gbps")}
        machine[t]["lanes"] = ctx[0].get("simd_lanes_fp32", "?")
    write_section(args, rows, machine, {s: contexts[(max(args.threads), s)] for s in sides})
    print_summary(rows, machine)


# ---- the report -------------------------------------------------------------------------------

def label(name):
    m = re.match(r"(encode|predict)/(\w+)/layers:(\d+)/(len50|varlen)", name)
    what = m.group(2) + (" predict (pairs)" if m.group(1) == "predict" else "")
    return what, int(m.group(3)), "50" if m.group(4) == "len50" else "10..50"


def fmt_seq(s):
    if not s:
        return "—"
    p = 0 if s["median"] >= 100 else 1 if s["median"] >= 10 else 2
    return f"{s['median']:,.{p}f} [{s['min']:,.{p}f}–{s['max']:,.{p}f}]"


def fmt_ratio(s):
    return "—" if not s else f"{s['median']:.2f}x [{s['min']:.2f}–{s['max']:.2f}]"


def pct(x):
    return f"{x:.0%}" if x >= 0.095 else f"{x:.1%}" if x >= 0.00095 else f"{x:.2%}"


def blas_of(ctx):
    return ctx.get("blas", "?") if ctx else "?"


def write_section(args, rows, machine, contexts):
    peer_blas = bool(args.peer_blas)
    tctx = contexts["torch"][0]
    top = max(args.threads)
    counts = " and ".join(str(t) for t in args.threads)
    lines = []
    w = lines.append
    w(BEGIN)
    w(HEADING)
    w("")
    w(f"Measured {datetime.date.today().isoformat()} on {cpu_model()}, {os.cpu_count()} cores, with {counts} "
      f"thread(s) on both sides (OMP_NUM_THREADS for embedkit, torch.set_num_threads for PyTorch), "
      f"{args.repetitions} rounds of {args.min_time} s per configuration and side, the side that goes first "
      "changing from round to round. The 1-minute load average as each run started: "
      f"{min(args.loads):.1f} to {max(args.loads):.1f} (median {statistics.median(args.loads):.1f}).")
    w("This machine, measured by `bench_encoders` in the same rounds (medians): " + "; ".join(
        f"{t} thread{'s' if t > 1 else ''}: peak fp32 FMA rate {machine[t]['peak_fma_gflops']:.1f} GFLOP/s "
        f"({machine[t]['lanes']}-lane vectors), 1024³ gemm (embedkit's gemm op, Eigen) "
        f"{machine[t]['gemm_1024_gflops']:.1f} GFLOP/s, sequential read {machine[t]['seq_read_gbps']:.1f} GB/s"
        for t in args.threads) + ".")
    w("")
    w("Produced by:")
    w("")
    w("```sh")
    w("cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF")
    w("cmake --build build/release --target bench_encoders")
    w("/usr/bin/python3 bench/compare_encoders.py --threads " + " ".join(map(str, args.threads)) +
      f" --repetitions {args.repetitions} --min-time {args.min_time}" + (" --peer-blas DIR" if peer_blas else ""))
    w("```")
    w("")
    w("`bench_encoders` times `Object2Vec::encode(0, batch)` (`create(hp, seed)` with `enc0_network` = the "
      "encoder, `enc0_max_seq_len` 50, `enc0_vocab_size` 20,000, `enc0_token_embedding_dim` 300, `enc_dim` 512) "
      "from the id lists: checking and padding the ids, the token gather and the encoder. "
      "`bench/encoders_torch.py` times the PyTorch module of the same architecture "
      f"({tctx.get('modules', '?')}; torch {tctx.get('torch', '?')}, eval, no_grad) from the padded id tensor "
      "and the lengths, on the same ids. Token k of the batch is splitmix64(k) % 20000; the 10..50 rows keep "
      "10 + splitmix64(2³² + b) % 41 tokens of sequence b. `predict` scores 32 pairs (two hcnn encoders, the "
      "default comparator, 2 MLP layers of 512, softmax). Sequences/s (pairs/s for predict) are medians "
      "[min–max] over the rounds; a ratio is embedkit's / PyTorch's of the same round (measured back to back).")
    w("")
    w(f"PyTorch's BLAS: Debian's PyTorch computes `nn.Linear` and the LSTM's products in the system's "
      f"`libblas.so.3`, here {blas_of(tctx)}; its Conv1d goes to oneDNN (mkldnn {tctx.get('mkldnn', '?')})." +
      (f" The *other BLAS* columns are the same script with {blas_of(contexts['torch_blas'][0])} as "
       "libblas.so.3, through LD_LIBRARY_PATH (`--peer-blas DIR`; DIR from `apt-get download libopenblas0-openmp` "
       "and `dpkg -x`: its `usr/lib/x86_64-linux-gnu/openblas-openmp`), the system's BLAS left as it is."
       if peer_blas else ""))
    w("")
    w("![Object2Vec encoders](img/encoders.png)")
    w("")
    w(f"### Targets (1 layer, 50 tokens, {top} thread{'s' if top > 1 else ''})")
    w("")
    head = "| encoder | embedkit seq/s | PyTorch seq/s | ratio | target | met |"
    sep = "|---|---|---|---|---|---|"
    if peer_blas:
        head += " PyTorch, other BLAS seq/s | ratio | met |"
        sep += "---|---|---|"
    w(head)
    w(sep)
    for r in rows:
        if r["target"] is None:
            continue
        what, _, _ = label(r["name"])

        def met(q):
            return "—" if not q else "yes" if q["median"] >= r["target"] else "**no**"

        line = (f"| {what} | {fmt_seq(r['embedkit'])} | {fmt_seq(r['torch'])} | {fmt_ratio(r['ratio_torch'])} | "
                f">= {r['target']:g}x | {met(r['ratio_torch'])} |")
        if peer_blas:
            line += f" {fmt_seq(r.get('torch_blas'))} | {fmt_ratio(r.get('ratio_torch_blas'))} | {met(r.get('ratio_torch_blas'))} |"
        w(line)
    w("")
    w("### All configurations")
    w("")
    head = "| encoder | layers | tokens | threads | embedkit seq/s | PyTorch seq/s | ratio |"
    sep = "|---|---|---|---|---|---|---|"
    if peer_blas:
        head += " other BLAS seq/s | ratio |"
        sep += "---|---|"
    head += " GFLOP/s | of peak FMA | of 1024³ gemm | PyTorch GFLOP/s | rows gathered GB/s | of read bw |"
    sep += "---|---|---|---|---|---|"
    w(head)
    w(sep)
    for r in rows:
        what, layers, tokens = label(r["name"])
        m = machine[r["threads"]]
        per_seq_flops = r["flops"] / B
        gf = per_seq_flops * r["embedkit"]["median"] * 1e-9
        tg = per_seq_flops * r["torch"]["median"] * 1e-9 if r["torch"] else None
        gb = r["gathered"] / B * r["embedkit"]["median"] * 1e-9
        line = (f"| {what} | {layers} | {tokens} | {r['threads']} | {fmt_seq(r['embedkit'])} | {fmt_seq(r['torch'])} | "
                f"{fmt_ratio(r['ratio_torch'])} |")
        if peer_blas:
            line += f" {fmt_seq(r.get('torch_blas'))} | {fmt_ratio(r.get('ratio_torch_blas'))} |"
        line += (f" {gf:.1f} | {pct(gf / m['peak_fma_gflops'])} | {pct(gf / m['gemm_1024_gflops'])} | "
                 f"{'—' if tg is None else f'{tg:.1f}'} | {gb:.2f} | {pct(gb / m['seq_read_gbps'])} |")
        w(line)
    w("")
    w("FLOPs per batch, counted analytically (`flops()` in bench/compare_encoders.py; a multiply-add is 2, "
      "transcendental functions and comparisons are not counted), with l = a sequence's length, Lp the batch's "
      "padded length, E = 300, D = 512, H = 256, w = 3:")
    w("")
    per_seq = {n: flops(n)[0] / B * 1e-6 for n in ("encode/pooled_embedding/layers:1/len50", "encode/hcnn/layers:1/len50",
                                                    "encode/hcnn/layers:2/len50", "encode/bilstm/layers:1/len50",
                                                    "encode/bilstm/layers:2/len50")}
    w(f"- pooled_embedding: Σ (E·l + E + 2·E·D + D) = {per_seq['encode/pooled_embedding/layers:1/len50']:.2f} MFLOP "
      "per sequence of 50 tokens, the projection almost all of it;")
    w("- hcnn: B · Σ_k (2·Lp·D·in_k·w + Lp·D), in_0 = E, in_k = D (padded positions included: both sides "
      f"convolve them) = {per_seq['encode/hcnn/layers:1/len50']:.1f} MFLOP per sequence for one block, "
      f"{per_seq['encode/hcnn/layers:2/len50']:.1f} for two;")
    w("- bilstm: Σ_b Σ_layers 2 directions · (2·l·in_k·4H + 2·l·H·4H + 8H·l) + 2·2H·D + D, in_0 = E, in_k = 2H "
      f"= {per_seq['encode/bilstm/layers:1/len50']:.1f} MFLOP per sequence for one layer, "
      f"{per_seq['encode/bilstm/layers:2/len50']:.1f} for two;")
    w("- predict: two encoders + comparator (3D) + MLP (2·4D·512 + 2·512·512) + output (2·512·2), biases included.")
    w("")
    w("*Of peak FMA* divides by the peak rate measured at the same thread count, *of 1024³ gemm* by what "
      "embedkit's own gemm reaches on a large square product. Rows gathered: 4·E·l bytes of token rows per "
      "sequence, divided by the sequential read bandwidth; the batch reads the same 1,600 rows (1.9 MB of a 24 MB "
      "table) on every call, so they come mostly from cache, and the ratio says how far the gather is from a "
      "streaming read, not that memory limits it.")
    w(END)
    section = "\n".join(lines) + "\n"

    old = open(args.out).read() if os.path.exists(args.out) else "# Performance\n"
    begin, end = old.find(BEGIN), old.find(END)
    if 0 <= begin < end:
        new = old[:begin] + section + old[end + len(END):].lstrip("\n")
    elif HEADING in old:
        start = old.index(HEADING)
        nxt = [i for i in (old.find("\n## ", start + 1), old.find("\n<!-- ", start + 1)) if i >= 0]
        stop = min(nxt) + 1 if nxt else len(old)
        new = old[:start] + section + ("\n" + old[stop:] if stop < len(old) else "")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    with open(args.out, "w") as f:
        f.write(new)
    plot(rows, peer_blas, args.threads, os.path.join(os.path.dirname(args.out), "img", "encoders.png"))


def plot(rows, peer_blas, thread_counts, path):
    """One row of panels per thread count: sequences/s (left) and embedkit's ratio to each
    PyTorch column with the targets (right), configurations down the side."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    os.makedirs(os.path.dirname(path), exist_ok=True)
    sides = [("embedkit", "embedkit"), ("torch", "PyTorch 1.13")] + ([("torch_blas", "PyTorch 1.13, other BLAS")] if peer_blas else [])
    per = max(len([r for r in rows if r["threads"] == t]) for t in thread_counts)
    fig, axes = plt.subplots(len(thread_counts), 2, figsize=(13, 0.55 * per * len(thread_counts) + 1.2), squeeze=False)
    for c, t in enumerate(thread_counts):
        sel = [r for r in rows if r["threads"] == t]
        ax1, ax2 = axes[c][0], axes[c][1]
        ys = list(range(len(sel)))
        labels = []
        for r in sel:
            what, layers, tokens = label(r["name"])
            labels.append(f"{what.replace(' predict (pairs)', ' predict')}, {layers} layer{'s' if layers > 1 else ''}, {tokens}")
        height = 0.8 / len(sides)
        for k, (side, name) in enumerate(sides):
            med = [r[side]["median"] if r.get(side) else 0 for r in sel]
            lo = [r[side]["median"] - r[side]["min"] if r.get(side) else 0 for r in sel]
            hi = [r[side]["max"] - r[side]["median"] if r.get(side) else 0 for r in sel]
            ax1.barh([y + (k - (len(sides) - 1) / 2) * height for y in ys], med, height=height, xerr=[lo, hi],
                     capsize=2, color=f"C{k}", label=name)
        ax1.set_xscale("log")
        ax1.set_xlabel("sequences/s (pairs/s for predict), log scale")
        ax1.set_yticks(ys)
        ax1.set_yticklabels(labels, fontsize=8)
        ax1.invert_yaxis()
        ax1.set_title(f"{t} thread{'s' if t > 1 else ''}: throughput (median, min–max)", fontsize=10)
        ax1.legend(fontsize=7, loc="lower right")
        for k, (side, name) in enumerate(sides[1:]):
            key = "ratio_" + side
            pts = [(y, r[key]) for y, r in zip(ys, sel) if r.get(key)]
            off = (k - (len(sides) - 2) / 2) * 0.3
            py = [y + off for y, _ in pts]
            med = [q["median"] for _, q in pts]
            ax2.errorbar(med, py, xerr=[[q["median"] - q["min"] for _, q in pts], [q["max"] - q["median"] for _, q in pts]],
                         fmt="o", capsize=3, color=f"C{k + 1}", label=f"embedkit / {name}")
            for y, m in zip(py, med):
                ax2.annotate(f"{m:.2g}x", (m, y), textcoords="offset points", xytext=(0, 4 if k == 0 else -4), fontsize=7,
                             ha="center", va="bottom" if k == 0 else "top")
        first = True
        for y, r in zip(ys, sel):
            if r["target"]:
                ax2.vlines(r["target"], y - 0.4, y + 0.4, colors="black", linestyles="--", label="target" if first else None)
                first = False
        ax2.axvline(1.0, color="gray", linewidth=0.8)
        ax2.set_xscale("log")
        ax2.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
        ax2.set_xlabel("embedkit / PyTorch, same round (median, min–max), log scale")
        ax2.set_yticks(ys)
        ax2.set_yticklabels([])
        ax2.set_ylim(ax1.get_ylim())
        ax2.set_title(f"{t} thread{'s' if t > 1 else ''}: speedup", fontsize=10)
        ax2.legend(fontsize=7, loc="lower right")
    fig.suptitle("Object2Vec encoders, batch 32 x 50 tokens, 300 -> 512", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def print_summary(rows, machine):
    for t, m in machine.items():
        print(f"{t} thread(s): peak FMA {m['peak_fma_gflops']:.1f} GFLOP/s, 1024^3 gemm {m['gemm_1024_gflops']:.1f} "
              f"GFLOP/s, read {m['seq_read_gbps']:.1f} GB/s")
    for r in rows:
        line = (f"{r['threads']}t {r['name']:42s} embedkit {fmt_seq(r['embedkit']):>26s}  torch {fmt_seq(r['torch']):>26s}  "
                f"{fmt_ratio(r['ratio_torch'])}")
        if r.get("torch_blas"):
            line += f"  other BLAS {fmt_seq(r['torch_blas'])} {fmt_ratio(r['ratio_torch_blas'])}"
        gf = r["flops"] / B * r["embedkit"]["median"] * 1e-9
        print(line + f"  {gf:.1f} GFLOP/s")


if __name__ == "__main__":
    sys.exit(main())
