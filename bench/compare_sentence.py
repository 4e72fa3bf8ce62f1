#!/usr/bin/python3
"""Runs bench_sentence and bench/sentence_torch.py alternately, R rounds each, at 1 and 2
threads, and writes the section "## Sentence embeddings (all-MiniLM-L6-v2 size, batch 32)" of
docs/performance.md (between its markers <!-- sentence:begin --> and <!-- sentence:end -->,
replacing what is there, appended at the end otherwise; no other section is touched) and
docs/img/sentence.png. Builds nothing; writes the model folder when it is missing:

    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF
    cmake --build build/release --target bench_sentence
    /usr/bin/python3 bench/make_sentence_model.py build/sentence-model     # or let this script do it
    /usr/bin/python3 bench/compare_sentence.py [--repetitions 3] [--threads 1 2] [--peer-blas DIR]

Each round runs every configuration once on each side, the side that goes first alternating from
round to round, so that a slow spell of a shared machine hits both. Reported: the median and the
range of the rounds' sentences/s (and tokens/s), and of the per-round ratios (embedkit /
PyTorch, the two measured back to back). Both sides encode the same 32 texts of exactly 16, 128
and 256 tokens (bench_texts.json of the model folder). embedkit's time includes its tokenizer;
PyTorch's starts from token ids (see bench/sentence_torch.py), so the ratios are conservative
for embedkit. --peer-blas DIR adds a second PyTorch column with DIR (a folder holding a
libblas.so.3, e.g. an unpacked OpenBLAS) first on LD_LIBRARY_PATH, since Debian's PyTorch does
its Linear products in whichever libblas.so.3 the system provides.

The tokenizers are compared as well when bench/tokenizer.cpp (built as bench_tokenizer) and
bench/tokenizer_py.py are there: each is run once per round at one thread, bench_tokenizer's
BM_encode against the Python script's texts/s on the same corpus (run_tokenizers()); without them
(or with --skip-tokenizer) the section says so.

Every round's numbers are kept in build/compare_sentence.json (--raw); --report-only rewrites the
section and the plot from that file without measuring again. Needs Debian's python3-torch,
python3-numpy and python3-matplotlib.
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
HEADING = "## Sentence embeddings (all-MiniLM-L6-v2 size, batch 32)"
BEGIN, END = "<!-- sentence:begin -->", "<!-- sentence:end -->"

BATCH = 32
H, LAYERS, INTERMEDIATE = 384, 6, 1536
LENGTHS = (16, 128, 256)


def flops(tokens):
    """FLOPs per sentence of `tokens` tokens: per layer, the Q, K, V and output projections (4 H²
    multiply-adds a token), the feed-forward pair (2 H I), the attention scores and the weighted
    values (2 L H a token); a multiply-add is 2. Embeddings, LayerNorm, softmax, GELU and pooling
    are not counted."""
    per_layer = tokens * (4 * H * H + 2 * H * INTERMEDIATE) + 2 * tokens * tokens * H
    return 2 * LAYERS * per_layer


def intro():
    return [
        "embedkit's `SentenceEncoder::encode` against the same pipeline in PyTorch (BertModel and "
        "sentence-transformers' Transformer, Pooling and Normalize modules, written out in "
        "tests/golden/bert_reference.py since neither package is installed here), on a model the size "
        "of all-MiniLM-L6-v2 (hidden 384, 6 layers, 12 heads, intermediate 1536, mean pooling, Normalize; "
        "random weights, the real tokenizer) written by `bench/make_sentence_model.py`. Both sides encode "
        "one batch of the same 32 texts of exactly 16, 128 and 256 tokens; embedkit from the strings "
        "(its tokenizer included), PyTorch from the token ids.",
    ]


# ---- running the two sides ------------------------------------------------------------------

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run_ours(args, threads):
    """{name: {"sps": sentences/s, "tps": tokens/s}} and the benchmark's context."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run([args.binary, f"--model={args.model}", f"--benchmark_out={out.name}",
                               "--benchmark_out_format=json", f"--benchmark_min_time={args.min_time}",
                               f"--benchmark_filter={args.filter}"],
                              text=True, capture_output=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
        if done.returncode != 0:
            sys.exit(f"{args.binary} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        text = open(out.name).read()
        if not text.strip():
            sys.exit(f"{args.binary} ran no benchmark (--filter {args.filter!r}):\n{done.stdout}{done.stderr}")
        data = json.loads(text)
    res = {}
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        res[re.sub(r"/real_time$", "", b["name"])] = {"sps": b["items_per_second"], "tps": b["tokens_per_second"]}
    return res, data["context"]


def run_torch(args, threads, blas_dir=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if blas_dir:
        env["LD_LIBRARY_PATH"] = blas_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "bench", "sentence_torch.py"), args.model,
           "--threads", str(threads), "--min-time", str(args.min_time), "--filter", args.filter]
    out = subprocess.run(cmd, check=True, text=True, capture_output=True, env=env).stdout
    res, context = {}, {}
    for line in out.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            if "context" in r:
                context = r["context"]
            else:
                res[r["name"]] = {"sps": r["items_per_second"], "tps": r["tokens_per_second"]}
    return res, context


