"""`slmstack stage-model` against a local fake of the Hub's file API (fake_hub.py) and the local S3, then a
`--weights s3` stack deployed on the local AWS: no NAT gateway, an S3 gateway endpoint, the model loading
uncompressed S3 model data with network isolation.

Staged: fresh, re-run (skips everything, reads no file from the Hub), an upload interrupted half-way and
resumed (the parts S3 has are not sent again), a gated model (no token, wrong token: one line, exit 2; the
right token: staged, never printed, never sent to the CDN host).
"""
import ast
import hashlib
import json
import pathlib
import re
import subprocess
import sys

import pytest

from fake_hub import FakeHub, chat_model

DEFAULT_MODEL = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"  # the catalog's default: deploy validates its size
TOKEN = "hf_fakeTokenForTests0123456789abcdefXYZ"
SERVING = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
MIB = 1024 * 1024
VERIFY = pathlib.Path(__file__).resolve().parents[2] / "tools" / "localaws" / "verify.py"


@pytest.fixture(scope="module")
def hub():
    models = [chat_model(DEFAULT_MODEL, 11.5), chat_model("acme/resumable-chat", 12.25),
              chat_model("acme/gated-chat", 6.0, token=TOKEN)]
    with FakeHub(models) as server:
        yield server


def stage(local_aws, hub, *args, token=None):
    env = local_aws.environ(HF_ENDPOINT=hub.url, HF_HOME="/nonexistent-hf-home")
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    return local_aws.run("stage-model", "--part-size", "5", *args, env=env, timeout=300)


def bucket(local_aws):
    account = local_aws.client("sts").get_caller_identity()["Account"]
    return f"slmstack-assets-{account}-us-east-1"


def staged(local_aws, prefix):
    s3 = local_aws.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket(local_aws), Prefix=prefix).get("Contents", [])
    return {o["Key"][len(prefix):]: o["Size"] for o in listed}


def part_puts(local_aws, key):
    """UploadPart requests for `key` in the local AWS's request log, by part number."""
    log = open(local_aws.env["LOCALAWS_LOG"], encoding="utf-8", errors="replace").read()
    return [int(n) for n in re.findall(rf'"PUT /[^ ]+/{re.escape(key)}\?(?:[^ ]*&)?partNumber=(\d+)', log)]


def test_stage_fresh_then_rerun_skips(local_aws, hub):
    model = hub.models[DEFAULT_MODEL]
    first = stage(local_aws, hub)
    assert first.returncode == 0, first.stderr
    prefix = f"models/{DEFAULT_MODEL}/main/"
    assert staged(local_aws, prefix) == {p: len(model.files[p]) for p in SERVING}, "serving files only: no .bin, onnx/, README"
    s3 = local_aws.client("s3")
    for path in SERVING:
        obj = s3.get_object(Bucket=bucket(local_aws), Key=prefix + path)
        body = obj["Body"].read()
        assert hashlib.sha256(body).hexdigest() == hashlib.sha256(model.files[path]).hexdigest() == obj["Metadata"]["sha256"]
    assert f"{len(SERVING)} uploaded" in first.stdout and "0 already there" in first.stdout
    assert f"commit {model.sha}" in first.stdout
    # the weights (11.5 MiB) went up in three 5 MiB parts; progress lines (no terminal) with bytes, percent, rate
    assert sorted(part_puts(local_aws, prefix + "model.safetensors")) == [1, 2, 3]
    progress = [line for line in first.stderr.splitlines() if line.startswith("staging ")]
    assert progress and re.search(r"\(100%\) at [0-9.]+ (B|kB|MB|GB)/s", progress[-1]), first.stderr
    manifest = json.loads(s3.get_object(Bucket=bucket(local_aws), Key=f"models/{DEFAULT_MODEL}/main.manifest.json")["Body"].read())
    assert manifest["commit"] == model.sha
    assert {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]} == {
        p: (len(model.files[p]), hashlib.sha256(model.files[p]).hexdigest()) for p in SERVING}
    # the bucket is the hardened assets bucket
    assert s3.get_public_access_block(Bucket=bucket(local_aws))["PublicAccessBlockConfiguration"]["BlockPublicAcls"]

    before = len(hub.requests)
    again = stage(local_aws, hub)
    assert again.returncode == 0, again.stderr
    assert "0 uploaded" in again.stdout and f"{len(SERVING)} already there" in again.stdout
    assert not [r for r in hub.requests[before:] if "/resolve/" in r["path"] or r["path"].startswith("/cdn/")], "a re-run downloads nothing"
    assert sorted(part_puts(local_aws, prefix + "model.safetensors")) == [1, 2, 3], "and uploads no part again"


