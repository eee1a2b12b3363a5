"""Fixes for a rehearsal account, as `localaws.py start --service-quota/--lambda-concurrency/--no-apigateway-role` sets it.

A new AWS account refuses parts of the stack that moto always accepts. These fixes make the local AWS answer
as such an account does, from the settings `start` passes in LOCALAWS_ACCOUNT (JSON):
- `service_quotas_account`: Service Quotas GetServiceQuota, GetAWSDefaultServiceQuota, ListServiceQuotas and
  ListAWSDefaultServiceQuotas for the quotas slmstack reads (SageMaker endpoint usage, VPC, Elastic IP, NAT
  gateway, Lambda concurrency), with AWS's names, codes and wire format; other codes are NoSuchResourceException
  as on AWS. As AWS documents for GetServiceQuota and ListServiceQuotas ("For some quotas, only the default values
  are available. If the applied quota value is not available for a quota, the quota is not retrieved"), the quotas
  in DEFAULT_ONLY have no applied value unless `--service-quota` sets one: only the AWS-default calls return them.
- `sagemaker_endpoint_quota`: CreateEndpoint counts the instances of each type in live endpoints and refuses
  with ResourceLimitExceeded and AWS's message above the "<type> for endpoint usage" quota
- `lambda_account_settings`: GetAccountSettings (GET /2016-08-19/account-settings/) with AccountLimit and
  AccountUsage, ConcurrentExecutions from --lambda-concurrency (default 1000) less the reservations
- `lambda_concurrency_minimum`: a reservation (CreateFunction, PutFunctionConcurrency, CloudFormation) that
  leaves less than min(100, limit) unreserved is refused with AWS's InvalidParameterValueException message
- `apigateway_account_role`: the account starts with an API Gateway CloudWatch role (an IAM role
  `localaws-apigateway-cloudwatch`) unless --no-apigateway-role; GetAccount omits cloudwatchRoleArn when none
  is set, as AWS does (moto sends null)

Quota codes are those AWS shows in Service Quotas (seen in public quota listings, e.g. L-1928E07B
"ml.g5.xlarge for endpoint usage"). Kept apart from patches.py for size; patches.py registers them.
"""
from __future__ import annotations

import json
import os
from typing import Any

# The default account is permissive, so that test suites with many stacks are never refused; AWS's own defaults
# are lower (VPCs, Elastic IPs, NAT gateways per zone: 5; GPU endpoint usage often 0 in new accounts): rehearse
# them with `start --service-quota 'NAME=VALUE'`.
DEFAULT_ENDPOINT_INSTANCES = 20.0
DEFAULT_NETWORK = 50.0
DEFAULT_LAMBDA_CONCURRENCY = 1000
APIGATEWAY_ROLE = "localaws-apigateway-cloudwatch"

# (service code, service name, quota code, quota name, default value)
QUOTAS: list[tuple[str, str, str, str, float]] = [
    ("sagemaker", "Amazon SageMaker", "L-1928E07B", "ml.g5.xlarge for endpoint usage", DEFAULT_ENDPOINT_INSTANCES),
    ("sagemaker", "Amazon SageMaker", "L-9614C779", "ml.g5.2xlarge for endpoint usage", DEFAULT_ENDPOINT_INSTANCES),
    ("sagemaker", "Amazon SageMaker", "L-D470D954", "ml.g6.xlarge for endpoint usage", DEFAULT_ENDPOINT_INSTANCES),
    ("sagemaker", "Amazon SageMaker", "L-B0729CB4", "ml.g6e.xlarge for endpoint usage", DEFAULT_ENDPOINT_INSTANCES),
    ("vpc", "Amazon Virtual Private Cloud (Amazon VPC)", "L-F678F1CE", "VPCs per Region", DEFAULT_NETWORK),
    ("vpc", "Amazon Virtual Private Cloud (Amazon VPC)", "L-FE5A380F", "NAT gateways per Availability Zone", DEFAULT_NETWORK),
    ("vpc", "Amazon Virtual Private Cloud (Amazon VPC)", "L-A4707A72", "Internet gateways per Region", DEFAULT_NETWORK),
    ("ec2", "Amazon Elastic Compute Cloud (Amazon EC2)", "L-0263D0A3", "EC2-VPC Elastic IPs", DEFAULT_NETWORK),
    ("lambda", "AWS Lambda", "L-B99A9384", "Concurrent executions", float(DEFAULT_LAMBDA_CONCURRENCY)),
]
QUOTA_NAMES = {q[3] for q in QUOTAS}
# Quotas without an applied value (an instance type outside preflight's code table, found by name): absent from
# GetServiceQuota and ListServiceQuotas, present in GetAWSDefaultServiceQuota and ListAWSDefaultServiceQuotas.
DEFAULT_ONLY = {"L-9614C779"}