# ---- the tokenizer comparison (bench/tokenizer.cpp vs bench/tokenizer_py.py) ------------------

def tokenizer_sides(args):
    """(binary, script) when both tokenizer benchmarks are there, else None."""
    binary = args.tokenizer_binary
    script = os.path.join(ROOT, "bench", "tokenizer_py.py")
    if args.skip_tokenizer or not (os.path.exists(os.path.join(ROOT, "bench", "tokenizer.cpp"))
                                   and os.path.exists(binary) and os.path.exists(script)):
        return None
    return binary, script


TOKENIZER_BENCHMARK = "BM_encode"  # bench/tokenizer.cpp: encode() of its 2,000-text corpus


def run_tokenizers(args, sides):
    """{"encode": {"unit", "embedkit", "python", "ids_agree"}}: texts/s of one run of each side at
    one thread on bench/tokenizer.cpp's corpus. The C++ side's BM_encode reports items_per_second
    (texts/s) and an "ids" counter; bench/tokenizer_py.py prints "... = <rate> texts/s (ids: <n>)"
    for the same texts: the two id counts must agree for the rates to compare the same work."""
    binary, script = sides
    env = dict(os.environ, OMP_NUM_THREADS="1")
    ours = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_min_time={args.min_time}",
                           f"--benchmark_filter=^{TOKENIZER_BENCHMARK}$"],
                          check=True, text=True, capture_output=True, env=env).stdout
    bench = [b for b in json.loads(ours[ours.index("{"):])["benchmarks"]
             if b["name"] == TOKENIZER_BENCHMARK and b.get("run_type", "iteration") == "iteration"]
    out = subprocess.run(["/usr/bin/python3", script], check=True, text=True, capture_output=True, env=env).stdout
    m = re.search(r"=\s*([0-9.]+) texts/s \(ids: (\d+)\)", out)
    if not bench or not m:
        print(f"tokenizer comparison skipped: no {TOKENIZER_BENCHMARK} result or no rate in {script}'s output",
              file=sys.stderr)
        return {}
    b = bench[0]
    return {"encode": {"unit": "texts/s", "embedkit": b["items_per_second"], "python": float(m.group(1)),
                       "ids_agree": int(b.get("ids", -1)) == int(m.group(2))}}


# ---- measuring -------------------------------------------------------------------------------

def spread(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)} if xs else None


def measure(args):
    """R rounds; in each, every thread count and every side once, the first side rotating; then
    the tokenizers once."""
    sides = [("embedkit", run_ours), ("torch", run_torch)]
    if args.peer_blas:
        sides.append(("torch_blas", lambda a, t: run_torch(a, t, args.peer_blas)))
    runs = {(t, s): [] for t in args.threads for s, _ in sides}
    contexts = {(t, s): [] for t in args.threads for s, _ in sides}
    loads, tokenizer_runs = [], []
    tok = tokenizer_sides(args)
    for r in range(args.repetitions):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        for t in args.threads:
            for side, run in order:
                loads.append(os.getloadavg()[0])
                res, ctx = run(args, t)
                runs[(t, side)].append(res)
                contexts[(t, side)].append(ctx)
                print(f"round {r + 1}/{args.repetitions}, {t} thread(s), {side}: " +
                      ", ".join(f"{k} {v['sps']:.1f}/s" for k, v in res.items()), file=sys.stderr, flush=True)
        if tok:
            tokenizer_runs.append(run_tokenizers(args, tok))
    return runs, contexts, loads, [s for s, _ in sides], tokenizer_runs