def test_interrupted_upload_resumes(local_aws, hub):
    model_id = "acme/resumable-chat"
    key = f"models/{model_id}/main/model.safetensors"
    hub.failures[10 * MIB] = 3  # part 3 of 3 fails on every attempt: parts 1 and 2 are in S3
    broken = stage(local_aws, hub, "--model-id", model_id)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert broken.stderr.count("error:") == 1 and "model.safetensors" in broken.stderr
    s3 = local_aws.client("s3")
    uploads = [u for u in s3.list_multipart_uploads(Bucket=bucket(local_aws), Prefix=key).get("Uploads", []) if u["Key"] == key]
    assert len(uploads) == 1
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket(local_aws), Key=key, UploadId=uploads[0]["UploadId"])["Parts"]] == [1, 2]
    assert "model.safetensors" not in staged(local_aws, f"models/{model_id}/main/")

    resumed = stage(local_aws, hub, "--model-id", model_id)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming the upload of model.safetensors: 2 of 3 parts already uploaded" in resumed.stderr
    assert sorted(part_puts(local_aws, key)) == [1, 2, 3], "parts 1 and 2 were not sent again"
    body = s3.get_object(Bucket=bucket(local_aws), Key=key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(hub.models[model_id].files["model.safetensors"]).hexdigest()
    assert not s3.list_multipart_uploads(Bucket=bucket(local_aws), Prefix=key).get("Uploads")


def test_gated_model_needs_the_users_token(local_aws, hub):
    model_id = "acme/gated-chat"
    anonymous = stage(local_aws, hub, "--model-id", model_id)
    assert anonymous.returncode == 2, anonymous.stderr
    assert anonymous.stderr.count("\n") == 1 and "gated" in anonymous.stderr and "HF_TOKEN" in anonymous.stderr
    assert f"{hub.url}/{model_id}" in anonymous.stderr, "names where to accept the licence"
    wrong = stage(local_aws, hub, "--model-id", model_id, token="hf_wrong")
    assert wrong.returncode == 2 and "refused the token" in wrong.stderr and "hf_wrong" not in wrong.stderr + wrong.stdout
    assert not staged(local_aws, f"models/{model_id}/"), "nothing is uploaded before the Hub said yes"

    before = len(hub.requests)
    granted = stage(local_aws, hub, "--model-id", model_id, "--debug", token=TOKEN)
    assert granted.returncode == 0, granted.stderr
    assert TOKEN not in granted.stdout + granted.stderr, "the token is never printed, --debug included"
    asked = hub.requests[before:]
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in asked if r["host"].startswith("127.0.0.1"))
    cdn = [r for r in asked if r["host"].startswith("localhost")]
    assert cdn and all(r["auth"] is None for r in cdn), "the token goes to the Hub's host only, not to the CDN it redirects to"
    s3 = local_aws.client("s3")
    for obj in s3.list_objects_v2(Bucket=bucket(local_aws), Prefix=f"models/{model_id}/")["Contents"]:
        head = s3.head_object(Bucket=bucket(local_aws), Key=obj["Key"])
        assert TOKEN not in json.dumps(head["Metadata"]), "nor stored in AWS"


