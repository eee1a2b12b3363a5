"""Fixes 21-26 (tools/localaws/cfn_update_ and cfn_stack_patches.py): conditions, parameters and pausing by a
change set (templates in ops_templates.py).

Same pattern as test_fixes.py: "without" runs on a server with only that fix disabled, "with" on the
session server that has every fix.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from localaws_support import LocalAws, unique, verify

from ops_templates import (CONDITIONS, EXPIRES, PARAMETERS, RUNNING_ONLY, _alarm_template, _change_set, _deploy, _network, _outputs, _physical, _schedule_template, ops_template)  # noqa: F401


def test_cfn_update_conditions(localaws: LocalAws, without) -> None:
    with without("cfn_update_conditions") as la:
        _deploy(la, "fix21", ops_template())
        changes = _change_set(la, "fix21", "pause", Paused="true")
        assert not [c for c in changes if c[0] == "Remove"]
        assert la.client("sagemaker").list_endpoints()["Endpoints"], "moto alone keeps the endpoint of a paused stack"
        assert la.client("cloudwatch").describe_alarms()["MetricAlarms"]
        report = verify.verify_stack("fix21", la.verify_session())
        assert not report.ok and {c.logical_id for c in report.checks if not c.ok} >= {"Endpoint", "IdleAlarm"}

    name = unique("fix21")
    cfn = localaws.client("cloudformation")
    st = _deploy(localaws, name, ops_template())
    assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
    running = verify.verify_stack(name, localaws.verify_session())
    assert running.ok, running.to_text()
    endpoint, fn = _outputs(st)["EndpointName"], _outputs(st)["FunctionName"]
    lam, sm, cw = localaws.client("lambda"), localaws.client("sagemaker"), localaws.client("cloudwatch")
    assert lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"] == {"PAUSED": "false", "ENDPOINT": endpoint}

    changes = _change_set(localaws, name, "pause", Paused="true")
    assert sorted(changes) == sorted([("Modify", "IdlePauseFunction")] + [("Remove", lid) for lid in RUNNING_ONLY])
    st = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
    assert {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]} == {"Paused": "true", "ExpiresAt": EXPIRES}
    out = _outputs(st)
    assert out["EndpointName"] == "paused" and "IdleAlarmName" not in out and "ScalableTargetId" not in out
    assert set(_physical(localaws, name)) == set(ops_template()["Resources"]) - RUNNING_ONLY
    assert [e for e in sm.list_endpoints()["Endpoints"] if e["EndpointName"].startswith(name)] == []
    assert cw.describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"] == []
    assert lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"] == {"PAUSED": "true"}
    paused = verify.verify_stack(name, localaws.verify_session())
    assert paused.ok, paused.to_text()
    assert {c.logical_id for c in paused.checks if c.facts.get("absent")} == RUNNING_ONLY

    changes = _change_set(localaws, name, "resume", Paused="false")
    assert sorted(changes) == sorted([("Modify", "IdlePauseFunction")] + [("Add", lid) for lid in RUNNING_ONLY])
    st = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
    new_endpoint = _outputs(st)["EndpointName"]
    assert new_endpoint.startswith(f"{name}-Endpoint-") and set(_physical(localaws, name)) == set(ops_template()["Resources"])
    assert lam.get_function_configuration(FunctionName=fn)["Environment"]["Variables"] == {"PAUSED": "false", "ENDPOINT": new_endpoint}
    resumed = verify.verify_stack(name, localaws.verify_session())
    assert resumed.ok, resumed.to_text()

    cfn.delete_stack(StackName=name)
    for snap in (running.snapshot, paused.snapshot, resumed.snapshot):
        gone = verify.verify_gone(name, snap, localaws.verify_session())
        assert gone.ok, gone.to_text()


# 22 -----------------------------------------------------------------------------------------
def test_cfn_update_sub_parameters(localaws: LocalAws, without) -> None:
    def extend(la: LocalAws, name: str) -> tuple[list[tuple[str, str]], str]:
        out = _outputs(_deploy(la, name, ops_template()))
        changes = _change_set(la, name, "extend", ExpiresAt="2031-02-03T04:05:06")
        return changes, la.client("scheduler").get_schedule(Name=out["ScheduleName"])["ScheduleExpression"]

    with without("cfn_update_sub_parameters") as la:
        changes, expression = extend(la, "fix22")
        assert changes == [] and expression == f"at({EXPIRES})"  # UPDATE_COMPLETE, schedule untouched

    name = unique("fix22")
    changes, expression = extend(localaws, name)
    assert changes == [("Modify", "ExpirySchedule")] and expression == "at(2031-02-03T04:05:06)"
    st = localaws.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]}["ExpiresAt"] == "2031-02-03T04:05:06"
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()


# 23 -----------------------------------------------------------------------------------------
def _nat_state(la: LocalAws, name: str) -> dict[str, Any]:
    ec2 = la.client("ec2")
    vpc = _physical(la, name)["Vpc"]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NatGateways"]
    routes = [r.get("DestinationCidrBlock") for rt in ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"] for r in rt["Routes"]]
    return {"nat": [n["State"] for n in nats], "eips": len(ec2.describe_addresses()["Addresses"]),
            "default_routes": routes.count("0.0.0.0/0"), "listed": "NatGateway" in _physical(la, name)}


def test_cfn_update_removes_resources(localaws: LocalAws, without) -> None:
    tpl = {"Parameters": {"Paused": PARAMETERS["Paused"]}, "Conditions": CONDITIONS, "Resources": _network("Running")}

    def pause(la: LocalAws, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        la.deploy(name, tpl)
        before = _nat_state(la, name)
        cfn = la.client("cloudformation")
        cfn.create_change_set(StackName=name, ChangeSetName="pause", ChangeSetType="UPDATE", UsePreviousTemplate=True,
                              Parameters=[{"ParameterKey": "Paused", "ParameterValue": "true"}])
        try:
            cfn.execute_change_set(StackName=name, ChangeSetName="pause")
        except (ClientError, ResponseParserError):
            pass
        return before, _nat_state(la, name)

    with without("cfn_update_removes_resources") as la:
        before, after = pause(la, "fix23")
        assert after["nat"] == ["available"] and after["default_routes"] == 1 and after["listed"], after

    name = unique("fix23")
    before, after = pause(localaws, name)
    assert before["nat"] == ["available"] and before["default_routes"] == 1
    assert after == {"nat": ["deleted"], "eips": before["eips"] - 1, "default_routes": 0, "listed": False}
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()

    # a resource removed from the template goes the same way; DeletionPolicy Retain keeps it
    cfn = localaws.client("cloudformation")
    smaller = json.loads(json.dumps(tpl))
    smaller["Resources"]["PublicSubnet"]["DeletionPolicy"] = "Retain"
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(smaller), Parameters=[{"ParameterKey": "Paused", "ParameterValue": "true"}])
    subnet = _physical(localaws, name)["PublicSubnet"]
    del smaller["Resources"]["PublicSubnet"]
    del smaller["Resources"]["PrivateRouteTable"]
    for lid in ("NatGateway", "PrivateDefaultRoute"):
        del smaller["Resources"][lid]
    cfn.update_stack(StackName=name, TemplateBody=json.dumps(smaller), Parameters=[{"ParameterKey": "Paused", "ParameterValue": "true"}])
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    ec2 = localaws.client("ec2")
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"], "Retain kept the subnet"
    vpc = _physical(localaws, name)["Vpc"]
    assert [t["Associations"] for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
            if not any(a.get("Main") for a in t["Associations"])] == []  # the private route table was deleted
    ec2.delete_subnet(SubnetId=subnet)


# 24 -----------------------------------------------------------------------------------------
def test_cfn_stack_resources_conditions(localaws: LocalAws, without) -> None:
    with without("cfn_stack_resources_conditions") as la:
        _deploy(la, "fix24", ops_template(), paused="true")
        listed = la.client("cloudformation").describe_stack_resources(StackName="fix24")["StackResources"]
        assert len([r for r in listed if not r.get("LogicalResourceId")]) == len(RUNNING_ONLY)

    name = unique("fix24")
    _deploy(localaws, name, ops_template(), paused="true")
    listed = localaws.client("cloudformation").describe_stack_resources(StackName=name)["StackResources"]
    assert {r.get("LogicalResourceId") for r in listed} == set(ops_template()["Resources"]) - RUNNING_ONLY
    summaries = localaws.client("cloudformation").list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert len(summaries) == len(listed)
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
    localaws.client("cloudformation").delete_stack(StackName=name)
    gone = verify.verify_gone(name, report.snapshot, localaws.verify_session())
    assert gone.ok, gone.to_text()


# 25 -----------------------------------------------------------------------------------------
def test_cfn_deleted_stack_frozen(localaws: LocalAws, without) -> None:
    def delete_then_describe(la: LocalAws, name: str) -> tuple[dict[str, Any], list[str]]:
        cfn = la.client("cloudformation")
        sid = la.deploy(name, _alarm_template())["StackId"]
        cfn.update_stack(StackName=name, TemplateBody=json.dumps(_alarm_template(threshold=2)))  # outputs not read since
        cfn.delete_stack(StackName=name)
        st = cfn.describe_stacks(StackName=sid)["Stacks"][0]
        alarms = la.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"]
        return st, [a["AlarmName"] for a in alarms]

    with without("cfn_deleted_stack_frozen") as la:
        st, alarms = delete_then_describe(la, "fix25")
        assert st["StackStatus"] == "DELETE_COMPLETE" and len(alarms) == 2  # re-created by reading the outputs

    name = unique("fix25")
    st, alarms = delete_then_describe(localaws, name)
    assert st["StackStatus"] == "DELETE_COMPLETE" and alarms == [] and not st.get("Outputs")
    assert verify.verify_gone(name, None, localaws.verify_session()).ok


# 26 -----------------------------------------------------------------------------------------
ALARM_EMAIL = {"Type": "String", "Default": "ops@example.com", "Description": "who gets the alarms"}


def _ttl_template(ttl: bool) -> dict[str, Any]:
    """Paused and a topic; with a TTL also ExpiresAt and the expiry schedule, without it a defaulted AlarmEmail."""
    resources: dict[str, Any] = {"AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {
        "DisplayName": {"Fn::Sub": "paused ${Paused}"}}}}
    params: dict[str, Any] = {"Paused": PARAMETERS["Paused"]}
    if ttl:
        params["ExpiresAt"] = PARAMETERS["ExpiresAt"]
        resources.update(_schedule_template()["Resources"])
    else:
        params["AlarmEmail"] = ALARM_EMAIL
    return {"Parameters": params, "Resources": resources}


def _params(la: LocalAws, name: str) -> dict[str, str]:
    st = la.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in st.get("Parameters") or []}


def _turn_ttl_off(la: LocalAws, name: str) -> None:
    _deploy(la, name, _ttl_template(True))
    la.client("cloudformation").update_stack(StackName=name, TemplateBody=json.dumps(_ttl_template(False)),
                                             Parameters=[{"ParameterKey": "Paused", "UsePreviousValue": True}])


def _pause_keeping_listed(la: LocalAws, name: str) -> dict[str, Any]:
    """A change set with UsePreviousTemplate: Paused=true, UsePreviousValue for every other parameter listed."""
    cfn = la.client("cloudformation")
    params = [{"ParameterKey": k, "ParameterValue": "true"} if k == "Paused" else {"ParameterKey": k, "UsePreviousValue": True}
              for k in _params(la, name)]
    cfn.create_change_set(StackName=name, ChangeSetName="pause", ChangeSetType="UPDATE", UsePreviousTemplate=True,
                          Parameters=params)
    try:
        cfn.execute_change_set(StackName=name, ChangeSetName="pause")
    except (ClientError, ResponseParserError):
        pass
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def test_cfn_parameters_follow_template(localaws: LocalAws, without) -> None:
    with without("cfn_parameters_follow_template") as la:
        _turn_ttl_off(la, "fix26")
        assert _params(la, "fix26") == {"Paused": "false", "ExpiresAt": EXPIRES, "AlarmEmail": "ops@example.com"}
        st = _pause_keeping_listed(la, "fix26")
        assert st["StackStatus"] == "UPDATE_ROLLBACK_FAILED" and "KeyError" in st["StackStatusReason"], st

    # UpdateStack that turns the TTL off: ExpiresAt leaves the stack, the new AlarmEmail has its Default
    name = unique("fix26")
    cfn = localaws.client("cloudformation")
    _turn_ttl_off(localaws, name)
    assert _params(localaws, name) == {"Paused": "false", "AlarmEmail": "ops@example.com"}
    assert [s for s in localaws.client("scheduler").list_schedules()["Schedules"] if s["Name"].startswith(name)] == []
    st = _pause_keeping_listed(localaws, name)
    assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
    assert _params(localaws, name) == {"Paused": "true", "AlarmEmail": "ops@example.com"}
    topic = _physical(localaws, name)["AlarmTopic"]
    assert localaws.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "paused true"

    # as on AWS: UsePreviousValue for a parameter the template does not declare is refused
    gone = [{"ParameterKey": "Paused", "ParameterValue": "false"}, {"ParameterKey": "ExpiresAt", "UsePreviousValue": True}]
    refused = "Invalid input for parameter key ExpiresAt. Cannot specify usePreviousValue as true for a parameter key not in the previous template"
    with pytest.raises(ClientError, match=re.escape(refused)) as err:
        cfn.create_change_set(StackName=name, ChangeSetName="stale", ChangeSetType="UPDATE", UsePreviousTemplate=True, Parameters=gone)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError, match=re.escape(refused)):
        cfn.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=gone)
    # ... and UsePreviousValue for one that has its Default (never passed) keeps it (moto: HTTP 500)
    cfn.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=[
        {"ParameterKey": "Paused", "ParameterValue": "false"}, {"ParameterKey": "AlarmEmail", "UsePreviousValue": True}])
    assert _params(localaws, name) == {"Paused": "false", "AlarmEmail": "ops@example.com"}

    # an executed change set that turns the TTL back on and off again: the parameters follow each template
    for ttl, values, expected in ((True, {"ExpiresAt": EXPIRES}, {"Paused": "false", "ExpiresAt": EXPIRES}),
                                  (False, {}, {"Paused": "false", "AlarmEmail": "ops@example.com"})):
        cs = f"ttl-{str(ttl).lower()}"
        cfn.create_change_set(StackName=name, ChangeSetName=cs, ChangeSetType="UPDATE",
                              TemplateBody=json.dumps(_ttl_template(ttl)), Capabilities=["CAPABILITY_IAM"],
                              Parameters=[{"ParameterKey": "Paused", "UsePreviousValue": True}]
                              + [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()])
        cfn.execute_change_set(StackName=name, ChangeSetName=cs)
        st = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert st["StackStatus"] == "UPDATE_COMPLETE", st.get("StackStatusReason")
        assert _params(localaws, name) == expected
    report = verify.verify_stack(name, localaws.verify_session())
    assert report.ok, report.to_text()
