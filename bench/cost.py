#!/usr/bin/env python3
"""`slmstack cost` as a whole process: median and min wall time and peak RSS over N runs.

No peer prices this stack offline: Infracost does not price SageMaker endpoints, and the AWS Pricing
Calculator is a web page. So the figure stands against slmstack's own `--version` (process start-up)
in the same run, which shows how much of a cost estimate is the estimate itself.

    python3 bench/cost.py [--runs N]          (make bench runs it)
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / ".build" / "release" / "slmstack"


def one(args):
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit(f"cost bench: {' '.join(args)} exited {status}")
    return (time.perf_counter() - start) * 1000, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command (default 20)")
    runs = parser.parse_args().runs
    if not BIN.exists():
        sys.exit(f"cost bench: {BIN} not found: run make build")
    commands = {"cost (table)": [str(BIN), "cost"], "cost (json)": [str(BIN), "cost", "--format", "json"],
                "--version (start-up)": [str(BIN), "--version"]}
    samples = {name: [] for name in commands}
    for _ in range(2):
        for args in commands.values():
            one(args)
    for _ in range(runs):
        for name, args in commands.items():  # interleaved, so load hits all alike
            samples[name].append(one(args))
    results = {name: {"wall_ms_median": statistics.median(w for w, _ in s), "wall_ms_min": min(w for w, _ in s),
                      "rss_mb_median": statistics.median(r for _, r in s)} for name, s in samples.items()}
    print(f"cost benchmark: {runs} interleaved runs each, load average {os.getloadavg()[0]:.2f}")
    for name, r in results.items():
        print(f"  {name:22} wall median {r['wall_ms_median']:6.1f} ms  min {r['wall_ms_min']:6.1f} ms  peak RSS {r['rss_mb_median']:5.1f} MB")
    startup = results["--version (start-up)"]["wall_ms_median"]
    print(f"  the estimate itself adds {results['cost (table)']['wall_ms_median'] - startup:.1f} ms to start-up")
    print("  reproduce: python3 bench/cost.py --runs 20   (or: make bench)")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "cost.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
