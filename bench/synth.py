#!/usr/bin/env python3
"""Synth benchmark: `slmstack synth` vs the same stack built with troposphere.

Times whole processes (start to exit), interleaved A B A B ... so machine load hits both alike:
  slmstack synth --out TMP                      (CloudFormation)
  slmstack synth --out TMP --format all         (only when `--format all` works)
  python bench/peers/troposphere_stack.py --out TMP/template.json
Per run: wall time, CPU time (user+sys) and peak RSS (ru_maxrss from os.wait4, KiB on Linux).
Before timing, checks the peer's template has the same resources (logical IDs, types),
outputs and properties as ours. Writes bench/results/synth.json.

    python3 bench/synth.py [--runs N] [--bin PATH] [--python PATH]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
PEER = os.path.join(BENCH, "peers", "troposphere_stack.py")
RESULTS = os.path.join(BENCH, "results", "synth.json")
TEMPLATE = os.path.join("cloudformation", "slmstack.template.json")
TARGET_MS = 20.0
TARGET_MB = 30.0


def rel(path):
    return os.path.relpath(path, os.getcwd()) if path.startswith(REPO) else path


# The timing loop runs in this separate, lean interpreter (`python -I -S`, only os/sys/time), which
# forks each contender and reads its rusage with os.wait4. Why a separate process: Linux folds the
# parent's RSS into a child's ru_maxrss (the pre-exec memory image counts), so the parent must be
# small; this one puts the floor near 5 MB instead of the ~16 MB of this script. The floor is
# measured (peak RSS of /bin/true run the same way) and printed.
RUNNER = r"""
import os, sys, time
US, RS = "\x1f", "\x1e"
scratch, warmup, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
contenders = [c.split(US) for c in sys.argv[4].split(RS)]

def run(argv, workdir):
    os.mkdir(workdir)
    argv = [a.replace("{OUT}", workdir) for a in argv]
    err = os.path.join(workdir, "stderr")
    start = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e6
    return os.waitstatus_to_exitcode(status), wall, (usage.ru_utime + usage.ru_stime) * 1e3, usage.ru_maxrss, err

out = sys.stdout
for i in range(3):
    out.write("floor\t%d\n" % run(["/bin/true"], os.path.join(scratch, "floor%d" % i))[3])
n = 0
for i in range(warmup + runs):
    for c in contenders:  # interleaved: A B A B ...
        n += 1
        code, wall, cpu, rss, err = run(c[1:], os.path.join(scratch, "r%d" % n))
        if code != 0:
            out.write("failed\t%s\t%d\t%s\n" % (c[0], code, err))
            sys.exit(1)
        if i >= warmup:
            out.write("run\t%s\t%.4f\t%.4f\t%d\n" % (c[0], wall, cpu, rss))
