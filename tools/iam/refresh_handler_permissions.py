#!/usr/bin/env python3
"""Regenerate Tests/iam/fixtures/handler_permissions.json: CloudFormation handler permissions per type.

For every resource type the synthesized stacks use (plus EXTRA_TYPES that cost-safety work may add), it records
handlers.{create,update,delete}.permissions and createOnlyProperties, taken in this order from:

1. AWS's published CloudFormation registry schemas (the CloudformationSchema.zip files AWS publishes per region),
   as vendored in GitHub pulumi/pulumi-aws-native under aws-cloudformation-schema/ (its Makefile downloads the
   us-east-1 and us-west-2 zips). Pinned to AWS_SCHEMAS_COMMIT; pass a clone with --aws-schemas DIR.
2. The localstack-core wheel on PyPI (pinned LOCALSTACK_VERSION, sha256 checked), which ships older copies of
   about a hundred provider schemas: used only for a type whose AWS schema has no handlers section.
   Its copies are incomplete (e.g. no handlers at all for AWS::EC2::Route or AWS::CloudWatch::Alarm), which
   is why AWS's own schemas come first.
3. tools/iam/handler_permissions_supplement.json: hand-written from AWS's per-API permission documentation,
   with the sources cited there, for legacy types that publish no handlers (AWS::SageMaker::EndpointConfig).

Usage (from the repository root; needs the slmstack binary for the type list, and network for pip):
    git clone <pulumi/pulumi-aws-native> /tmp/pan && git -C /tmp/pan checkout AWS_SCHEMAS_COMMIT
    SLMSTACK_BIN=$PWD/.build/debug/slmstack python3 tools/iam/refresh_handler_permissions.py --aws-schemas /tmp/pan
Output is deterministic: sorted keys, sorted permission lists.
"""
import argparse
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "iam"))
from variants import synth_templates  # noqa: E402

FIXTURE = ROOT / "Tests" / "iam" / "fixtures" / "handler_permissions.json"
SUPPLEMENT = ROOT / "tools" / "iam" / "handler_permissions_supplement.json"
AWS_SCHEMAS_REPO = "pulumi/pulumi-aws-native"
AWS_SCHEMAS_COMMIT = "43eed3b017fff3b41e0ceeae37ee943afce53275"  # 2026-08-07
AWS_SCHEMAS_DIR = "aws-cloudformation-schema"
LOCALSTACK_VERSION = "2026.3.0"
LOCALSTACK_SHA256 = "7e38343ae0f63d15e64ab5d9fd73a2125a956a6050a976bf59a9c106d51218ab"
# Types the cost-safety and authorizer work may add (dead-letter queues, status rules, topic policies...).
EXTRA_TYPES = [
    "AWS::ApiGateway::Authorizer", "AWS::Events::Rule",
    "AWS::IAM::ManagedPolicy", "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::Version", "AWS::SNS::TopicPolicy",
    "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::Scheduler::ScheduleGroup",
]
HANDLERS = ("create", "update", "delete")


def aws_schema(repo, type_name):
    """(schema, path, last commit touching it) from the pinned AWS schema copy, or None."""
    path = f"{AWS_SCHEMAS_DIR}/{type_name.lower().replace('::', '-')}.json"
    shown = subprocess.run(["git", "-C", repo, "show", f"{AWS_SCHEMAS_COMMIT}:{path}"], capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    commit = subprocess.run(["git", "-C", repo, "log", "-1", "--format=%H", AWS_SCHEMAS_COMMIT, "--", path],
                            capture_output=True, text=True, check=True).stdout.strip()
    return json.loads(shown.stdout), path, commit


def localstack_schemas(workdir):
    """{typeName: (schema, path in wheel)} from the pinned localstack-core wheel."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    f"localstack-core=={LOCALSTACK_VERSION}", "-d", workdir], check=True)
    wheel = next(pathlib.Path(workdir).glob("localstack_core-*.whl"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != LOCALSTACK_SHA256:
        sys.exit(f"error: {wheel.name} sha256 {digest} is not the pinned {LOCALSTACK_SHA256}")
    schemas = {}
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.endswith(".schema.json") and "/resource_providers/" in name:
                schema = json.loads(z.read(name))
                schemas[schema["typeName"]] = (schema, name)
    return schemas


def handler_lists(schema):
    handlers = schema.get("handlers") or {}
    return {h: {"permissions": sorted(set(handlers[h].get("permissions", [])))} for h in HANDLERS if h in handlers}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aws-schemas", required=True, help=f"a clone of {AWS_SCHEMAS_REPO} containing {AWS_SCHEMAS_COMMIT}")
    args = parser.parse_args()
    binary = os.environ.get("SLMSTACK_BIN")
    if not binary:
        sys.exit("error: SLMSTACK_BIN is not set: point it at a built slmstack binary (the type list comes from its synth)")
    types = set(EXTRA_TYPES)
    if FIXTURE.exists():
        types |= set(json.loads(FIXTURE.read_text())["types"])
    with tempfile.TemporaryDirectory() as tmp:
        for template in synth_templates(binary, tmp, all_variants=True).values():
            types |= {r["Type"] for r in template["Resources"].values()}
        localstack = localstack_schemas(tmp)
    supplement = json.loads(SUPPLEMENT.read_text())["types"]
    out = {}
    for type_name in sorted(types):
        found = aws_schema(args.aws_schemas, type_name)
        schema = found[0] if found else (localstack.get(type_name, (None,))[0])
        if schema is None:
            sys.exit(f"error: no published schema for {type_name}: add it to {SUPPLEMENT.relative_to(ROOT)}")
        entry = {"createOnlyProperties": sorted(p.split("/")[-1] for p in schema.get("createOnlyProperties", []))}
        if found and handler_lists(found[0]):
            entry["handlers"] = handler_lists(found[0])
            entry["source"] = {"repo": AWS_SCHEMAS_REPO, "path": found[1], "commit": found[2],
                               "what": "AWS CloudFormation registry schema (CloudformationSchema.zip)"}
        elif type_name in localstack and handler_lists(localstack[type_name][0]):
            entry["handlers"] = handler_lists(localstack[type_name][0])
            entry["source"] = {"pypi": f"localstack-core=={LOCALSTACK_VERSION}", "path": localstack[type_name][1]}
        elif type_name in supplement:
            entry["handlers"] = {h: {"permissions": sorted(v["permissions"])} for h, v in supplement[type_name]["handlers"].items()}
            entry["source"] = {"hand-written": str(SUPPLEMENT.relative_to(ROOT)), "cites": supplement[type_name]["sources"]}
        else:
            sys.exit(f"error: {type_name} has no handler permissions in any source: add it to {SUPPLEMENT.relative_to(ROOT)}")
        out[type_name] = entry
    fixture = {
        "_comment": "Generated by tools/iam/refresh_handler_permissions.py; do not edit by hand (edit the supplement and rerun).",
        "sources": {
            "aws-registry": {"repo": AWS_SCHEMAS_REPO, "commit": AWS_SCHEMAS_COMMIT, "dir": AWS_SCHEMAS_DIR},
            "localstack": {"pypi": f"localstack-core=={LOCALSTACK_VERSION}", "sha256": LOCALSTACK_SHA256},
        },
        "types": out,
    }
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE.relative_to(ROOT)}: {len(out)} types")


if __name__ == "__main__":
    main()