def report(args, runs, contexts, sides, tokenizer_runs):
    rows = []
    for t in args.threads:
        ours = runs[(t, "embedkit")]
        for name in ours[0]:
            tokens = int(name.rsplit(":", 1)[1])
            row = {"name": name, "tokens": tokens, "threads": t, "flops": flops(tokens)}
            for side in sides:
                row[side] = spread([run[name]["sps"] for run in runs[(t, side)] if name in run])
                row[side + "_tps"] = spread([run[name]["tps"] for run in runs[(t, side)] if name in run])
                if side != "embedkit":
                    ratios = [o[name]["sps"] / p[name]["sps"] for o, p in zip(ours, runs[(t, side)])
                              if name in o and name in p]
                    row["ratio_" + side] = spread(ratios)
            rows.append(row)
    tokenizer = tokenizer_rows(tokenizer_runs)
    write_section(args, rows, {s: contexts[(max(args.threads), s)] for s in sides}, sides, tokenizer)
    for r in rows:
        print(f"{r['threads']}t {r['name']:18s} embedkit {fmt(r['embedkit']):>24s}  torch {fmt(r['torch']):>24s}  "
              f"{fmt_ratio(r['ratio_torch'])}")


def tokenizer_rows(tokenizer_runs):
    """[{name, unit, embedkit, python, ratio}] over the rounds (medians and ranges)."""
    if not tokenizer_runs:
        return None
    rows = []
    for name in tokenizer_runs[0]:
        runs = [t[name] for t in tokenizer_runs if name in t]
        rows.append({"name": name, "unit": runs[0]["unit"],
                     "embedkit": spread([r["embedkit"] for r in runs]),
                     "python": spread([r["python"] for r in runs]),
                     "ratio": spread([r["embedkit"] / r["python"] for r in runs]),
                     "ids_agree": all(r["ids_agree"] for r in runs)})
    return rows or None


# ---- the report -------------------------------------------------------------------------------

def fmt(s):
    if not s:
        return "—"
    p = 0 if s["median"] >= 100 else 1 if s["median"] >= 10 else 2
    return f"{s['median']:,.{p}f} [{s['min']:,.{p}f}–{s['max']:,.{p}f}]"


def fmt_ratio(s):
    return "—" if not s else f"{s['median']:.2f}x [{s['min']:.2f}–{s['max']:.2f}]"


