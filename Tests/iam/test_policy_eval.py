"""Unit tests of tools/iam/policy_eval.py, with cases from AWS's IAM User Guide ("Policy evaluation logic",
"IAM JSON policy elements: Action/NotAction/Resource/NotResource/Condition operators", "Single-valued vs.
multivalued context keys"). Run: python3 -m pytest -q Tests/iam/test_policy_eval.py
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools" / "iam"))

from policy_eval import Request, arn_like, evaluate, wildcard_match  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/ops"
CFN = "cloudformation.amazonaws.com"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return dict({"Effect": "Allow", "Action": action, "Resource": resource}, **extra)


def deny(action, resource="*", **extra):
    return dict({"Effect": "Deny", "Action": action, "Resource": resource}, **extra)


def req(action, resource="*", context=None, absent=()):
    return Request(action, resource, context or {}, frozenset(absent))


# ---- evaluation logic ------------------------------------------------------------------------------------

def test_no_statement_matches_is_an_implicit_deny():
    decision = evaluate([doc(allow("s3:GetObject"))], req("s3:PutObject"))
    assert not decision.allowed and decision.reason == "implicit deny"


def test_explicit_deny_overrides_allow_in_another_policy():
    docs = [doc(allow("iam:*")), doc(deny("iam:DeleteRole", "arn:aws:iam::123456789012:role/*"))]
    decision = evaluate(docs, req("iam:DeleteRole", ROLE))
    assert not decision.allowed and decision.reason == "explicit deny"
    assert evaluate(docs, req("iam:GetRole", ROLE)).allowed


def test_statement_sid_is_reported():
    decision = evaluate([doc(allow("sns:Publish", Sid="Notify"))], req("sns:Publish"))
    assert decision.allowed and decision.statements == ["Notify"]


def test_single_statement_object_is_accepted():
    assert evaluate([{"Statement": allow("sns:Publish")}], req("sns:Publish")).allowed


# ---- Action / NotAction -----------------------------------------------------------------------------------

def test_action_match_is_case_insensitive_with_wildcards():
    assert evaluate([doc(allow("S3:get*"))], req("s3:GetObject")).allowed
    assert evaluate([doc(allow("iam:*AccessKey*"))], req("iam:CreateAccessKey")).allowed
    assert evaluate([doc(allow("ec2:Describe?pcs"))], req("ec2:DescribeVpcs")).allowed
    assert not evaluate([doc(allow("ec2:Describe?pcs"))], req("ec2:DescribeVpcsX")).allowed


def test_action_wildcard_does_not_cross_the_service_prefix():
    assert not evaluate([doc(allow("s3:*"))], req("s3express:CreateSession")).allowed


def test_allow_with_not_action_allows_everything_else():
    # AWS example: "NotAction": "iam:*" with Allow grants every non-IAM action, and no IAM action.
    docs = [doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert evaluate(docs, req("s3:GetObject")).allowed
    assert not evaluate(docs, req("iam:CreateUser")).allowed


def test_deny_with_not_action_denies_everything_else():
    docs = [doc(allow("*")), doc({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"})]
    assert not evaluate(docs, req("ec2:RunInstances")).allowed
    assert evaluate(docs, req("sts:GetCallerIdentity")).allowed


# ---- Resource / NotResource ---------------------------------------------------------------------------------

def test_resource_wildcards_are_case_sensitive_and_span_separators():
    docs = [doc(allow("iam:DeleteRole", "arn:aws:iam::123456789012:role/slmstack-*"))]
    assert evaluate(docs, req("iam:DeleteRole", "arn:aws:iam::123456789012:role/slmstack-ShimRole-X")).allowed
    assert not evaluate(docs, req("iam:DeleteRole", "arn:aws:iam::123456789012:role/SLMSTACK-ShimRole")).allowed
    assert evaluate([doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))], req("s3:GetObject", "arn:aws:s3:::bucket/a/b/c")).allowed


def test_question_mark_matches_one_character():
    docs = [doc(allow("logs:DeleteLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:g?"))]
    assert evaluate(docs, req("logs:DeleteLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:g1")).allowed
    assert not evaluate(docs, req("logs:DeleteLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:g12")).allowed


def test_not_resource():
    docs = [doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})]
    assert evaluate(docs, req("s3:GetObject", "arn:aws:s3:::public/x")).allowed
    assert not evaluate(docs, req("s3:GetObject", "arn:aws:s3:::secret/x")).allowed


def test_action_without_resource_types_needs_a_star_resource():
    assert not evaluate([doc(allow("ec2:DescribeVpcs", "arn:aws:ec2:us-east-1:123456789012:vpc/*"))], req("ec2:DescribeVpcs")).allowed
    assert evaluate([doc(allow("ec2:DescribeVpcs"))], req("ec2:DescribeVpcs")).allowed


# ---- Condition operators ------------------------------------------------------------------------------------

def test_values_of_one_key_are_ored_and_keys_and_operators_are_anded():
    statement = allow("ec2:TerminateInstances", Condition={
        "StringEquals": {"aws:ResourceTag/team": ["a", "b"], "aws:RequestedRegion": "us-east-1"},
        "Bool": {"aws:SecureTransport": "true"}})
    base = {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}
    assert evaluate([doc(statement)], req("ec2:TerminateInstances", context=dict(base, **{"aws:ResourceTag/team": "b"}))).allowed
    assert not evaluate([doc(statement)], req("ec2:TerminateInstances", context=dict(base, **{"aws:ResourceTag/team": "c"}))).allowed
    other_region = dict(base, **{"aws:ResourceTag/team": "a", "aws:RequestedRegion": "eu-west-1"})
    assert not evaluate([doc(statement)], req("ec2:TerminateInstances", context=other_region)).allowed


def test_condition_key_names_are_case_insensitive_values_are_not():
    statement = allow("sns:Publish", Condition={"StringEquals": {"AWS:PrincipalAccount": "123456789012"}})
    assert evaluate([doc(statement)], req("sns:Publish", context={"aws:principalaccount": "123456789012"})).allowed
    tagged = allow("sns:Publish", Condition={"StringEquals": {"aws:ResourceTag/env": "Prod"}})
    assert not evaluate([doc(tagged)], req("sns:Publish", context={"aws:ResourceTag/env": "prod"})).allowed
    ignore_case = allow("sns:Publish", Condition={"StringEqualsIgnoreCase": {"aws:ResourceTag/env": "Prod"}})
    assert evaluate([doc(ignore_case)], req("sns:Publish", context={"aws:ResourceTag/env": "prod"})).allowed


def test_string_like_and_arn_like():
    like = allow("iam:PassRole", Condition={"StringLike": {"iam:PassedToService": "lambda.*"}})
    assert evaluate([doc(like)], req("iam:PassRole", ROLE, {"iam:PassedToService": "lambda.amazonaws.com"})).allowed
    arn = allow("lambda:InvokeFunction", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:123456789012:alarm:*"}})
    ok = {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:idle"}
    assert evaluate([doc(arn)], req("lambda:InvokeFunction", context=ok)).allowed
    other_account = {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:999999999999:alarm:idle"}
    assert not evaluate([doc(arn)], req("lambda:InvokeFunction", context=other_account)).allowed


def test_arn_like_matches_each_arn_part_separately():
    assert arn_like("arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/x")
    # in ArnLike, * within a part does not reach into the next part
    assert not arn_like("arn:aws:iam::1*x", "arn:aws:iam::123456789012:role/x")
    assert wildcard_match("arn:aws:iam::1*x", "arn:aws:iam::123456789012:role/x")


def test_missing_key_fails_a_positive_operator_and_satisfies_a_negated_one():
    # AWS: a key absent from the request context does not match; ...Not... operators then evaluate to true.
    equals = allow("s3:GetObject", Condition={"StringEquals": {"aws:ResourceTag/team": "a"}})
    not_equals = allow("s3:GetObject", Condition={"StringNotEquals": {"aws:ResourceTag/team": "a"}})
    absent = ("aws:ResourceTag/*",)
    assert not evaluate([doc(equals)], req("s3:GetObject", absent=absent)).allowed
    assert evaluate([doc(not_equals)], req("s3:GetObject", absent=absent)).allowed


def test_if_exists_holds_when_the_key_is_missing():
    statement = allow("ec2:RunInstances", Condition={"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}})
    assert evaluate([doc(statement)], req("ec2:RunInstances", absent=("ec2:InstanceType",))).allowed
    assert not evaluate([doc(statement)], req("ec2:RunInstances", context={"ec2:InstanceType": "p5.48xlarge"})).allowed


def test_null_operator():
    statement = allow("ec2:CreateTags", Condition={"Null": {"aws:RequestTag/owner": "false"}})
    assert evaluate([doc(statement)], req("ec2:CreateTags", context={"aws:RequestTag/owner": "me"})).allowed
    assert not evaluate([doc(statement)], req("ec2:CreateTags", absent=("aws:RequestTag/*",))).allowed


def test_bool_with_json_boolean_value():
    statement = deny("s3:*", Condition={"Bool": {"aws:SecureTransport": False}})
    docs = [doc(allow("s3:*")), doc(statement)]
    assert not evaluate(docs, req("s3:GetObject", context={"aws:SecureTransport": "false"})).allowed
    assert evaluate(docs, req("s3:GetObject", context={"aws:SecureTransport": "true"})).allowed


def test_numeric_operators():
    statement = allow("iam:CreateUser", Condition={"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}})
    assert evaluate([doc(statement)], req("iam:CreateUser", context={"aws:MultiFactorAuthAge": "60"})).allowed
    assert not evaluate([doc(statement)], req("iam:CreateUser", context={"aws:MultiFactorAuthAge": "7200"})).allowed


# ---- multivalued keys: aws:CalledVia and set qualifiers ------------------------------------------------------

VIA_CFN = allow("iam:DeleteRole", ROLE, Condition={"ForAnyValue:StringEquals": {"aws:CalledVia": [CFN]}})


def test_called_via_allows_only_calls_cloudformation_makes():
    assert evaluate([doc(VIA_CFN)], req("iam:DeleteRole", ROLE, {"aws:CalledVia": [CFN]})).allowed
    # a direct call has no aws:CalledVia: ForAnyValue over an empty set is false
    assert not evaluate([doc(VIA_CFN)], req("iam:DeleteRole", ROLE, absent=("aws:CalledVia",))).allowed
    assert not evaluate([doc(VIA_CFN)], req("iam:DeleteRole", ROLE, {"aws:CalledVia": ["athena.amazonaws.com"]})).allowed


def test_for_all_values_is_true_for_a_missing_key():
    # AWS warns: ForAllValues with a missing key (or empty set) evaluates to true.
    statement = allow("dynamodb:PutItem", Condition={"ForAllValues:StringEquals": {"dynamodb:Attributes": ["id", "name"]}})
    assert evaluate([doc(statement)], req("dynamodb:PutItem", absent=("dynamodb:Attributes",))).allowed
    assert evaluate([doc(statement)], req("dynamodb:PutItem", context={"dynamodb:Attributes": ["id"]})).allowed
    assert not evaluate([doc(statement)], req("dynamodb:PutItem", context={"dynamodb:Attributes": ["id", "secret"]})).allowed


def test_single_valued_operator_on_a_multivalued_key_is_undecided():
    statement = allow("iam:DeleteRole", ROLE, Condition={"StringEquals": {"aws:CalledVia": CFN}})
    decision = evaluate([doc(statement)], req("iam:DeleteRole", ROLE, {"aws:CalledVia": [CFN, "athena.amazonaws.com"]}))
    assert not decision.allowed and "multivalued" in decision.undecided[0]


# ---- conservative on what it cannot decide ----------------------------------------------------------------------

def test_unknown_key_makes_an_allow_not_apply_and_is_reported():
    statement = allow("kms:Decrypt", Condition={"StringEquals": {"kms:ViaService": "logs.us-east-1.amazonaws.com"}}, Sid="ViaLogs")
    decision = evaluate([doc(statement)], req("kms:Decrypt"))
    assert not decision.allowed
    assert decision.undecided == ["ViaLogs: kms:ViaService is not in the request context"]


def test_unknown_key_makes_a_deny_apply():
    docs = [doc(allow("s3:*")), doc(deny("s3:*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))]
    decision = evaluate(docs, req("s3:GetObject"))
    assert not decision.allowed and decision.reason == "explicit deny" and decision.undecided


def test_unsupported_operator_is_undecided():
    statement = allow("s3:GetObject", Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})
    decision = evaluate([doc(statement)], req("s3:GetObject", context={"aws:CurrentTime": "2026-12-02T00:00:00Z"}))
    assert not decision.allowed and "DateLessThan" in decision.undecided[0]


@pytest.mark.parametrize("value, allowed", [("${aws:PrincipalTag/team}", True), ("${aws:PrincipalTag/other}", None)])
def test_policy_variables_come_from_the_context(value, allowed):
    statement = allow("s3:GetObject", Condition={"StringEquals": {"aws:ResourceTag/team": value}})
    context = {"aws:PrincipalTag/team": "ml", "aws:ResourceTag/team": "ml"}
    decision = evaluate([doc(statement)], req("s3:GetObject", context=context))
    if allowed is None:  # the variable is not in the context: undecided, so the Allow does not apply
        assert not decision.allowed and decision.undecided
    else:
        assert decision.allowed is allowed
