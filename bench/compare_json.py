#!/usr/bin/python3
"""Runs bench_json (bench/json.cpp: embedkit's JSON core and Object2Vec codec against
nlohmann::json and simdjson, in one process) and writes the section "## JSON (Object2Vec request
and response bodies)" of docs/performance.md, between its markers <!-- json:begin --> and
<!-- json:end --> (replacing what is there, appended at the end otherwise; nothing else in the
file is touched), and docs/img/json.png. Builds nothing:

    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF
    cmake --build build/release --target bench_json
    /usr/bin/python3 bench/compare_json.py [--repetitions 10] [--min-time 0.3]

Every benchmark runs --repetitions times with Google Benchmark's random interleaving
(--benchmark_enable_random_interleaving=true): each round runs every benchmark once, in a
shuffled order, so a slow spell of a shared machine hits all of them. Reported: the median and
the range over the rounds of each benchmark's MB/s (10^6 bytes of the body per second), and of
the per-round ratios embedkit / peer (the two measured in the same round).

Every round's numbers are kept in build/compare_json.json (--raw); --report-only rewrites the
section and the plot from that file without measuring again. Needs python3-matplotlib for the
plot.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## JSON (Object2Vec request and response bodies)"
BEGIN, END = "<!-- json:begin -->", "<!-- json:end -->"

# name -> (label, what it does), in the order of the tables.
PARSERS = {
    "parse_request/embedkit_codec": ("embedkit `parse_object2vec_request`",
                                     "the codec embedkit-serve runs: text to `Object2VecRequest` (ids as "
                                     "`std::vector<int64_t>`), with its shape checks"),
    "parse_request/embedkit_dom": ("embedkit `json::parse`", "the JSON core's document (`json::Value`)"),
    "parse_request/nlohmann_dom": ("nlohmann `json::parse`", "nlohmann::json's document"),
    "parse_request/simdjson_ondemand": ("simdjson On Demand",
                                        "walks instances and ids into `std::vector<std::vector<int64_t>>` "
                                        "(the codec's result)"),
    "parse_request/simdjson_dom": ("simdjson DOM", "simdjson's document only, for reference"),
}
WRITERS = {
    "write_response/embedkit_codec": ("embedkit `write_object2vec_response`",
                                      "float tensor to text, each float's shortest digits; a new string "
                                      "per call"),
    "write_response/embedkit_codec_reused": ("embedkit `write_object2vec_response`, reused buffer",
                                             "the same, appending to a string cleared between calls"),
    "write_response/embedkit_dump": ("embedkit `json::dump`",
                                     "the same data as a `json::Value` (doubles: longer digits)"),
    "write_response/nlohmann_dump": ("nlohmann `json::dump`",
                                     "the same data as `nlohmann::json` (doubles: longer digits)"),
    "write_response/nlohmann_float_dump": ("nlohmann `basic_json<..., float>::dump`",
                                           "nlohmann with float numbers: the same text as embedkit's codec"),
}
# (embedkit, peer, target): the ratios reported; a target is the issue's goal for that ratio.
RATIOS = [
    ("parse_request/embedkit_codec", "parse_request/simdjson_ondemand", 1.0),
    ("parse_request/embedkit_codec", "parse_request/nlohmann_dom", None),
    ("parse_request/embedkit_dom", "parse_request/nlohmann_dom", None),
    ("parse_request/embedkit_dom", "parse_request/simdjson_dom", None),
    ("write_response/embedkit_codec", "write_response/nlohmann_dump", 3.0),
    ("write_response/embedkit_codec_reused", "write_response/nlohmann_dump", 3.0),
    ("write_response/embedkit_codec", "write_response/nlohmann_float_dump", None),
    ("write_response/embedkit_dump", "write_response/nlohmann_dump", None),
]


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run(args):
    """{"rounds": {name: [MB/s per round]}, "times": {name: [us per round]}, "context": {...}}."""
    load = os.getloadavg()[0]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [args.binary, f"--benchmark_repetitions={args.repetitions}",
               "--benchmark_enable_random_interleaving=true", f"--benchmark_min_time={args.min_time}",
               f"--benchmark_out={out.name}", "--benchmark_out_format=json"]
        done = subprocess.run(cmd, text=True, capture_output=True)
        if done.returncode != 0:
            sys.exit(f"{args.binary} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        data = json.loads(open(out.name).read())
    rounds, times, counters = {}, {}, {}
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        k = int(b.get("repetition_index", len(rounds.get(name, []))))
        rounds.setdefault(name, {})[k] = b["bytes_per_second"] / 1e6
        # CPU time, in microseconds (Unit(kMicrosecond)): what bytes_per_second is computed from.
        times.setdefault(name, {})[k] = b["cpu_time"]
        counters[name] = {c: b[c] for c in ("body_bytes", "output_bytes") if c in b}
    return {"rounds": rounds, "times": times, "counters": counters, "context": data["context"],
            "load": load, "repetitions": args.repetitions, "min_time": args.min_time,
            "date": datetime.date.today().isoformat(), "cpu": cpu_model(), "cores": os.cpu_count(),
            "binary": os.path.relpath(os.path.abspath(args.binary), ROOT)}


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)} if values else None


def summarize(raw):
    rows = {}
    for name, per_round in raw["rounds"].items():
        rows[name] = {"mbps": stats(list(per_round.values())),
                      "us": stats(list(raw["times"][name].values())),
                      "counters": raw["counters"].get(name, {})}
    ratios = []
    for ours, peer, target in RATIOS:
        if ours not in raw["rounds"] or peer not in raw["rounds"]:
            continue
        a, b = raw["rounds"][ours], raw["rounds"][peer]
        per_round = [a[k] / b[k] for k in a if k in b]
        ratios.append({"ours": ours, "peer": peer, "target": target, "ratio": stats(per_round)})
    return rows, ratios


def fmt(s, p=None):
    if not s:
        return "—"
    if p is None:
        p = 0 if s["median"] >= 100 else 1 if s["median"] >= 10 else 2
    return f"{s['median']:,.{p}f} [{s['min']:,.{p}f}–{s['max']:,.{p}f}]"


def fmt_ratio(s):
    return "—" if not s else f"{s['median']:.2f}x [{s['min']:.2f}–{s['max']:.2f}]"


def label(name):
    return (PARSERS.get(name) or WRITERS.get(name) or (name, ""))[0]


def section(raw, rows, ratios):
    ctx = raw["context"]
    lines = []
    w = lines.append
    w(BEGIN)
    w(HEADING)
    w("")
    w("Throughput of the JSON an Object2Vec endpoint reads and writes, embedkit against "
      "[nlohmann::json](https://github.com/nlohmann/json) and [simdjson](https://simdjson.org) "
      f"(Debian's nlohmann-json3-dev and libsimdjson-dev; simdjson picked its `{ctx.get('simdjson_implementation', '?')}` "
      "kernels), all in one program (`bench/json.cpp`) on the same bodies, one thread:")
    w("")
    w(f"- request: `{{\"instances\": [{{\"in0\": [ids]}}, ...]}}`, 1,000 instances of 50 ids in [0, 30000), "
      f"as Python's `json.dumps` writes it: {int(ctx.get('request_bytes', 0)):,} bytes;")
    w(f"- response: `{{\"predictions\":[{{\"embeddings\":[...]}},...]}}`, 1,000 rows of 256 floats, as "
      f"embedkit writes it (each float's shortest round-trip digits): {int(ctx.get('response_bytes', 0)):,} bytes.")
    w("")
    w("MB/s are 10^6 bytes of that body per second of CPU time (Google Benchmark's rate) for every "
      "entry, writers included, so that the rates of one table compare times. Before measuring, the "
      "program checks that every parser reads the generated ids and that every writer's numbers read "
      "back to the floats written.")
    w("")
    w(f"Measured {raw['date']} on {raw['cpu']}, {raw['cores']} cores, {raw['repetitions']} rounds of "
      f"{raw['min_time']} s per benchmark, each round running every benchmark once in a shuffled order "
      f"(Google Benchmark's random interleaving). The 1-minute load average as the run started: {raw['load']:.1f}.")
    w("")
    w("```sh")
    build = os.path.dirname(os.path.dirname(raw.get("binary", "build/release/bench/bench_json")))
    binary = "" if build == "build/release" else f" --binary {raw['binary']}"
    w(f"cmake -S . -B {build} -DCMAKE_BUILD_TYPE=Release -DEMBEDKIT_BUILD_TESTS=OFF -DEMBEDKIT_BUILD_EXAMPLES=OFF")
    w(f"cmake --build {build} --target bench_json")
    w(f"/usr/bin/python3 bench/compare_json.py{binary} --repetitions {raw['repetitions']} --min-time {raw['min_time']}")
    w("```")
    w("")
    w("![JSON throughput](img/json.png)")
    w("")
    w("### Targets")
    w("")
    w("| ratio (same round) | target | measured | met |")
    w("|---|---|---|---|")
    for r in ratios:
        if r["target"] is None:
            continue
        met = "yes" if r["ratio"]["median"] >= r["target"] else "**no**"
        w(f"| {label(r['ours'])} / {label(r['peer'])} | >= {r['target']:g}x | {fmt_ratio(r['ratio'])} | {met} |")
    w("")
    for title, group in (("Parsing the request", PARSERS), ("Writing the response", WRITERS)):
        w(f"### {title}")
        w("")
        w("| | what is measured | MB/s | µs (CPU) per body |" + (" output bytes |" if group is WRITERS else ""))
        w("|---|---|---|---|" + ("---|" if group is WRITERS else ""))
        for name, (lab, what) in group.items():
            r = rows.get(name)
            if not r:
                continue
            extra = f" {int(r['counters'].get('output_bytes', 0)):,} |" if group is WRITERS else ""
            w(f"| {lab} | {what} | {fmt(r['mbps'])} | {fmt(r['us'])} |{extra}")
        w("")
    w("Other ratios (embedkit / peer, same round):")
    w("")
    for r in ratios:
        if r["target"] is None:
            w(f"- {label(r['ours'])} / {label(r['peer'])}: {fmt_ratio(r['ratio'])}")
    w("")
    doubles = rows.get("write_response/nlohmann_dump", {}).get("counters", {}).get("output_bytes", 0)
    w("Medians [min–max] over the rounds. simdjson reads a padded copy of the body made once, outside "
      "the timed loop (a server would make one per request). nlohmann::json stores numbers as doubles, "
      "so `nlohmann_dump` (like embedkit's `json::dump` of a `json::Value`) writes each float's value "
      f"with a double's shortest digits (up to 17 significant digits: {int(doubles):,} bytes instead of "
      f"{int(ctx.get('response_bytes', 0)):,}); the `basic_json<..., float>` row writes the same text as "
      "embedkit's codec.")
    w("")
    w("Where the time goes (`perf record -g` on bench_json): `parse_object2vec_request` parses the whole "
      "body into a `json::Value` document first and reads the ids out of it afterwards, so it costs "
      "about what `json::parse` does plus one vector of ids per instance; simdjson On Demand builds no "
      "document at all. Reaching it needs a codec path that reads `{\"instances\": [...]}` straight "
      "into vectors of ids (the document only to report an error), not a faster document. Writing, "
      "about 60% of the time is libstdc++'s `std::to_chars(float)` (the shortest round-trip digits); "
      "the rest is laying the digits out as Python's `repr()` does and appending them.")
    w(END)
    return "\n".join(lines) + "\n"


def write_section(path, text):
    """Replaces the marked section of `path` (read and written back at once, so that another
    section written at about the same time is not lost), or appends it."""
    old = open(path).read() if os.path.exists(path) else "# Performance\n"
    begin, end = old.find(BEGIN), old.find(END)
    if 0 <= begin < end:
        new = old[:begin] + text.rstrip("\n") + old[end + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(new)


def plot(rows, ratios, path):
    """MB/s per parser and writer (median, min–max), and embedkit's ratios to its peers."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8), gridspec_kw={"width_ratios": [1, 1, 1]})
    for ax, (title, group) in zip(axes[:2], (("Parsing the request (343 kB)", PARSERS),
                                             ("Writing the response (3.1 MB)", WRITERS))):
        names = [n for n in group if n in rows]
        ys = list(range(len(names)))
        med = [rows[n]["mbps"]["median"] for n in names]
        lo = [rows[n]["mbps"]["median"] - rows[n]["mbps"]["min"] for n in names]
        hi = [rows[n]["mbps"]["max"] - rows[n]["mbps"]["median"] for n in names]
        colors = ["C0" if "embedkit" in n else "C1" for n in names]
        ax.barh(ys, med, xerr=[lo, hi], capsize=3, color=colors)
        for y, m in zip(ys, med):
            ax.annotate(f"{m:,.0f}", (m, y), textcoords="offset points", xytext=(4, 0), fontsize=7, va="center")
        ax.set_yticks(ys)
        ax.set_yticklabels([n.split("/", 1)[1] for n in names], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("MB/s of the body (median, min–max)")
        ax.set_title(title, fontsize=10)
    ax = axes[2]
    ys = list(range(len(ratios)))
    med = [r["ratio"]["median"] for r in ratios]
    ax.errorbar(med, ys, xerr=[[r["ratio"]["median"] - r["ratio"]["min"] for r in ratios],
                               [r["ratio"]["max"] - r["ratio"]["median"] for r in ratios]],
                fmt="o", capsize=3, color="C0")
    for y, r in zip(ys, ratios):
        ax.annotate(f"{r['ratio']['median']:.2f}x", (r["ratio"]["median"], y), textcoords="offset points",
                    xytext=(0, 5), fontsize=7, ha="center")
        if r["target"]:
            ax.plot([r["target"]], [y], marker="|", markersize=14, color="C3")
    ax.axvline(1.0, color="gray", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xticks([0.25, 0.5, 1, 2, 3, 4])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{r['ours'].split('/', 1)[1]} / {r['peer'].split('/', 1)[1]}" for r in ratios], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("embedkit / peer, same round (log); red: target")
    ax.set_title("Ratios", fontsize=10)
    fig.suptitle("JSON throughput: embedkit, nlohmann::json and simdjson, one thread", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "release", "bench", "bench_json"))
    ap.add_argument("--repetitions", type=int, default=10, help="rounds; each runs every benchmark once")
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per benchmark and round")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--raw", default=os.path.join(ROOT, "build", "compare_json.json"),
                    help="every round's numbers are written here (read back with --report-only)")
    ap.add_argument("--report-only", action="store_true", help="rewrite the section from --raw, measure nothing")
    args = ap.parse_args()

    if args.report_only:
        raw = json.load(open(args.raw))
        for key in ("rounds", "times"):
            raw[key] = {n: {int(k): v for k, v in r.items()} for n, r in raw[key].items()}
    else:
        if not os.path.exists(args.binary):
            sys.exit(f"{args.binary} not found: build the bench_json target first (see --help)")
        raw = run(args)
        os.makedirs(os.path.dirname(args.raw), exist_ok=True)
        with open(args.raw, "w") as f:
            json.dump(raw, f, indent=1)
    rows, ratios = summarize(raw)
    for name in list(PARSERS) + list(WRITERS):
        if name in rows:
            print(f"{name:40s} {fmt(rows[name]['mbps'])} MB/s")
    for r in ratios:
        print(f"{r['ours']} / {r['peer']}: {fmt_ratio(r['ratio'])}" +
              (f" (target >= {r['target']:g}x)" if r["target"] else ""))
    write_section(args.out, section(raw, rows, ratios))
    plot(rows, ratios, os.path.join(os.path.dirname(args.out), "img", "json.png"))


if __name__ == "__main__":
    main()