def write_section(args, rows, contexts, sides, tokenizer):
    peer = "torch_blas" in sides
    tctx = contexts["torch"][0] if contexts.get("torch") else {}
    counts = " and ".join(str(t) for t in args.threads)
    lines = []
    w = lines.append
    w(BEGIN)
    w(HEADING)
    w("")
    for p in intro():
        w(p)
    w("")
    w(f"Measured {datetime.date.today().isoformat()} on {cpu_model()}, {os.cpu_count()} cores, with {counts} "
      f"thread(s) on both sides (OMP_NUM_THREADS for embedkit, torch.set_num_threads for PyTorch {tctx.get('torch', '?')}), "
      f"{args.repetitions} rounds of {args.min_time} s per configuration and side, the side that goes first "
      "changing from round to round. The 1-minute load average as each run started: "
      f"{min(args.loads):.1f} to {max(args.loads):.1f} (median {statistics.median(args.loads):.1f}). "
      f"PyTorch's BLAS (its Linear products): {tctx.get('blas', '?')}" +
      (f"; the *other BLAS* columns: {contexts['torch_blas'][0].get('blas', '?')} through LD_LIBRARY_PATH "
       "(`--peer-blas DIR`)." if peer else "."))
    w("")
    w("Produced by:")
    w("")
    w("```sh")
    w("cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF")
    w("cmake --build build/release --target bench_sentence")
    w("/usr/bin/python3 bench/make_sentence_model.py build/sentence-model")
    w("/usr/bin/python3 bench/compare_sentence.py --threads " + " ".join(map(str, args.threads)) +
      f" --repetitions {args.repetitions} --min-time {args.min_time}" + (" --peer-blas DIR" if peer else ""))
    w("```")
    w("")
    w("![Sentence embeddings](img/sentence.png)")
    w("")
    head = "| tokens | threads | embedkit sentences/s | embedkit tokens/s | PyTorch sentences/s | ratio |"
    sep = "|---|---|---|---|---|---|"
    if peer:
        head += " PyTorch, other BLAS sentences/s | ratio |"
        sep += "---|---|"
    head += " embedkit GFLOP/s | PyTorch GFLOP/s |"
    sep += "---|---|"
    w(head)
    w(sep)
    for r in rows:
        gf = r["flops"] * r["embedkit"]["median"] * 1e-9
        tg = r["flops"] * r["torch"]["median"] * 1e-9 if r.get("torch") else None
        line = (f"| {r['tokens']} | {r['threads']} | {fmt(r['embedkit'])} | {fmt(r['embedkit_tps'])} | "
                f"{fmt(r['torch'])} | {fmt_ratio(r['ratio_torch'])} |")
        if peer:
            line += f" {fmt(r.get('torch_blas'))} | {fmt_ratio(r.get('ratio_torch_blas'))} |"
        line += f" {gf:.1f} | {'—' if tg is None else f'{tg:.1f}'} |"
        w(line)
    w("")
    w("Sentences/s and tokens/s are medians [min–max] over the rounds; a ratio is embedkit's / PyTorch's "
      "of the same round. GFLOP/s: `flops()` in bench/compare_sentence.py per sentence (the projections, "
      "the feed-forward layers and the attention products; a multiply-add is 2) times sentences/s: "
      + ", ".join(f"{n} tokens {flops(n) * 1e-6:,.0f} MFLOP" for n in LENGTHS) + " per sentence.")
    w("")
    w("### Tokenizer")
    w("")
    if tokenizer:
        w("`bench_tokenizer`'s BM_encode (bench/tokenizer.cpp: `BertTokenizer::encode` of 2,000 texts of 8 to 40 "
          "words) against `bench/tokenizer_py.py` (the pure-Python reference tokenizer, "
          "tests/golden/bert_tokenizer_reference.py, on the same texts), one thread, run once per round; "
          "medians [min–max]. The pure-Python tokenizer stands in for Hugging Face's (Rust) fast tokenizer, "
          "which is not installed here: the ratio says how far embedkit's tokenizer is from Python, not from "
          "the tokenizer sentence-transformers uses.")
        w("")
        w("| benchmark | unit | embedkit | Python reference | ratio | same ids |")
        w("|---|---|---|---|---|---|")
        for r in tokenizer:
            w(f"| {r['name']} | {r['unit']} | {fmt(r['embedkit'])} | {fmt(r['python'])} | "
              f"{fmt_ratio(r['ratio'])} | {'yes' if r['ids_agree'] else '**no**'} |")
    else:
        w("Not measured in this run: bench/compare_sentence.py compares the tokenizers when "
          "bench/tokenizer.cpp (built as `bench_tokenizer`) and bench/tokenizer_py.py are there "
          "(`--tokenizer-binary PATH`).")
    w(END)
    section = "\n".join(lines) + "\n"

    old = open(args.out).read() if os.path.exists(args.out) else "# Performance\n"
    begin, end = old.find(BEGIN), old.find(END)
    if 0 <= begin < end:
        new = old[:begin] + section + old[end + len(END):].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    with open(args.out, "w") as f:
        f.write(new)
    plot(rows, sides, args.threads, os.path.join(os.path.dirname(args.out), "img", "sentence.png"))


