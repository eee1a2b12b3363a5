#!/usr/bin/env python3
"""Deploy benchmark: `slmstack deploy` + `destroy` vs the AWS CLI on the same template and server.

Starts one local AWS (tools/localaws, moto with SigV4 verification on) and times whole processes,
start to exit, one round trip each (create the default stack, then delete it):

  slmstack   .build/release/slmstack deploy --yes ; .build/release/slmstack destroy --yes
  aws cli    aws cloudformation deploy --template-file T --stack-name slmstack --capabilities CAPABILITY_IAM
                 --parameter-overrides Paused=false --tags slmstack:stack=slmstack ;
             aws cloudformation delete-stack --stack-name slmstack ;
             aws cloudformation wait stack-delete-complete --stack-name slmstack

T is the template slmstack deploys, in the form it sends it: `slmstack synth --out TMP` writes
TMP/cloudformation/slmstack.template.json pretty-printed (about 57 KB for the default stack, over
CreateStack's 51,200-byte TemplateBody limit, so `aws cloudformation deploy` would want an S3 bucket),
while `slmstack deploy` sends it compact (about 37 KB, inline). So the benchmark re-serializes the
synthesized file compact, json.dumps(separators=(",", ":")) with key order kept, to TMP/template.json
and hands that file to the aws CLI: both tools send the same document as TemplateBody, no S3 upload
on either side. The compact file must stay under 51,200 bytes, or the benchmark stops. Paused=false is
passed explicitly because slmstack sends it too, and the tag is the one slmstack puts on its stacks,
so both create the same thing. Both get the same environment: the local AWS's endpoint
(AWS_ENDPOINT_URL, honoured by awscli 1.45) and credentials, no config or credentials file. The
`aws` entry point is run with its own interpreter, not through a pyenv shim.

One untimed warm-up round each, then one untimed counting round each through
Tests/deploy/fault_proxy.py at 0% faults (the same proxy for both: it counts the API calls by
operation and the time the server spent answering them), then --runs timed rounds each, directly
against the server, interleaved (A B, B A, ...). After every round the stack must be gone.
Prints median and min wall time per round trip, the median CPU time of a round (user + sys of its
processes, from getrusage(RUSAGE_CHILDREN): what a client burns while it waits shows here), the
ratio (aws / slmstack, medians; target: slmstack >= 5x faster), the call counts, and writes
bench/results/deploy.json.

    python3 bench/deploy.py [--runs N] [--bin PATH] [--aws PATH]
"""
import argparse
import importlib.util
import json
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = pathlib.Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results" / "deploy.json"
STACK = "slmstack"
TEMPLATE_BODY_MAX = 51_200  # CreateStack's TemplateBody limit, in bytes
TARGET_RATIO = 5.0
TIMEOUT = 300

sys.path.insert(0, str(REPO / "tools" / "localaws"))
import localaws as launcher  # noqa: E402


def load_fault_proxy():
    sys.path.insert(0, str(REPO / "Tests" / "deploy"))  # fault_proxy imports fault_answers and fault_handler beside it
    spec = importlib.util.spec_from_file_location("fault_proxy", REPO / "Tests" / "deploy" / "fault_proxy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fault_proxy"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def resolve_aws(explicit):
    """The real `aws` script (a pyenv shim adds a bash + pyenv start per call, which is not the CLI's cost)."""
    path = explicit or shutil.which("aws")
    if not path:
        return None
    if "/.pyenv/shims/" in path and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True).stdout.strip()
        path = real or path
    return path


class Failure(Exception):
    pass


