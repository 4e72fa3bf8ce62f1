#!/usr/bin/python3
"""embedkit-serve under a bounded loopback load: throughput and latency for the demo Object2Vec
model and a MiniLM-sized sentence model, with and without dynamic batching. Writes the section
"## Serving (embedkit-serve over loopback)" of docs/performance.md (between its markers
<!-- serve:begin --> and <!-- serve:end -->, replacing what is there, appended at the end
otherwise; no other section is touched) and docs/img/serve.png. Builds nothing:

    cmake -S . -B build/serve-bench -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF
    cmake --build build/serve-bench --target embedkit-serve bench_serve_load
    /usr/bin/python3 bench/make_sentence_model.py build/sentence-model   # or let this script do it
    /usr/bin/python3 bench/compare_serve.py [--build build/serve-bench] [--repetitions 3]

Workloads (each request the same body; every answer is checked by bench_serve_load):
  object2vec  POST /invocations of the demo model (no --model) with SageMaker's example request
              (examples/data/object2vec_request.json, 3 instances); the demo model has no
              batching queue (Object2Vec requests run on the HTTP threads).
  sentence-1  POST /embed of 1 sentence of exactly 20 tokens ([CLS] and [SEP] included).
  sentence-8  POST /embed of 8 such sentences.
Sentence configurations:
  batching        the defaults: --max-batch-tokens 16384, --batch-wait-ms 0 (the worker takes
                  whatever is queued as soon as it is free).
  batching+wait   --batch-wait-ms 2: the oldest request waits up to 2 ms for others.
  no batching     --max-batch-tokens = one request's padded tokens (20 or 160): a request fits
                  the budget alone, two do not, so every forward pass is one request's texts,
                  in one pass as with batching. (The batcher has no switch of its own; with
                  texts of equal length this budget is exact. The "texts per pass" column,
                  read from the server's /metrics, confirms it.)

Each repetition starts one server per (workload, configuration), in an order that rotates from
repetition to repetition, and runs bench_serve_load at each concurrency (closed loop, a fixed
request count, a time limit) against it. Reported: medians [min-max] over the repetitions, the
server's CPU time per request (utime + stime from /proc/PID/stat around each run), the
generator's own CPU time per request, and texts per forward pass (te_batch_next_size from
/metrics). Server and load generator share the machine's cores. Every run's numbers are kept in
build/compare_serve.json (--raw); --report-only rewrites the section and the plot from it.
"""
import argparse
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## Serving (embedkit-serve over loopback)"
BEGIN, END = "<!-- serve:begin -->", "<!-- serve:end -->"
TOKENS = 20  # per sentence, [CLS] and [SEP] included
CLK_TCK = os.sysconf("SC_CLK_TCK")

WORKLOADS = {
    "object2vec": {"label": "Object2Vec demo, 3 instances", "path": "/invocations", "items": 3,
                   "marker": '"embeddings"', "count": 3, "unit": "instances"},
    "sentence-1": {"label": "MiniLM size, 1 sentence", "path": "/embed", "items": 1,
                   "marker": "[", "count": 2, "unit": "sentences"},
    "sentence-8": {"label": "MiniLM size, 8 sentences", "path": "/embed", "items": 8,
                   "marker": "[", "count": 9, "unit": "sentences"},
}
# Facts about the server that the numbers rest on (independent of a run's numbers).
NOTES = [
    "- **TCP_NODELAY.** cpp-httplib writes a response's headers and its body in two writes. With "
    "Nagle's algorithm on, the body waits for the client's delayed ACK of the headers, about 40 ms on "
    "Linux, on every request of a kept-alive connection after its first few: the server answered in "
    "40 ms what it computed in 0.1 ms. `embedkit-serve` sets TCP_NODELAY on its sockets "
    "(`set_tcp_nodelay(true)`), and so does `bench_serve_load` (its requests are two writes too).",
    "- **Listen backlog.** Debian's compiled cpp-httplib listens with a backlog of 5, and closes a "
    "kept-alive connection after 5 requests, so under load clients reconnect all the time; with more "
    "than a few connecting at once the kernel dropped their SYNs (`nstat` TcpExtListenOverflows) and "
    "each such request stalled for the client's 1 s retransmission timeout. `embedkit-serve` now "
    "lengthens the backlog to SOMAXCONN once it listens (`widen_backlog` in examples/serve/main.cpp).",
    "- **Connections and threads.** cpp-httplib serves a connection on one of its threads (`--threads`, "
    "8 here) until the connection closes; with more connections than threads the others wait to be "
    "accepted, so at 16 connections at most 8 requests are in the server at once, which bounds the "
    "dynamic batches too. An idle kept-alive client holds a thread for the keep-alive timeout (5 s): "
    "`bench_serve_load` closes each connection as soon as its part of the run is done.",
    "- **Object2Vec** requests run on the HTTP threads (no batching queue); each is a few small "
    "matrix products, so the HTTP and JSON work is most of a request's cost.",
]
CONFIGS = {"demo": "—", "batching": "batching", "wait2": "batching, wait 2 ms", "off": "no batching"}