def test_deploy_checks_the_staged_copy(local_aws, hub):
    missing = local_aws.run("deploy", "--yes", "--stack-name", "unstaged", "--weights", "s3", "--weights-revision", "v9", "--skip-preflight")
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert "run slmstack stage-model" in missing.stderr and "--revision v9" in missing.stderr
    assert not [s for s in local_aws.client("cloudformation").list_stacks()["StackSummaries"] if s["StackName"] == "unstaged"]


def test_weights_s3_stack_deploys_without_nat(local_aws, hub):
    assert stage(local_aws, hub).returncode == 0
    stack = "staged-weights"
    deployed = local_aws.run("deploy", "--yes", "--stack-name", stack, "--weights", "s3", timeout=900)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    ec2 = local_aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:slmstack:stack", "Values": [stack]}])["Vpcs"][0]["VpcId"]
    nats = [n for n in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NatGateways"] if n["State"] != "deleted"]
    assert nats == []
    assert ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"] == []
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    assert not [r for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"], "no internet path"
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    gateway = [e for e in endpoints if e["VpcEndpointType"] == "Gateway"]
    assert [e["ServiceName"] for e in gateway] == ["com.amazonaws.us-east-1.s3"]
    private = [t["RouteTableId"] for t in tables if not t.get("Associations", [{}])[0].get("Main")]
    assert set(gateway[0]["RouteTableIds"]) == set(private) and private

    sagemaker = local_aws.client("sagemaker")
    models = [m for m in sagemaker.list_models()["Models"]]
    described = [sagemaker.describe_model(ModelName=m["ModelName"]) for m in models]
    ours = [d for d in described if d["PrimaryContainer"].get("Environment", {}).get("HF_MODEL_ID") == "/opt/ml/model"]
    assert ours, [d["PrimaryContainer"] for d in described]
    source = ours[0]["PrimaryContainer"]["ModelDataSource"]["S3DataSource"]
    assert source == {"S3Uri": f"s3://{bucket(local_aws)}/models/{DEFAULT_MODEL}/main/", "S3DataType": "S3Prefix", "CompressionType": "None"}
    assert ours[0].get("EnableNetworkIsolation") is True

    role = ours[0]["ExecutionRoleArn"].rsplit("/", 1)[1]
    policy = local_aws.client("iam").get_role_policy(RoleName=role, PolicyName="model-data")["PolicyDocument"]
    # moto hands back the document CloudFormation gave it as Python's repr of the dict
    policy = ast.literal_eval(policy) if isinstance(policy, str) else policy
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources["ReadStagedWeights"] == f"arn:aws:s3:::{bucket(local_aws)}/models/{DEFAULT_MODEL}/main/*"
    assert resources["ListStagedWeights"] == f"arn:aws:s3:::{bucket(local_aws)}"

    # every resource through its own service's API (ModelDataSource, network isolation, the endpoint's route tables included)
    checked = subprocess.run([sys.executable, str(VERIFY), stack, "--env-file", str(local_aws.env_file)], capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    destroyed = local_aws.run("destroy", "--yes", "--stack-name", stack, timeout=600)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr


def test_progress_is_one_line_in_place_on_a_terminal(local_aws, hub, tmp_path):
    """stderr on a terminal (a pty, CI unset): the progress line is rewritten with \\r and erased to its end."""
    import os
    import pty
    import subprocess
    import threading

    env = local_aws.environ(HF_ENDPOINT=hub.url, HF_HOME="/nonexistent-hf-home", CI="")
    env.pop("HF_TOKEN", None)
    primary, secondary = pty.openpty()
    chunks = []

    def read():
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    done = subprocess.run([local_aws.binary, "stage-model", "--part-size", "5", "--revision", "main", "--model-id", "acme/resumable-chat"],
                          stdout=subprocess.PIPE, stderr=secondary, stdin=subprocess.DEVNULL, env=env, timeout=300, text=True)
    os.close(secondary)
    reader.join(timeout=10)
    os.close(primary)
    shown = b"".join(chunks).decode(errors="replace")
    assert done.returncode == 0, shown
    assert "\rstaging " in shown and "\x1b[K" in shown, repr(shown[:500])
    assert "(100%)" in shown