def account_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The rehearsal account from LOCALAWS_ACCOUNT: {"service_quotas": {name: value}, "lambda_concurrency": N,
    "apigateway_role": bool}; defaults are a permissive account."""
    raw = (environ if environ is not None else os.environ).get("LOCALAWS_ACCOUNT", "") or "{}"
    settings = json.loads(raw)
    return {"service_quotas": dict(settings.get("service_quotas") or {}),
            "lambda_concurrency": int(settings.get("lambda_concurrency") or DEFAULT_LAMBDA_CONCURRENCY),
            "apigateway_role": bool(settings.get("apigateway_role", True))}


def quota_value(name: str, default: float) -> float:
    settings = account_settings()
    if name == "Concurrent executions":
        default = float(settings["lambda_concurrency"])
    return float(settings["service_quotas"].get(name, default))


def _quota_json(q: tuple[str, str, str, str, float], region: str, account: str, default: bool) -> dict[str, Any]:
    service, service_name, code, name, value = q
    return {"ServiceCode": service, "ServiceName": service_name, "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:{service}/{code}",
            "QuotaCode": code, "QuotaName": name, "Value": value if default else quota_value(name, value),
            "Unit": "None", "Adjustable": True, "GlobalQuota": False}


def service_quotas_account() -> None:
    """Service Quotas for the quotas slmstack reads, valued by the rehearsal account."""
    from moto.servicequotas.responses import ServiceQuotasResponse

    from moto.core.exceptions import JsonRESTError

    def error(code: str, message: str) -> Any:
        raise JsonRESTError(code, message)

    def applied(q: tuple[str, str, str, str, float]) -> bool:
        return q[2] not in DEFAULT_ONLY or q[3] in account_settings()["service_quotas"]

    def lookup(self: Any, default: bool) -> Any:
        params = json.loads(self.body or "{}")
        service, code = params.get("ServiceCode"), params.get("QuotaCode")
        for q in QUOTAS:
            if q[0] == service and q[2] == code and (default or applied(q)):
                return json.dumps({"Quota": _quota_json(q, self.region, "" if default else self.current_account, default)})
        error("NoSuchResourceException", f"The request failed because the specified service or quota does not exist: {service} {code}.")

    def listing(self: Any, default: bool) -> Any:
        params = json.loads(self.body or "{}")
        service = params.get("ServiceCode")
        if not any(q[0] == service for q in QUOTAS):
            error("NoSuchResourceException", f"The request failed because the specified service does not exist: {service}.")
        items = [_quota_json(q, self.region, "" if default else self.current_account, default)
                 for q in QUOTAS if q[0] == service and (default or applied(q))]
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or 100)
        page = {"Quotas": items[start:start + size]}
        if start + size < len(items):
            page["NextToken"] = str(start + size)
        return json.dumps(page)

    ServiceQuotasResponse.get_service_quota = lambda self: lookup(self, False)  # type: ignore[method-assign]
    ServiceQuotasResponse.get_aws_default_service_quota = lambda self: lookup(self, True)  # type: ignore[attr-defined]
    ServiceQuotasResponse.list_service_quotas = lambda self: listing(self, False)  # type: ignore[attr-defined]
    ServiceQuotasResponse.list_aws_default_service_quotas = lambda self: listing(self, True)  # type: ignore[method-assign]


def sagemaker_endpoint_quota() -> None:
    """CreateEndpoint above the "<type> for endpoint usage" quota: ResourceLimitExceeded, as AWS words it."""
    from moto.sagemaker.exceptions import SagemakerClientError
    from moto.sagemaker.models import SageMakerModelBackend

    class ResourceLimitExceeded(SagemakerClientError):
        """AWS's error code; CloudFormation's event reason starts with the class name, as AWS's names the code."""

        def __init__(self, message: str) -> None:
            super().__init__("ResourceLimitExceeded", message)

    defaults = {q[3]: q[4] for q in QUOTAS if q[0] == "sagemaker"}
    original = SageMakerModelBackend.create_endpoint

    def instances(backend: Any, config_name: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        config = backend.endpoint_configs.get(config_name)
        for variant in (config.production_variants if config else []):
            kind = variant.get("InstanceType")
            if kind:
                counts[kind] = counts.get(kind, 0) + int(variant.get("InitialInstanceCount") or 1)
        return counts

    def create_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]]) -> Any:
        used: dict[str, int] = {}
        for endpoint in self.endpoints.values():
            if endpoint.endpoint_status not in ("Failed", "Deleting"):
                for kind, n in instances(self, endpoint.endpoint_config_name).items():
                    used[kind] = used.get(kind, 0) + n
        for kind, delta in sorted(instances(self, endpoint_config_name).items()):
            name = f"{kind} for endpoint usage"
            limit = quota_value(name, defaults.get(name, DEFAULT_ENDPOINT_INSTANCES))
            if used.get(kind, 0) + delta > limit:
                raise ResourceLimitExceeded(
                    f"The account-level service limit '{name}' is {int(limit)} Instances, with current utilization of "
                    f"{used.get(kind, 0)} Instances and a request delta of {delta} Instances. Please use AWS Service Quotas "
                    "to request an increase for this quota. If AWS Service Quotas is not available, contact AWS support "
                    "to request an increase for this quota.")
        return original(self, endpoint_name, endpoint_config_name, tags)

    SageMakerModelBackend.create_endpoint = create_endpoint  # type: ignore[method-assign]