def splitmix64(k):
    m = (1 << 64) - 1
    x = (k + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def sentences(model, n):
    """n texts of TOKENS - 2 whole vocabulary words each (one WordPiece token a word), the word
    choice deterministic (splitmix64), as bench/make_sentence_model.py picks its words."""
    vocab = [w.rstrip("\n") for w in open(os.path.join(model, "vocab.txt"), encoding="utf-8")]
    words = sorted(w for w in vocab if w.isascii() and w.isalpha() and w.islower())
    out, k = [], 1000
    for _ in range(n):
        out.append(" ".join(words[splitmix64(k + j) % len(words)] for j in range(TOKENS - 2)))
        k += TOKENS - 2
    return out


# ---- one server -------------------------------------------------------------------------------

class Server:
    def __init__(self, binary, args, env=None):
        self.proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0"] + args,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=dict(os.environ, **(env or {})))
        m = re.search(r"listening on http://[^:]+:(\d+)", self.proc.stdout.readline())
        if not m:
            self.proc.kill()
            sys.exit("embedkit-serve did not print its port")
        self.port = int(m.group(1))
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if self.get("/ping")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.proc.kill()
        sys.exit("embedkit-serve never answered /ping with 200")

    def get(self, path, body=None):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                     headers={"Content-Type": "application/json"} if body else {})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def cpu_seconds(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)

    def batches(self):
        """(batches run, texts in them) from /metrics."""
        text = self.get("/metrics")[1].decode()
        count = re.search(r"^te_batch_next_size_count (\d+)", text, re.M)
        total = re.search(r"^te_batch_next_size_sum (\S+)", text, re.M)
        return (int(count.group(1)), float(total.group(1))) if count and total else (0, 0.0)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def server_args(args, workload, config):
    if workload == "object2vec":
        return []
    a = ["--model", args.model]
    if config == "wait2":
        a += ["--batch-wait-ms", "2"]
    elif config == "off":
        a += ["--max-batch-tokens", str(WORKLOADS[workload]["items"] * TOKENS)]
    return a


def run_unit(args, workload, config, body_file):
    """One server, every concurrency: [{concurrency, load, server_cpu_ms, texts_per_pass, ...}]."""
    w = WORKLOADS[workload]
    env = {"OMP_NUM_THREADS": str(args.omp_threads)} if args.omp_threads else {}
    s = Server(os.path.join(args.build, "examples", "embedkit-serve"), server_args(args, workload, config), env)
    out = []
    try:
        if workload != "object2vec":  # the texts must be TOKENS tokens each, as the budget assumes
            st, data = s.get("/tokenize", json.dumps({"inputs": json.load(open(body_file))["inputs"]}).encode())
            lengths = [len(t) for t in json.loads(data)] if st == 200 else []
            if not lengths or any(n != TOKENS for n in lengths):
                s.stop()
                sys.exit(f"/tokenize: {st}, token counts {lengths}, expected {TOKENS} each")
        for c in args.concurrency:
            requests = args.requests[workload]
            cmd = [os.path.join(args.build, "bench", "bench_serve_load"), "--port", str(s.port),
                   "--path", w["path"], "--body-file", body_file, "--requests", str(requests),
                   "--concurrency", str(c), "--items", str(w["items"]), "--time-limit", str(args.time_limit),
                   "--expect-marker", w["marker"], "--expect-count", str(w["count"])]
            load = os.getloadavg()[0]
            b0, cpu0 = s.batches(), s.cpu_seconds()
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.time_limit + 120)
            cpu1, b1 = s.cpu_seconds(), s.batches()
            try:
                r = json.loads(done.stdout)
            except ValueError:
                s.stop()
                sys.exit(f"bench_serve_load failed ({done.returncode}): {done.stdout}{done.stderr}")
            # The warm-up requests ran on the server too: CPU and batches are per request of the
            # whole run, warm-up included.
            sent = r["completed"] + r["warmup"]
            r.update(workload=workload, config=config, load=load,
                     server_cpu_ms=1e3 * (cpu1 - cpu0) / sent,
                     texts_per_pass=(b1[1] - b0[1]) / (b1[0] - b0[0]) if b1[0] > b0[0] else None)
            out.append(r)
            print(f"  {workload:11s} {CONFIGS[config]:20s} c={c:<3d} {r['requests_per_s']:9.1f} req/s "
                  f"{r['items_per_s']:9.1f} {w['unit']}/s  p50 {r['latency_ms']['p50']:8.2f} ms  "
                  f"p99 {r['latency_ms']['p99']:8.2f} ms  errors {r['errors']}  server {r['server_cpu_ms']:.2f} ms/req  "
                  f"client {r['client_cpu_ms_per_request']:.3f} ms/req"
                  + (f"  texts/pass {r['texts_per_pass']:.1f}" if r["texts_per_pass"] else ""),
                  file=sys.stderr, flush=True)
            if r["errors"] or r["timed_out"]:
                print(f"    first error: {r['first_error']!r}, timed out: {r['timed_out']}", file=sys.stderr)
    finally:
        rc = s.stop()
    if rc != 0:
        print(f"  embedkit-serve exited with {rc} after SIGTERM", file=sys.stderr)
    return out