def plot(rows, sides, thread_counts, path):
    """One row of panels per thread count: sentences/s per text length and side (left) and
    embedkit's ratio to each PyTorch column (right)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    os.makedirs(os.path.dirname(path), exist_ok=True)
    names = {"embedkit": "embedkit", "torch": "PyTorch (reference)", "torch_blas": "PyTorch, other BLAS"}
    fig, axes = plt.subplots(len(thread_counts), 2, figsize=(12, 2.6 * len(thread_counts) + 0.8), squeeze=False)
    for c, t in enumerate(thread_counts):
        sel = [r for r in rows if r["threads"] == t]
        ax1, ax2 = axes[c][0], axes[c][1]
        ys = list(range(len(sel)))
        height = 0.8 / len(sides)
        for k, side in enumerate(sides):
            med = [r[side]["median"] if r.get(side) else 0 for r in sel]
            lo = [r[side]["median"] - r[side]["min"] if r.get(side) else 0 for r in sel]
            hi = [r[side]["max"] - r[side]["median"] if r.get(side) else 0 for r in sel]
            ax1.barh([y + (k - (len(sides) - 1) / 2) * height for y in ys], med, height=height, xerr=[lo, hi],
                     capsize=2, color=f"C{k}", label=names[side])
        ax1.set_xscale("log")
        ax1.set_xlabel("sentences/s (batch of 32), log scale")
        ax1.set_yticks(ys)
        ax1.set_yticklabels([f"{r['tokens']} tokens" for r in sel], fontsize=8)
        ax1.invert_yaxis()
        ax1.set_title(f"{t} thread{'s' if t > 1 else ''}: throughput (median, min–max)", fontsize=10)
        ax1.legend(fontsize=7, loc="lower right")
        for k, side in enumerate(sides[1:]):
            key = "ratio_" + side
            pts = [(y, r[key]) for y, r in zip(ys, sel) if r.get(key)]
            off = (k - (len(sides) - 2) / 2) * 0.3
            py = [y + off for y, _ in pts]
            med = [q["median"] for _, q in pts]
            ax2.errorbar(med, py, xerr=[[q["median"] - q["min"] for _, q in pts], [q["max"] - q["median"] for _, q in pts]],
                         fmt="o", capsize=3, color=f"C{k + 1}", label=f"embedkit / {names[side]}")
            for y, m in zip(py, med):
                ax2.annotate(f"{m:.2g}x", (m, y), textcoords="offset points", xytext=(0, 4), fontsize=7,
                             ha="center", va="bottom")
        ax2.axvline(1.0, color="gray", linewidth=0.8)
        ax2.set_xscale("log")
        ax2.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
        ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax2.set_xlabel("embedkit / PyTorch, same round (median, min–max), log scale")
        ax2.set_yticks(ys)
        ax2.set_yticklabels([])
        ax2.set_ylim(ax1.get_ylim())
        ax2.set_title(f"{t} thread{'s' if t > 1 else ''}: speedup", fontsize=10)
        ax2.legend(fontsize=7, loc="lower right")
    fig.suptitle("Sentence embeddings, all-MiniLM-L6-v2 size, batch 32", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "release", "bench", "bench_sentence"))
    ap.add_argument("--model", default=os.environ.get("EMBEDKIT_SENTENCE_MODEL", os.path.join(ROOT, "build", "sentence-model")),
                    help="the model folder (written by bench/make_sentence_model.py when missing)")
    ap.add_argument("--repetitions", type=int, default=3, help="rounds; each runs both sides once")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds per configuration per round")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts")
    ap.add_argument("--filter", default=".",
                    help="regular expression on the benchmark names, encode/tokens:<n> (e.g. 'tokens:16(/|$)': "
                         "Google Benchmark matches the name with its /real_time suffix)")
    ap.add_argument("--peer-blas", default="", help="folder with a libblas.so.3 for a second PyTorch column")
    ap.add_argument("--tokenizer-binary", default=os.path.join(ROOT, "build", "release", "bench", "bench_tokenizer"))
    ap.add_argument("--skip-tokenizer", action="store_true", help="do not compare the tokenizers")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--raw", default=os.path.join(ROOT, "build", "compare_sentence.json"),
                    help="where every round's results are kept")
    ap.add_argument("--report-only", action="store_true", help="rewrite the section and plot from --raw; run nothing")
    args = ap.parse_args()

    if args.report_only:
        saved = json.load(open(args.raw))
        for key in ("repetitions", "min_time", "threads", "peer_blas", "loads"):
            setattr(args, key, saved[key])
        sides = saved["sides"]
        runs = {(t, s): saved["runs"][f"{t}/{s}"] for t in args.threads for s in sides}
        contexts = {(t, s): saved["contexts"][f"{t}/{s}"] for t in args.threads for s in sides}
        tokenizer_runs = saved.get("tokenizer", [])
    else:
        if not os.path.exists(os.path.join(args.model, "bench_texts.json")):
            subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "make_sentence_model.py"), args.model],
                           check=True)
        if not os.path.exists(args.binary):
            sys.exit(f"{args.binary} is not built: cmake --build build/release --target bench_sentence")
        args.threads = sorted(set(args.threads))
        runs, contexts, args.loads, sides, tokenizer_runs = measure(args)
        os.makedirs(os.path.dirname(args.raw), exist_ok=True)
        with open(args.raw, "w") as f:
            json.dump({"repetitions": args.repetitions, "min_time": args.min_time, "threads": args.threads,
                       "peer_blas": args.peer_blas, "loads": args.loads, "sides": sides,
                       "runs": {f"{t}/{s}": v for (t, s), v in runs.items()},
                       "contexts": {f"{t}/{s}": v for (t, s), v in contexts.items()},
                       "tokenizer": tokenizer_runs}, f, indent=1)
    report(args, runs, contexts, sides, tokenizer_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
