#!/usr/bin/env python3
"""Check a CloudFormation stack's resources through each resource's own service API.

    verify.py STACK [--snapshot FILE] [--json] [--env-file F]     # after create/update
    verify.py STACK --expect-gone [--snapshot FILE] [--json]       # after delete

Present mode: every resource of the template must be listed by DescribeStackResources and be
visible through its own service (EC2, IAM, Lambda, API Gateway, SageMaker, Logs, KMS, Scheduler,
CloudWatch, SNS, Application Auto Scaling), with the key properties the template sets (CIDRs, AZs,
instance type, runtime, environment, API key required, throttle/quota, stage name, schedule
expression and target, alarm metric/dimensions/actions, capacities ...). A resource whose Condition
is false under the stack's parameters (Paused=true) must be absent: not listed, and nothing left in
its service. `--snapshot` writes what was found, for the gone check.
Gone mode: the stack is gone, every resource recorded in the snapshot is gone, and nothing tagged
`aws:cloudformation:stack-name=STACK` or `slmstack:stack=STACK`, or named `STACK-...` (also alarms,
schedules, topics, scalable targets of `endpoint/STACK-...`), remains.

Credentials and endpoint come from the environment (source the localaws env file) or --env-file.
Exit 0 when every check passes, 1 otherwise. From Python: `verify_stack(...)`, `verify_gone(...)`.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

import boto3
from botocore.exceptions import BotoCoreError, ClientError

import verify_api
import verify_network
import verify_ops
from verify_leftovers import _conditional_leftovers, _exists, _tag_sweep
from verify_report import Check, Clients, Report, _missing
from verify_resolver import UNRESOLVED, Ctx, Resolver, _jsonable


# The checker of each resource type, through that type's own service (verify_network, verify_api, verify_ops).
CHECKERS: dict[str, Callable[[Ctx], None]] = {**verify_network.CHECKERS, **verify_api.CHECKERS, **verify_ops.CHECKERS}


def _template(c: Clients, stack: str) -> dict[str, Any]:
    body = c("cloudformation").get_template(StackName=stack)["TemplateBody"]
    if isinstance(body, dict):
        return body
    try:
        return json.loads(body)
    except ValueError:
        import yaml  # YAML templates (moto returns the original text)

        class Loader(yaml.SafeLoader):
            pass

        def construct(loader: Any, suffix: str, node: Any) -> Any:
            key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
            if isinstance(node, yaml.ScalarNode):
                val = loader.construct_scalar(node)
                return {key: val.split(".", 1) if suffix == "GetAtt" else val}
            if isinstance(node, yaml.SequenceNode):
                return {key: loader.construct_sequence(node, deep=True)}
            return {key: loader.construct_mapping(node, deep=True)}
        Loader.add_multi_constructor("!", construct)
        return yaml.load(body, Loader=Loader)


def verify_stack(stack: str, session: boto3.Session | None = None) -> Report:
    """Present mode: every template resource exists and matches, checked through its own service."""
    c = Clients(session)
    report = Report(stack, "present")
    try:
        st = c("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    except (ClientError, BotoCoreError) as exc:
        report.problems.append(f"DescribeStacks: {exc}".splitlines()[0])
        return report
    if st["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        report.problems.append(f"stack status {st['StackStatus']} ({st.get('StackStatusReason') or 'no reason'})")
    template = _template(c, stack)
    listed = c("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in listed if r.get("LogicalResourceId")}
    unnamed = sum(1 for r in listed if not r.get("LogicalResourceId"))
    if unnamed:
        report.problems.append(f"DescribeStackResources lists {unnamed} resource(s) without a logical ID "
                               "(types the CloudFormation emulation ignored)")
    resolver = Resolver(c, st, template, physical)
    snap: dict[str, Any] = {"stack": stack, "stack_id": st["StackId"], "resources": {}}
    for lid, res in template.get("Resources", {}).items():
        rtype = res["Type"]
        pid = physical.get(lid)
        live = resolver.condition(res["Condition"]) if res.get("Condition") else True
        if live is False:  # its Condition is false under the stack's parameters: it must not exist
            problems = [f"Condition {res['Condition']} is false but DescribeStackResources lists it ({pid})"] \
                if lid in physical else []
            problems += [f"Condition {res['Condition']} is false but {left} exists"
                         for left in _conditional_leftovers(c, resolver, stack, lid, rtype, res.get("Properties") or {})]
            report.checks.append(Check(lid, rtype, None, not problems, problems, {"Condition": res["Condition"], "absent": True}))
            continue
        if lid not in physical:
            if live is UNRESOLVED:
                continue  # conditional resource whose condition the verifier cannot evaluate
            report.checks.append(Check(lid, rtype, None, False, ["not listed by DescribeStackResources (not created)"]))
            continue
        ctx = Ctx(c, resolver, lid, rtype, pid, res.get("Properties") or {})
        checker = CHECKERS.get(rtype)
        if checker is None:
            ctx.fail(f"no checker for {rtype} in verify.py")
        else:
            try:
                checker(ctx)
            except ClientError as exc:
                ctx.fail(f"{exc.operation_name}: {exc.response.get('Error', {}).get('Code')} "
                         f"{exc.response.get('Error', {}).get('Message', '')}".strip())
            except (IndexError, KeyError, TypeError) as exc:
                ctx.fail(f"not found or malformed answer ({type(exc).__name__}: {exc})")
        props = resolver(res.get("Properties") or {})
        snap["resources"][lid] = {"type": rtype, "physical_id": pid, "facts": ctx.facts,
                                  "props": _jsonable(props) if props is not UNRESOLVED else {}}
        report.checks.append(Check(lid, rtype, pid, not ctx.problems, ctx.problems, _jsonable(ctx.facts)))
    report.snapshot = snap
    return report


# ------------------------------------------------------------------------------ gone mode
def verify_gone(stack: str, snapshot: dict[str, Any] | None = None, session: boto3.Session | None = None) -> Report:
    """Gone mode: the stack, every snapshot resource, and everything tagged/named for the stack are gone."""
    c = Clients(session)
    report = Report(stack, "gone")
    try:
        st = c("cloudformation").describe_stacks(StackName=(snapshot or {}).get("stack_id") or stack)["Stacks"][0]
        if st["StackStatus"] != "DELETE_COMPLETE":
            report.problems.append(f"stack still exists: {st['StackStatus']} ({st.get('StackStatusReason') or 'no reason'})")
    except ClientError as exc:
        if not _missing(exc):
            raise
    for lid, info in ((snapshot or {}).get("resources") or {}).items():
        rtype, pid = info["type"], info.get("physical_id")
        try:
            alive = _exists(c, rtype, pid, info.get("props") or {}, info.get("facts") or {})
        except ClientError as exc:
            report.checks.append(Check(lid, rtype, pid, False, [f"lookup failed: {exc}"]))
            continue
        if alive is None:
            report.checks.append(Check(lid, rtype, pid, False, [f"cannot look up {rtype} (no id or no lookup)"]))
        else:
            report.checks.append(Check(lid, rtype, pid, not alive, ["still exists"] if alive else []))
    for item in _tag_sweep(c, stack):
        report.problems.append(f"left behind: {item}")
    return report


def _session_from_env_file(path: str) -> boto3.Session:
    env: dict[str, str] = {}
    for line in open(path).read().splitlines():
        if line.startswith("export ") and "=" in line:
            k, _, v = line[7:].partition("=")
            env[k] = v.strip("'\"")
    import os

    os.environ["AWS_ENDPOINT_URL"] = env["AWS_ENDPOINT_URL"]
    return boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                         region_name=env.get("AWS_REGION", "us-east-1"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="verify.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("stack")
    ap.add_argument("--expect-gone", action="store_true", help="check that the stack and its resources are gone")
    ap.add_argument("--snapshot", help="present mode: write the snapshot here; gone mode: read it from here")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--env-file", help="a localaws env file to take the endpoint and credentials from")
    args = ap.parse_args(argv)
    session = _session_from_env_file(args.env_file) if args.env_file else None
    if args.expect_gone:
        snap = json.load(open(args.snapshot)) if args.snapshot else None
        report = verify_gone(args.stack, snap, session)
        if snap is None:
            print("verify: no --snapshot given; checked the stack and the tag/name sweep only", file=sys.stderr)
    else:
        report = verify_stack(args.stack, session)
        if args.snapshot:
            with open(args.snapshot, "w") as fh:
                json.dump(report.snapshot, fh, indent=1, sort_keys=True)
    print(json.dumps(report.to_json(), indent=1, default=str) if args.json else report.to_text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