def measure(args):
    texts = sentences(args.model, 8)
    tmp = tempfile.mkdtemp(prefix="compare_serve")
    bodies = {"object2vec": os.path.join(ROOT, "examples", "data", "object2vec_request.json")}
    for name, n in (("sentence-1", 1), ("sentence-8", 8)):
        bodies[name] = os.path.join(tmp, name + ".json")
        with open(bodies[name], "w") as f:
            json.dump({"inputs": texts[:n]}, f)
    units = [("object2vec", "demo")] + [(w, c) for w in ("sentence-1", "sentence-8") for c in ("batching", "wait2", "off")]
    runs = []
    for rep in range(args.repetitions):
        k = (rep * 3) % len(units)
        order = units[k:] + units[:k]
        print(f"repetition {rep + 1}/{args.repetitions}", file=sys.stderr, flush=True)
        for workload, config in order:
            for r in run_unit(args, workload, config, bodies[workload]):
                r["repetition"] = rep
                runs.append(r)
    return runs


# ---- the report -------------------------------------------------------------------------------

def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt(s, digits=None):
    if not s:
        return "—"
    m = s["median"]
    p = digits if digits is not None else (0 if m >= 100 else 1 if m >= 10 else 2)
    return f"{m:,.{p}f} [{s['min']:,.{p}f}–{s['max']:,.{p}f}]"


