#!/usr/bin/env python3
"""`make bench`: build the release binary, then run each benchmark script as a subprocess.

    python3 bench/run.py [--only NAME[,NAME]] [--runs N] [--no-build]

Benchmarks (each runs only if its script exists): synth, sigv4, cost, deploy.
Exits non-zero when the build or a benchmark script fails. Missed targets are reported by the
scripts, not turned into a failure here.
"""
import argparse
import json
import os
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
KNOWN = ["synth", "sigv4", "cost", "deploy"]
VENV_PYTHON = os.path.join(REPO, ".build", "tools-venv", "bin", "python")


def accepts_runs(script):
    """Whether the script's --help mentions --runs (scripts written by others may not take it)."""
    try:
        proc = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, timeout=60, cwd=REPO)
    except (OSError, subprocess.SubprocessError):
        return False
    return "--runs" in proc.stdout + proc.stderr


def synth_recap(path, started):
    """One line from bench/results/synth.json, when this run wrote it."""
    try:
        if os.path.getmtime(path) < started:
            return ""
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        s, t = r["results"][r["targets"]["scope"]], r["results"]["troposphere"]
        return "%s %.1f ms / %.1f MB vs troposphere %.1f ms / %.1f MB; targets: time %s, memory %s" % (
            r["targets"]["scope"], s["wall_ms"]["median"], s["peak_rss_mb"]["median"], t["wall_ms"]["median"],
            t["peak_rss_mb"]["median"], "PASS" if r["targets"]["wall_pass"] else "FAIL", "PASS" if r["targets"]["rss_pass"] else "FAIL")
    except (OSError, KeyError, ValueError, TypeError):
        return ""


def main():
    parser = argparse.ArgumentParser(description="Run the slmstack benchmarks (make bench)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only these benchmarks (%s); repeat or comma-separate" % ", ".join(KNOWN))
    parser.add_argument("--runs", type=int, help="timed runs per contender, passed to scripts that take --runs")
    parser.add_argument("--no-build", action="store_true", help="skip make build")
    args = parser.parse_args()

    names = [n.strip() for item in args.only for n in item.split(",") if n.strip()] or KNOWN
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        parser.error("unknown benchmark %s; known: %s" % (", ".join(unknown), ", ".join(KNOWN)))
    if "synth" in names and not os.access(VENV_PYTHON, os.X_OK):
        print("bench: %s is missing (troposphere for the synth peer): run make deps" % os.path.relpath(VENV_PYTHON, REPO),
              file=sys.stderr)
        return 2

    if not args.no_build:
        print("bench: make build (swift build -c release --static-swift-stdlib)", flush=True)
        if subprocess.run(["make", "--no-print-directory", "build"], cwd=REPO).returncode != 0:
            print("bench: release build failed", file=sys.stderr)
            return 1

    recap, failed = [], []
    for name in names:
        script = os.path.join(BENCH, name + ".py")
        if not os.path.exists(script):
            recap.append((name, "skipped", "bench/%s.py does not exist yet" % name))
            continue
        argv = [sys.executable, script]
        if args.runs is not None:
            if accepts_runs(script):
                argv += ["--runs", str(args.runs)]
            else:
                print("bench: %s does not take --runs; running with its default" % name, flush=True)
        print("\n=== %s: %s" % (name, " ".join(os.path.relpath(a, REPO) if a.startswith(REPO) else os.path.basename(a) for a in argv)),
              flush=True)
        started = time.time()
        code = subprocess.run(argv, cwd=REPO).returncode
        took = time.time() - started
        if code != 0:
            failed.append(name)
            recap.append((name, "FAILED", "exit %d after %.0f s" % (code, took)))
        else:
            detail = synth_recap(os.path.join(BENCH, "results", "synth.json"), started) if name == "synth" else ""
            recap.append((name, "ok", detail or "%.0f s" % took))

    print("\n=== summary")
    for name, status, detail in recap:
        print("  %-7s %-8s %s" % (name, status, detail))
    print("  reproduce: python3 bench/run.py%s%s   (or: make bench)" % (
        "".join(" --only " + n for n in names) if args.only else "", " --runs %d" % args.runs if args.runs else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