def _reserved_total(backend: Any, skip: str | None = None) -> int:
    return sum(int(fn.reserved_concurrency) for fn in backend.list_functions()
               if fn.reserved_concurrency not in (None, "") and fn.function_name != skip)


def lambda_account_settings() -> None:
    """Lambda GetAccountSettings with the rehearsal account's concurrency."""
    from moto.awslambda import urls
    from moto.awslambda.models import lambda_backends
    from moto.awslambda.responses import LambdaResponse

    # botocore sends /2016-08-19/account-settings (its model's trailing slash dropped); AWS takes both
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings$"] = LambdaResponse.dispatch
    urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/$"] = LambdaResponse.dispatch

    def get_account_settings(self: Any) -> Any:
        backend = lambda_backends[self.current_account][self.region]
        limit = account_settings()["lambda_concurrency"]
        functions = list(backend.list_functions())
        code = sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions)
        body = {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                                 "ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": limit - _reserved_total(backend)},
                "AccountUsage": {"TotalCodeSize": code, "FunctionCount": len(functions)}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    LambdaResponse.get_account_settings = get_account_settings  # type: ignore[attr-defined]


def lambda_concurrency_minimum() -> None:
    """Reservations that leave less than min(100, limit) unreserved are refused, with AWS's message."""
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend

    def check(backend: Any, name: str | None, wanted: Any) -> None:
        if wanted in (None, ""):
            return
        limit = account_settings()["lambda_concurrency"]
        minimum = min(100, limit)
        if limit - _reserved_total(backend, skip=name) - int(wanted) < minimum:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
                f"below its minimum value of [{minimum}].")

    original_create, original_put = LambdaBackend.create_function, LambdaBackend.put_function_concurrency

    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        check(self, spec.get("FunctionName"), spec.get("ReservedConcurrentExecutions"))
        return original_create(self, spec)

    def put_function_concurrency(self: Any, function_name: str, reserved_concurrency: str) -> Any:
        check(self, self.get_function(function_name).function_name, reserved_concurrency)
        fn = self.get_function(function_name)
        fn.reserved_concurrency = reserved_concurrency
        return fn.reserved_concurrency

    LambdaBackend.create_function = create_function  # type: ignore[method-assign]
    LambdaBackend.put_function_concurrency = put_function_concurrency  # type: ignore[method-assign]
    del original_put  # replaced whole: moto's own check (MOTO_LAMBDA_CONCURRENCY_QUOTA) uses a fixed [100]


def apigateway_account_role() -> None:
    """The account's API Gateway CloudWatch role: preset unless --no-apigateway-role; absent key when unset."""
    from moto.apigateway.models import Account, APIGatewayBackend

    original_init = APIGatewayBackend.__init__
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                                      "Action": "sts:AssumeRole"}]}

    def __init__(self: Any, region_name: str, account_id: str) -> None:
        original_init(self, region_name, account_id)
        if account_settings()["apigateway_role"]:
            from moto.iam.models import iam_backends

            iam = iam_backends[account_id]["global"]
            try:
                role = iam.get_role(APIGATEWAY_ROLE)
            except Exception:  # noqa: BLE001 - not created yet
                role = iam.create_role(role_name=APIGATEWAY_ROLE, assume_role_policy_document=json.dumps(trust), path="/",
                                       permissions_boundary=None, description="localaws: the account's API Gateway logging role",
                                       tags=[], max_session_duration="3600", linked_service=None)
            self.account.cloudwatch_role_arn = role.arn

    original_json = Account.to_json

    def to_json(self: Any) -> dict[str, Any]:
        body = original_json(self)
        return {k: v for k, v in body.items() if v is not None}

    APIGatewayBackend.__init__ = __init__  # type: ignore[method-assign]
    Account.to_json = to_json  # type: ignore[method-assign]