def summarise(runs):
    keys = []
    for r in runs:
        k = (r["workload"], r["config"], r["concurrency"])
        if k not in keys:
            keys.append(k)
    order = {w: i for i, w in enumerate(WORKLOADS)}
    corder = {c: i for i, c in enumerate(CONFIGS)}
    keys.sort(key=lambda k: (order[k[0]], corder[k[1]], k[2]))
    rows = []
    for w, c, n in keys:
        sel = [r for r in runs if (r["workload"], r["config"], r["concurrency"]) == (w, c, n)]
        rows.append({"workload": w, "config": c, "concurrency": n, "runs": len(sel),
                     "rps": spread([r["requests_per_s"] for r in sel]),
                     "ips": spread([r["items_per_s"] for r in sel]),
                     "p50": spread([r["latency_ms"]["p50"] for r in sel]),
                     "p90": spread([r["latency_ms"]["p90"] for r in sel]),
                     "p99": spread([r["latency_ms"]["p99"] for r in sel]),
                     "server_cpu": spread([r["server_cpu_ms"] for r in sel]),
                     "client_cpu": spread([r["client_cpu_ms_per_request"] for r in sel]),
                     "tpp": spread([r["texts_per_pass"] for r in sel]),
                     "errors": sum(r["errors"] for r in sel),
                     "timed_out": sum(1 for r in sel if r["timed_out"]),
                     "requests": sel[0]["requests"]})
    return rows


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def write_section(args, runs, rows):
    loads = [r["load"] for r in runs if r.get("load") is not None]
    lines = []
    w = lines.append
    w(BEGIN)
    w(HEADING)
    w("")
    w("`embedkit-serve` (Release build) under a closed-loop load from `bench_serve_load` (bench/serve_load.cpp, "
      "cpp-httplib's client): N keep-alive connections, each sending its next request as soon as the last is "
      "answered, until a fixed number of requests has been sent (after 2 x N warm-up requests that are not "
      "counted); every answer is checked (status 200 and the expected number of embeddings). The demo "
      "Object2Vec model answers SageMaker's example request (3 instances) on `POST /invocations`; the "
      "sentence model, the size of all-MiniLM-L6-v2 (random weights, the real tokenizer, "
      "`bench/make_sentence_model.py`), answers `POST /embed` with 1 or 8 sentences of exactly "
      f"{TOKENS} tokens each. *batching* is the server's default (`--max-batch-tokens 16384`, no wait), "
      "*wait 2 ms* adds `--batch-wait-ms 2`; *no batching* sets `--max-batch-tokens` to one request's "
      f"padded tokens ({TOKENS} or {8 * TOKENS}), so that no two requests share a forward pass (the batcher "
      "has no other switch; *texts/pass*, read from the server's `/metrics`, shows it held).")
    w("")
    reqs = ", ".join(f"{k} {v}" for k, v in args.requests.items())
    w(f"Measured {datetime.date.today().isoformat()} on {cpu_model()}, {os.cpu_count()} cores. **The server and "
      "the load generator share these cores** (the server's OpenMP threads, its HTTP threads and the "
      "generator's threads), so the numbers are a lower bound on what the server does alone; the generator's "
      "own CPU time per request is in the last column. "
      f"{args.repetitions} repetitions, each starting a fresh server per workload and configuration, in an "
      f"order that rotates between repetitions; requests per run: {reqs}; time limit {args.time_limit:g} s a "
      "run. Medians [min–max] over the repetitions. " +
      (f"The 1-minute load average as each run started: {min(loads):.1f} to {max(loads):.1f} "
       f"(median {statistics.median(loads):.1f}). " if loads else "") +
      "The server's settings are "
      "its defaults otherwise: 8 HTTP threads (`--threads`, max(8, cores)), "
      + (f"OMP_NUM_THREADS={args.omp_threads}." if args.omp_threads else
         "OMP_NUM_THREADS not set (OpenMP's default: one thread a core for the model's forward pass)."))
    if args.context:
        w("")
        w(args.context)
    w("")
    w("Produced by:")
    w("")
    w("```sh")
    w("cmake -S . -B build/serve-bench -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF")
    w("cmake --build build/serve-bench --target embedkit-serve bench_serve_load")
    w("/usr/bin/python3 bench/make_sentence_model.py build/sentence-model")
    w(f"/usr/bin/python3 bench/compare_serve.py --repetitions {args.repetitions} --concurrency "
      + " ".join(map(str, args.concurrency)) + (f" --omp-threads {args.omp_threads}" if args.omp_threads else ""))
    w("```")
    w("")
    w("![embedkit-serve under load](img/serve.png)")
    w("")
    def tpp(r):
        return "—" if not r["tpp"] else f"{r['tpp']['median']:.1f}"
    w("| workload | batching | connections | requests/s | sentences or instances/s | p50 ms | p90 ms | p99 ms | "
      "server CPU ms/request | texts/pass | generator CPU ms/request |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        wl = WORKLOADS[r["workload"]]
        w(f"| {wl['label']} | {CONFIGS[r['config']]} | {r['concurrency']} | {fmt(r['rps'])} | {fmt(r['ips'])} | "
          f"{fmt(r['p50'])} | {fmt(r['p90'])} | {fmt(r['p99'])} | {fmt(r['server_cpu'])} | "
          f"{tpp(r)} | {r['client_cpu']['median']:.3f} |")
    errors = sum(r["errors"] for r in rows)
    timed = sum(r["timed_out"] for r in rows)
    w("")
    w(f"Errors over all runs: {errors}; runs stopped by the time limit: {timed}. *server CPU* is the server "
      "process's user + system time over a run (warm-up included) divided by the requests it answered; "
      "*texts/pass* is the mean number of texts per forward pass of the sentence model in the run.")
    w("")
    for note in NOTES:
        w(note)
    w(END)
    section = "\n".join(lines) + "\n"

    # Read, replace only between our markers, write back at once: another section of the same
    # file may be rewritten by another script.
    old = open(args.out).read() if os.path.exists(args.out) else "# Performance\n"
    begin, end = old.find(BEGIN), old.find(END)
    if 0 <= begin < end:
        rest = old[end + len(END):].lstrip("\n")
        new = old[:begin] + section + ("\n" + rest if rest else "")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    with open(args.out, "w") as f:
        f.write(new)


def plot(rows, path):
    """Per workload: sentences (instances)/s against connections (top), p50 and p99 latency
    (bottom), one line per configuration, median and min–max."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(os.path.dirname(path), exist_ok=True)
    workloads = [w for w in WORKLOADS if any(r["workload"] == w for r in rows)]
    fig, axes = plt.subplots(2, len(workloads), figsize=(4.6 * len(workloads), 7), squeeze=False)
    for c, wl in enumerate(workloads):
        ax1, ax2 = axes[0][c], axes[1][c]
        for k, cfg in enumerate(CONFIGS):
            sel = [r for r in rows if r["workload"] == wl and r["config"] == cfg]
            if not sel:
                continue
            x = [r["concurrency"] for r in sel]
            label = CONFIGS[cfg] if cfg != "demo" else "no batching queue"

            def bars(key):
                return ([r[key]["median"] for r in sel],
                        [[r[key]["median"] - r[key]["min"] for r in sel], [r[key]["max"] - r[key]["median"] for r in sel]])
            y, e = bars("ips")
            ax1.errorbar(x, y, yerr=e, marker="o", capsize=3, color=f"C{k}", label=label)
            y, e = bars("p50")
            ax2.errorbar(x, y, yerr=e, marker="o", capsize=3, color=f"C{k}", label=label + " p50")
            y, e = bars("p99")
            ax2.errorbar(x, y, yerr=e, marker="s", linestyle="--", capsize=3, color=f"C{k}", alpha=0.6,
                         label=label + " p99")
        unit = WORKLOADS[wl]["unit"]
        for ax in (ax1, ax2):
            ax.set_xscale("log", base=2)
            ax.set_xticks(sorted({r["concurrency"] for r in rows}))
            ax.set_xticklabels([str(v) for v in sorted({r["concurrency"] for r in rows})])
            ax.grid(True, alpha=0.3)
        ax1.set_title(WORKLOADS[wl]["label"], fontsize=10)
        ax1.set_ylabel(f"{unit}/s")
        ax1.set_ylim(bottom=0)
        ax1.legend(fontsize=7)
        ax2.set_yscale("log")
        ax2.set_xlabel("connections (closed loop)")
        ax2.set_ylabel("latency, ms (log)")
        ax2.legend(fontsize=6)
    fig.suptitle("embedkit-serve over loopback (median, min–max; server and load generator share 2 cores)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "serve-bench"),
                    help="a build folder holding examples/embedkit-serve and bench/bench_serve_load")
    ap.add_argument("--model", default=os.environ.get("EMBEDKIT_SENTENCE_MODEL", os.path.join(ROOT, "build", "sentence-model")),
                    help="the MiniLM-sized sentence model (written by bench/make_sentence_model.py when missing)")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--requests-object2vec", type=int, default=2000)
    ap.add_argument("--requests-sentence-1", type=int, default=400)
    ap.add_argument("--requests-sentence-8", type=int, default=200)
    ap.add_argument("--omp-threads", type=int, default=0,
                    help="OMP_NUM_THREADS for the server (0: not set, OpenMP's default of one thread a core)")
    ap.add_argument("--time-limit", type=float, default=60, help="seconds per run")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--raw", default=os.path.join(ROOT, "build", "compare_serve.json"))
    ap.add_argument("--context", default="", help="a paragraph about the run's conditions, written under the intro")
    ap.add_argument("--report-only", action="store_true", help="rewrite the section and plot from --raw; run nothing")
    args = ap.parse_args()
    args.requests = {"object2vec": args.requests_object2vec, "sentence-1": args.requests_sentence_1,
                     "sentence-8": args.requests_sentence_8}

    if args.report_only:
        saved = json.load(open(args.raw))
        for key in ("repetitions", "concurrency", "requests", "time_limit", "omp_threads"):
            setattr(args, key, saved.get(key))
        runs = saved["runs"]
    else:
        if not os.path.exists(os.path.join(args.model, "vocab.txt")):
            subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "make_sentence_model.py"), args.model],
                           check=True)
        for p in ("examples/embedkit-serve", "bench/bench_serve_load"):
            if not os.path.exists(os.path.join(args.build, p)):
                sys.exit(f"{os.path.join(args.build, p)} is not built: "
                         f"cmake --build {args.build} --target embedkit-serve bench_serve_load")
        runs = measure(args)
        os.makedirs(os.path.dirname(args.raw), exist_ok=True)
        with open(args.raw, "w") as f:
            json.dump({"repetitions": args.repetitions, "concurrency": args.concurrency, "requests": args.requests,
                       "time_limit": args.time_limit, "omp_threads": args.omp_threads, "runs": runs}, f, indent=1)
    rows = summarise(runs)
    write_section(args, runs, rows)
    plot(rows, os.path.join(os.path.dirname(args.out), "img", "serve.png"))
    bad = sum(r["errors"] for r in runs) + sum(1 for r in runs if r["timed_out"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
