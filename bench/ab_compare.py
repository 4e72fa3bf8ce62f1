#!/usr/bin/python3
"""Compares two builds of one Google Benchmark program on this machine, in one run: the two
binaries take turns (A, B, A, B, ...), each turn one repetition of every selected benchmark, so
that the machine's drift and noise fall on both alike. Prints, per benchmark, the median time of
each, B / A as a ratio of medians, and the spread of the per-round ratios (min..max).

Used to show that a change which should not alter speed (a refactoring) did not:

    /usr/bin/python3 bench/ab_compare.py before/bench_embedding_bag after/bench_embedding_bag \\
        --filter 'fp32/(sum|mean|max)' --rounds 7 --env EMBEDKIT_BENCH_ROWS=1048576

Ratios > 1 mean B is slower. Any Google Benchmark program works; the time compared is
real_time (manual time where the benchmark reports it).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run_once(binary, args, env):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        subprocess.run([binary, f"--benchmark_filter={args.filter}", f"--benchmark_min_time={args.min_time}",
                        f"--benchmark_out={out}", "--benchmark_out_format=json"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        with open(out) as f:
            data = json.load(f)
    finally:
        os.unlink(out)
    return {b["name"]: b["real_time"] for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="benchmark binary A (e.g. before the change)")
    ap.add_argument("b", help="benchmark binary B (e.g. after the change)")
    ap.add_argument("--filter", default=".", help="--benchmark_filter for both")
    ap.add_argument("--rounds", type=int, default=5, help="turns each binary takes (default 5)")
    ap.add_argument("--min-time", default="0.2", help="--benchmark_min_time per turn (seconds)")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for both binaries")
    args = ap.parse_args()
    env = dict(os.environ)
    for kv in args.env:
        name, _, value = kv.partition("=")
        env[name] = value

    times = {"a": {}, "b": {}}
    for r in range(args.rounds):
        for side, binary in (("a", args.a), ("b", args.b)) if r % 2 == 0 else (("b", args.b), ("a", args.a)):
            for name, t in run_once(binary, args, env).items():
                times[side].setdefault(name, []).append(t)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    names = [n for n in times["a"] if n in times["b"]]
    width = max((len(n) for n in names), default=10)
    print(f"{'benchmark':<{width}}  {'A median':>10}  {'B median':>10}  {'B/A':>6}  per-round B/A")
    ratios = []
    for n in names:
        a, b = times["a"][n], times["b"][n]
        ratio = statistics.median(b) / statistics.median(a)
        rounds = [y / x for x, y in zip(a, b)]
        ratios.append(ratio)
        print(f"{n:<{width}}  {statistics.median(a):>10.4g}  {statistics.median(b):>10.4g}  {ratio:>6.3f}  "
              f"{min(rounds):.3f}..{max(rounds):.3f}")
    if ratios:
        print(f"\n{len(ratios)} benchmarks, {args.rounds} rounds: median B/A {statistics.median(ratios):.3f}, "
              f"range {min(ratios):.3f}..{max(ratios):.3f}")


if __name__ == "__main__":
    main()
