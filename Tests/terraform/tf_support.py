"""Shared by the Terraform suites: the constants, terraform runs and the local AWS they apply against."""

import base64
import contextlib
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from lint_tools import ROOT, run_checkov

sys.path.insert(0, str(ROOT / "tools" / "localaws"))
import localaws as launcher  # noqa: E402
import tf_mirror  # noqa: E402

# The default stack's instance type: the local AWS knows SageMaker's real instance types.
INSTANCE_TYPE = "ml.g5.xlarge"
SERVICES = ["apigateway", "applicationautoscaling", "cloudwatch", "ec2", "iam", "kms", "lambda", "logs", "sagemaker", "scheduler",
            "sns", "sts"]
# The operations variant: every resource the operations settings add.
OPS_SETTINGS = ["--ttl", "4h", "--idle-pause", "on", "--alarm-email", "ops@example.com", "--max-instances", "3"]
EXPIRES_AT = "2030-01-02T03:04:05"
# What the default stack's alarms are called (alarm_name = "<stack>-<logical ID in kebab case>").
ALARMS = {"slmstack-idle-alarm", "slmstack-endpoint-errors-alarm", "slmstack-model-latency-alarm", "slmstack-shim-errors-alarm",
          "slmstack-shim-throttles-alarm", "slmstack-api-5-xx-alarm"}
ENDPOINT_ALARMS = {"slmstack-idle-alarm", "slmstack-endpoint-errors-alarm", "slmstack-model-latency-alarm"}


def skip_loudly(request, reason):
    """Skips with the reason printed on the terminal itself, past pytest's output capture."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nSKIPPED: {reason}", yellow=True, bold=True)
    else:
        print(f"SKIPPED: {reason}")
    pytest.skip(reason)


# Go's collector for terraform and the AWS provider (which it starts with the same environment): the
# provider holds a large schema, and at the default (100) collecting it again and again is a fifth of
# an apply's CPU; 400 lets the heap grow to five times what is live (a few hundred MB) before collecting.
GOGC = "400"


def terraform(args, cwd, env, timeout=300):
    """Runs terraform. Plans, destroys and second applies here pass -refresh=false: nothing changes behind
    terraform's back in these tests, and a refresh of every resource against the local AWS is most of a
    plan's time."""
    started = time.monotonic()
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    print(f"terraform {args[0]}: {time.monotonic() - started:.1f} s, exit {result.returncode}")
    return result


def initialized_copy(synth, tf_env, folder):
    work = folder / "module"
    shutil.copytree(synth / "terraform", work)
    result = terraform(["init", "-input=false"], work, tf_env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return work


def write_override(folder, endpoint):
    endpoints = "\n".join(f'    {name:<10} = "{endpoint}"' for name in SERVICES)
    (folder / "localaws_override.tf").write_text(f"""provider "aws" {{
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {{
{endpoints}
  }}
}}
""")


@contextlib.contextmanager
def local_aws(module, tf_env, tmp_path):
    """The project's local AWS for one test: terraform's environment and a boto3 client factory."""
    boto3 = pytest.importorskip("boto3")
    env_file = tmp_path / "localaws.env"
    launcher.start(env_file)
    try:
        local = launcher.read_env_file(env_file)
        env = dict(tf_env, **{k: v for k, v in local.items() if k.startswith("AWS_")})
        write_override(module, local["AWS_ENDPOINT_URL"])
        session = boto3.Session(aws_access_key_id=local["AWS_ACCESS_KEY_ID"], aws_secret_access_key=local["AWS_SECRET_ACCESS_KEY"],
                                region_name="us-east-1")
        yield env, lambda name: session.client(name, endpoint_url=local["AWS_ENDPOINT_URL"])
    finally:
        launcher.stop(env_file)


def declared_resources(module):
    return {f"{t}.{n}" for path in module.glob("*.tf") for t, n in re.findall(r'^resource "(\w+)" "(\w+)"', path.read_text(), re.MULTILINE)}


def alarm_names(client):
    return {a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"]}


def live_nat_gateways(client):
    return [g for g in client("ec2").describe_nat_gateways()["NatGateways"] if g["State"] not in ("deleted", "deleting")]


def flat(diagnostics):
    """Terraform's diagnostics without the box-drawing margin and line wrapping."""
    return " ".join(diagnostics.replace("│", " ").replace("╷", " ").replace("╵", " ").split())


def state_list(folder, env):
    """Resource addresses in the state, without the `[0]` of resources with a count."""
    result = terraform(["state", "list"], folder, env)
    return [re.sub(r"\[0\]$", "", line) for line in result.stdout.splitlines() if line.strip() and not line.startswith("data.")]