"""


def measure(contenders, warmup, runs):
    """Runs the interleaved loop in the lean runner; returns ({name: [(wall ms, cpu ms, rss KiB)]}, floor KiB)."""
    scratch = tempfile.mkdtemp(prefix="slmbench-")
    try:
        plan = "\x1e".join("\x1f".join([name] + argv) for name, argv in contenders)
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", RUNNER, scratch, str(warmup), str(runs), plan],
                              stdout=subprocess.PIPE, text=True)
        samples, floors = {name: [] for name, _ in contenders}, []
        for line in proc.stdout.splitlines():
            f = line.split("\t")
            if f[0] == "floor":
                floors.append(int(f[1]))
            elif f[0] == "run":
                samples[f[1]].append((float(f[2]), float(f[3]), int(f[4])))
            elif f[0] == "failed":
                with open(f[3], encoding="utf-8", errors="replace") as e:
                    raise RuntimeError("%s exited %s: %s" % (f[1], f[2], e.read().strip()[-2000:]))
        if proc.returncode != 0 or not floors:
            raise RuntimeError("timing runner failed (exit %d)" % proc.returncode)
        return samples, sorted(floors)[len(floors) // 2]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def try_run(argv):
    """Untimed run: (ok, combined output, out dir)."""
    out = tempfile.mkdtemp(prefix="slmbench-probe-")
    proc = subprocess.run([a.replace("{OUT}", out) for a in argv], capture_output=True, text=True)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip() or "exit %d, no output" % proc.returncode, out


def compare(ours, peer):
    """Differences between two templates: resource IDs and types, outputs, then properties."""
    problems = []
    ra, rb = ours.get("Resources", {}), peer.get("Resources", {})
    for lid in sorted(ra.keys() - rb.keys()):
        problems.append("resource %s (%s) only in slmstack" % (lid, ra[lid].get("Type")))
    for lid in sorted(rb.keys() - ra.keys()):
        problems.append("resource %s (%s) only in troposphere" % (lid, rb[lid].get("Type")))
    for lid in sorted(ra.keys() & rb.keys()):
        if ra[lid].get("Type") != rb[lid].get("Type"):
            problems.append("resource %s: type %s vs %s" % (lid, ra[lid].get("Type"), rb[lid].get("Type")))
    oa, ob = set(ours.get("Outputs", {})), set(peer.get("Outputs", {}))
    problems += ["output %s only in slmstack" % o for o in sorted(oa - ob)]
    problems += ["output %s only in troposphere" % o for o in sorted(ob - oa)]
    structural = len(problems)

    def walk(a, b, path):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(a.keys() | b.keys()):
                if k not in b:
                    problems.append("%s/%s only in slmstack" % (path, k))
                elif k not in a:
                    problems.append("%s/%s only in troposphere" % (path, k))
                else:
                    walk(a[k], b[k], "%s/%s" % (path, k))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, "%s[%d]" % (path, i))
        elif a != b or isinstance(a, bool) != isinstance(b, bool):
            problems.append("%s: %s vs %s" % (path, json.dumps(a)[:120], json.dumps(b)[:120]))

    for lid in sorted(ra.keys() & rb.keys()):
        walk(ra[lid], rb[lid], "Resources/" + lid)
    for key in sorted(set(ours) | set(peer)):
        if key not in ("Resources",):
            walk(ours.get(key), peer.get(key), key)
    return structural, problems


def summary(samples):
    walls = [s[0] for s in samples]
    cpus = [s[1] for s in samples]
    rss = [s[2] / 1024 for s in samples]
    return {"runs": len(samples),
            "wall_ms": {"median": statistics.median(walls), "min": min(walls), "max": max(walls)},
            "cpu_ms": {"median": statistics.median(cpus), "min": min(cpus)},
            "peak_rss_mb": {"median": statistics.median(rss), "min": min(rss), "max": max(rss)},
            "samples": [{"wall_ms": round(w, 3), "cpu_ms": round(c, 3), "peak_rss_kib": r} for w, c, r in samples]}


def git(*args):
    try:
        return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def main():
    parser = argparse.ArgumentParser(description="slmstack synth vs troposphere: wall time and peak RSS")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per contender (at least 10; default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per contender first (default 2)")
    parser.add_argument("--bin", default=os.path.join(REPO, ".build", "release", "slmstack"), help="slmstack binary")
    parser.add_argument("--python", default=os.path.join(REPO, ".build", "tools-venv", "bin", "python"),
                        help="interpreter with troposphere (default: the venv from make deps)")
    parser.add_argument("--json", default=RESULTS, help="where to write the results (default bench/results/synth.json)")
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("--runs: at least 10 for a meaningful median")
    binary, python = os.path.abspath(args.bin), os.path.abspath(args.python)
    if not os.access(binary, os.X_OK):
        sys.exit("synth bench: %s not found: run swift build -c release" % rel(binary))
    if not os.access(python, os.X_OK):
        sys.exit("synth bench: %s not found: run make deps" % rel(python))

    ours_cfn = [binary, "synth", "--out", "{OUT}"]
    ours_all = ours_cfn + ["--format", "all"]
    peer = [python, PEER, "--out", os.path.join("{OUT}", "template.json")]

    # Which formats work, and is the comparison fair?
    ok, text, probe = try_run(ours_cfn)
    if not ok:
        sys.exit("synth bench: slmstack synth failed, nothing to time:\n  " + text.replace("\n", "\n  "))
    with open(os.path.join(probe, TEMPLATE), encoding="utf-8") as f:
        ours = json.load(f)
    shutil.rmtree(probe, ignore_errors=True)
    all_ok, all_text, probe = try_run(ours_all)
    shutil.rmtree(probe, ignore_errors=True)
    ok, text, probe = try_run(peer)
    if not ok:
        sys.exit("synth bench: troposphere peer failed:\n  " + text.replace("\n", "\n  "))
    with open(os.path.join(probe, "template.json"), encoding="utf-8") as f:
        theirs = json.load(f)
    shutil.rmtree(probe, ignore_errors=True)
    structural, problems = compare(ours, theirs)

    print("synth benchmark: slmstack synth vs troposphere %s" % (subprocess.run(
        [python, "-c", "import troposphere; print(troposphere.__version__)"], capture_output=True, text=True).stdout.strip() or "?"))
    print("  fairness check: slmstack %d resources, %d outputs; troposphere %d resources, %d outputs"
          % (len(ours.get("Resources", {})), len(ours.get("Outputs", {})),
             len(theirs.get("Resources", {})), len(theirs.get("Outputs", {}))))
    if not problems:
        print("  fairness check: same logical IDs, types, outputs, and every property value identical")
    else:
        print("  fairness check: %d difference(s)%s:" % (len(problems), " (IDs/types/outputs)" if structural else " (property values only)"))
        for p in problems[:25]:
            print("    - " + p)
        if len(problems) > 25:
            print("    ... and %d more" % (len(problems) - 25))
    if all_ok:
        print("  --format all works: timing CloudFormation only and all formats")
    else:
        reason = all_text.splitlines()[-1][:140] if all_text else "no message"
        print("  --format all not available yet (%s): timing CloudFormation only" % reason)

    contenders = [("slmstack cfn", ours_cfn)] + ([("slmstack all", ours_all)] if all_ok else []) + [("troposphere", peer)]
    load_before = os.getloadavg()
    try:
        samples, floor = measure(contenders, args.warmup, args.runs)
    except RuntimeError as e:
        sys.exit("synth bench: " + str(e))
    floor /= 1024
    load_after = os.getloadavg()

    stats = {name: summary(s) for name, s in samples.items()}
    tropo = stats["troposphere"]
    headline = "slmstack all" if all_ok else "slmstack cfn"

    print()
    print("  %-14s %10s %10s %10s %10s   %s" % ("", "wall med", "wall min", "cpu med", "RSS med", "troposphere/this: wall cpu RSS"))
    for name, _ in contenders:
        s = stats[name]
        ratio = "" if name == "troposphere" else "%.1fx  %.1fx  %.2fx" % (
            tropo["wall_ms"]["median"] / s["wall_ms"]["median"], tropo["cpu_ms"]["median"] / s["cpu_ms"]["median"],
            tropo["peak_rss_mb"]["median"] / s["peak_rss_mb"]["median"])
        print("  %-14s %8.1fms %8.1fms %8.1fms %8.1fMB   %s" % (
            name, s["wall_ms"]["median"], s["wall_ms"]["min"], s["cpu_ms"]["median"], s["peak_rss_mb"]["median"], ratio))
    print("  (%d timed runs each after %d warm-up, interleaved; ratios of medians, troposphere / slmstack)"
          % (args.runs, args.warmup))
    print("  load average %.2f -> %.2f on %d CPUs; harness RSS floor %.1f MB (peak RSS of /bin/true run the same way)"
          % (load_before[0], load_after[0], os.cpu_count() or 0, floor))

    if max(load_before[0], load_after[0]) > (os.cpu_count() or 1):
        print("  note: load average above the CPU count: wall times include waiting for a CPU; cpu med is the steadier figure")

    h = stats[headline]
    targets = [
        ("synth wall time (median) <= %g ms" % TARGET_MS, h["wall_ms"]["median"], "%.1f ms", h["wall_ms"]["median"] <= TARGET_MS),
        ("synth peak RSS (median) <= %g MB" % TARGET_MB, h["peak_rss_mb"]["median"], "%.1f MB", h["peak_rss_mb"]["median"] <= TARGET_MB),
    ]
    scope = "both formats (--format all)" if all_ok else "CloudFormation only: --format all not available yet"
    print("  targets, %s:" % scope)
    for label, value, fmt, passed in targets:
        print("    %-4s %-36s measured %s" % ("PASS" if passed else "FAIL", label, fmt % value))
    if h["peak_rss_mb"]["median"] <= floor * 1.05:
        print("    note: slmstack's peak RSS is at the harness floor; the true figure is lower")
    reproduce = "python3 bench/synth.py --runs %d   (or: make bench)" % args.runs
    print("  reproduce: " + reproduce)

    result = {
        "benchmark": "synth",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "host": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after,
                 "python": platform.python_version()},
        "runs": args.runs, "warmup": args.warmup, "format_all": all_ok,
        "commands": {name: " ".join(rel(a) for a in argv) for name, argv in contenders},
        "fairness": {"differences": problems, "structural_differences": structural},
        "harness_rss_floor_mb": floor,
        "results": stats,
        "ratios_troposphere_over": {name: {"wall_median": tropo["wall_ms"]["median"] / stats[name]["wall_ms"]["median"],
                                           "cpu_median": tropo["cpu_ms"]["median"] / stats[name]["cpu_ms"]["median"],
                                           "rss_median": tropo["peak_rss_mb"]["median"] / stats[name]["peak_rss_mb"]["median"]}
                                    for name in stats if name != "troposphere"},
        "targets": {"scope": headline, "wall_ms_max": TARGET_MS, "rss_mb_max": TARGET_MB,
                    "wall_pass": targets[0][3], "rss_pass": targets[1][3]},
        "reproduce": reproduce,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print("  wrote " + rel(os.path.abspath(args.json)))


if __name__ == "__main__":
    main()