def run(argv, env):
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise Failure("%s exited %d\n%s%s" % (" ".join(argv), proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return proc


def children_cpu():
    """User + sys CPU seconds of every child process this one has waited for (their own children included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def round_trip(commands, env):
    """Runs the commands one after another; (total wall seconds, [seconds per command], CPU seconds of the
    commands: user + sys, the client's own work and whatever it burns while it waits for the server)."""
    laps = []
    start = time.perf_counter()
    cpu = children_cpu()
    for argv in commands:
        t = time.perf_counter()
        run(argv, env)
        laps.append(time.perf_counter() - t)
    return time.perf_counter() - start, laps, children_cpu() - cpu


def stack_gone(cfn):
    try:
        stacks = cfn.describe_stacks(StackName=STACK)["Stacks"]
    except Exception as exc:  # ValidationError: does not exist
        if "does not exist" in str(exc):
            return True
        raise
    return all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks)


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "samples": samples}


def main():
    parser = argparse.ArgumentParser(description="Deploy benchmark: slmstack deploy+destroy vs aws cloudformation deploy+delete-stack")
    parser.add_argument("--runs", type=int, default=5, help="timed round trips per contender (default 5)")
    parser.add_argument("--bin", default=str(REPO / ".build" / "release" / "slmstack"), help="the slmstack binary")
    parser.add_argument("--aws", help="the aws CLI (default: the one on PATH)")
    parser.add_argument("--json", default=str(RESULTS), help="where to write the results")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        print("deploy bench: %s is missing: run swift build -c release (make bench does)" % binary, file=sys.stderr)
        return 2
    aws = resolve_aws(args.aws)
    if not aws:
        print("deploy bench: the aws CLI is not on PATH (pip install awscli)", file=sys.stderr)
        return 2
    fault_proxy = load_fault_proxy()
    aws_version = subprocess.run([aws, "--version"], capture_output=True, text=True).stdout.strip() or \
        subprocess.run([aws, "--version"], capture_output=True, text=True).stderr.strip()

    with tempfile.TemporaryDirectory(prefix="slmstack-bench-deploy-") as tmp:
        tmp = pathlib.Path(tmp)
        env_file = tmp / "localaws.env"
        launcher.start(env_file)
        try:
            return bench(args, binary, aws, aws_version, fault_proxy, tmp, env_file)
        except Failure as exc:
            print("deploy bench: FAILED: %s" % exc, file=sys.stderr)
            return 1
        finally:
            launcher.stop(env_file)


def bench(args, binary, aws, aws_version, fault_proxy, tmp, env_file):
    local = launcher.read_env_file(env_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(local)
    env.update({"CI": "true", "AWS_DEFAULT_REGION": local["AWS_REGION"], "AWS_PAGER": "",
                "AWS_CONFIG_FILE": str(tmp / "no-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-credentials")})
    run([binary, "synth", "--out", str(tmp / "synth")], env)
    synthesized = tmp / "synth" / "cloudformation" / "slmstack.template.json"
    document = json.loads(synthesized.read_text(encoding="utf-8"))
    resources = len(document["Resources"])
    template = tmp / "template.json"  # compact, as slmstack deploy sends it
    template.write_bytes(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    sizes = {"synthesized_bytes": synthesized.stat().st_size, "sent_bytes": template.stat().st_size}
    if sizes["sent_bytes"] > TEMPLATE_BODY_MAX:
        raise Failure("the compact template is %d bytes, over CreateStack's %d: the aws CLI would need --s3-bucket"
                      % (sizes["sent_bytes"], TEMPLATE_BODY_MAX))

    contenders = {
        "slmstack": [[binary, "deploy", "--yes"], [binary, "destroy", "--yes"]],
        "aws cli": [[aws, "cloudformation", "deploy", "--template-file", str(template), "--stack-name", STACK,
                     "--capabilities", "CAPABILITY_IAM", "--parameter-overrides", "Paused=false",
                     "--tags", "slmstack:stack=%s" % STACK],
                    [aws, "cloudformation", "delete-stack", "--stack-name", STACK],
                    [aws, "cloudformation", "wait", "stack-delete-complete", "--stack-name", STACK]],
    }
    import boto3
    cfn = boto3.client("cloudformation", endpoint_url=local["AWS_ENDPOINT_URL"], region_name=local["AWS_REGION"],
                       aws_access_key_id=local["AWS_ACCESS_KEY_ID"], aws_secret_access_key=local["AWS_SECRET_ACCESS_KEY"])

    def checked(name, result):
        if not stack_gone(cfn):
            raise Failure("%s: stack %s still exists after its round trip" % (name, STACK))
        return result

    print("deploy benchmark: slmstack vs %s, %d-resource template (%d bytes as both send it, %d pretty), local AWS %s"
          % (aws_version, resources, sizes["sent_bytes"], sizes["synthesized_bytes"], local["AWS_ENDPOINT_URL"]))
    load_before = os.getloadavg()[0]
    for name, commands in contenders.items():  # warm-up
        checked(name, round_trip(commands, env))

    calls = {}
    for name, commands in contenders.items():  # counting round, through the proxy at 0% faults
        proxy = fault_proxy.FaultProxy(local["AWS_ENDPOINT_URL"], rate=0.0).start()
        try:
            wall, _, _ = checked(name, round_trip(commands, dict(env, AWS_ENDPOINT_URL=proxy.url)))
            stats = proxy.stats()
        finally:
            proxy.stop()
        if stats["requests"] != stats["forwarded"] or stats["upstream_errors"]:
            raise Failure("%s: the counting proxy did not forward every request: %s" % (name, stats))
        calls[name] = {"total": stats["requests"], "by_operation": dict(sorted(stats["operations"].items())),
                       "server_seconds": stats["upstream_seconds"], "wall_seconds_through_proxy": wall}

    times = {name: [] for name in contenders}
    laps = {name: [] for name in contenders}
    cpu_seconds = {name: [] for name in contenders}
    order = list(contenders)
    for i in range(args.runs):
        for name in (order if i % 2 == 0 else order[::-1]):
            total, lap, cpu = checked(name, round_trip(contenders[name], env))
            cpu_seconds[name].append(cpu)
            times[name].append(total)
            laps[name].append(lap)
    load_after = os.getloadavg()[0]

    results = {name: summary(samples) for name, samples in times.items()}
    ratio = results["aws cli"]["median"] / results["slmstack"]["median"]
    ratio_min = results["aws cli"]["min"] / results["slmstack"]["min"]
    passed = ratio >= TARGET_RATIO
    client = {name: max(0.0, calls[name]["wall_seconds_through_proxy"] - calls[name]["server_seconds"]) for name in contenders}
    cpu = {name: summary(samples) for name, samples in cpu_seconds.items()}

    print()
    print("  %-10s %10s %10s %12s %8s %10s %12s %9s" % ("", "round med", "round min", "per command", "calls", "server s", "client s",
                                                       "cpu med"))
    for name in contenders:
        per = [statistics.median(col) for col in zip(*laps[name])]
        print("  %-10s %9.3fs %9.3fs %12s %8d %9.3fs %11.3fs %8.3fs" % (
            name, results[name]["median"], results[name]["min"], "+".join("%.2f" % p for p in per),
            calls[name]["total"], calls[name]["server_seconds"], client[name], cpu[name]["median"]))
    print("  (%d timed round trips each after 1 warm-up, interleaved; per command = medians of deploy+destroy[+wait];"
          % args.runs)
    print("   cpu med = user + sys CPU seconds of the round's processes, waiting included: less load-sensitive than wall)")
    print("   calls, server s and client s from one round through the counting proxy: server s = time the local AWS spent"
          " answering, client s = the rest of that round's wall time)")
    for name in contenders:
        print("  calls %-9s %s" % (name + ":", ", ".join("%s %d" % kv for kv in calls[name]["by_operation"].items())))
    cpus = os.cpu_count() or 1
    print("  load average %.2f -> %.2f on %d CPUs%s" % (load_before, load_after, cpus,
          "; wall times include waiting for a CPU" if max(load_before, load_after) > cpus else ""))
    print()
    print("  ratio aws cli / slmstack: %.2fx (medians), %.2fx (mins); client-side only: %.1fx; CPU: %.1fx" % (
        ratio, ratio_min, client["aws cli"] / client["slmstack"] if client["slmstack"] > 0 else float("inf"),
        cpu["aws cli"]["median"] / cpu["slmstack"]["median"] if cpu["slmstack"]["median"] > 0 else float("inf")))
    print("  target: %s  slmstack >= %.0fx faster round trip (median), measured %.2fx" % ("PASS" if passed else "FAIL", TARGET_RATIO, ratio))
    if not passed:
        print("  note: both wait for the same server work (%.2f s of the slmstack round is the local AWS answering);"
              " that floor caps the ratio" % calls["slmstack"]["server_seconds"])
    reproduce = "python3 bench/deploy.py --runs %d" % args.runs
    print("  reproduce: %s   (or: python3 bench/run.py --only deploy --runs %d)" % (reproduce, args.runs))

    out = pathlib.Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "deploy", "stack": STACK, "resources": resources, "template": sizes, "runs": args.runs, "warmup": 1,
        "commands": {name: [" ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv)) for argv in cmds]
                     for name, cmds in contenders.items()},
        "results_seconds": results, "per_command_seconds": laps, "calls": calls, "client_seconds": client, "cpu_seconds": cpu,
        "ratio_median": ratio, "ratio_min": ratio_min,
        "target": {"ratio": TARGET_RATIO, "pass": passed},
        "environment": {"aws": aws_version, "aws_path": aws, "python": platform.python_version(), "cpus": cpus,
                        "load_average": [load_before, load_after], "machine": platform.platform()},
        "reproduce": reproduce,
    }, indent=2) + "\n")
    print("  wrote %s" % os.path.relpath(out, os.getcwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
