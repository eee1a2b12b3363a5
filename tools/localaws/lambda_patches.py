"""Fixes 5, 7 and 20: Lambda functions and permissions as CloudFormation and the Lambda API keep them.

- `lambda_inline_zipfile_update`: a stack update of a function with inline Code.ZipFile works
- `lambda_logging_config`: LoggingConfig is kept (API and CloudFormation)
- `cfn_lambda_permission_delete`: AWS::Lambda::Permission gets its statement id as physical ID and
  removing it from a stack removes the statement
"""
from __future__ import annotations

import base64
import json
from typing import Any

from cfn_support import cfn_name


# --------------------------------------------------------------------------------------------
# 5. Lambda: updating a function whose code is inline Code.ZipFile
# --------------------------------------------------------------------------------------------
def lambda_inline_zipfile_update() -> None:
    """A stack update that changes a Lambda with inline Code.ZipFile works (moto: HTTP 500).

    On create moto zips the inline source; on update it hands the plain source to
    UpdateFunctionCode, which base64-decodes it and fails. This zips the source on update too,
    and applies Environment/other configuration as on create.
    """
    from moto.awslambda.models import LambdaFunction

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        props = cloudformation_json["Properties"]
        code = dict(props["Code"])
        if "ZipFile" in code:
            code["ZipFile"] = base64.b64encode(cls._create_zipfile_from_plaintext_code(code["ZipFile"]))
        config = {k: v for k, v in props.items() if k != "Code"}
        if "Environment" not in config:
            config["Environment"] = {"Variables": {}}
        original_resource.update_configuration(config)
        original_resource.update_function_code(code)
        return original_resource

    LambdaFunction.update_from_cloudformation_json = classmethod(update)


# --------------------------------------------------------------------------------------------
# 7. Lambda LoggingConfig
# --------------------------------------------------------------------------------------------
def lambda_logging_config() -> None:
    """Lambda keeps LoggingConfig (CreateFunction, UpdateFunctionConfiguration, CloudFormation).

    moto 5.2.1 drops it everywhere, so GetFunctionConfiguration cannot show that the function logs
    to its own log group. As on AWS, the answer always has LoggingConfig, defaulting to
    {"LogFormat": "Text", "LogGroup": "/aws/lambda/NAME"}.
    """
    from moto.awslambda.models import LambdaFunction

    def _norm(fn: Any, cfg: dict[str, Any] | None) -> dict[str, Any]:
        out = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{fn.function_name}"}
        out.update({k: v for k, v in (cfg or {}).items() if v is not None})
        return out

    original_init = LambdaFunction.__init__

    def __init__(self: Any, account_id: str, spec: dict[str, Any], region: str, version: Any = 1) -> None:
        original_init(self, account_id, spec, region, version)
        self.logging_config = _norm(self, spec.get("LoggingConfig"))

    original_get = LambdaFunction.get_configuration

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config = original_get(self, on_create)
        config["LoggingConfig"] = getattr(self, "logging_config", None) or _norm(self, None)
        return config

    original_update = LambdaFunction.update_configuration

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = _norm(self, config_updates["LoggingConfig"])
        return original_update(self, config_updates)

    original_cfn = LambdaFunction.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        fn = original_cfn(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        fn.logging_config = _norm(fn, cloudformation_json["Properties"].get("LoggingConfig"))
        return fn

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------------------------
# 20. AWS::Lambda::Permission: physical ID and delete
# --------------------------------------------------------------------------------------------
def cfn_lambda_permission_delete() -> None:
    """AWS::Lambda::Permission has its statement id as physical ID, and removing it removes the statement.

    moto's handler adds a statement with a random Sid, has no physical ID (DescribeStackResources
    shows none) and no delete: a permission removed from the stack (or whose Condition turned false)
    stays in the function's policy until the function itself is deleted. As on AWS, the statement id
    is now the generated `<stack>-<LogicalId>-<RANDOM>`, deleting the resource removes that statement,
    and any property change replaces the permission (new statement, old one removed).
    """
    from moto.awslambda.models import Permission, lambda_backends

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json["Properties"])
        sid = cfn_name(resource_name, {}, "", 100)
        fn = lambda_backends[account_id][region_name].get_function(props["FunctionName"])
        fn.policy.add_statement(raw=json.dumps({**props, "StatementId": sid}))
        perm = Permission(region=region_name)
        perm.sid, perm.function_name = sid, props["FunctionName"]
        return perm

    def update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> Any:
        new = create(cls, new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new

    def delete(self: Any, account_id: str, region_name: str) -> None:
        from moto.awslambda.exceptions import UnknownFunctionException, UnknownPolicyException

        try:
            fn = lambda_backends[account_id][region_name].get_function(self.function_name)
            fn.policy.del_statement(self.sid)
        except (UnknownFunctionException, UnknownPolicyException):
            pass  # the function (and its policy) or the statement is already gone

    Permission.create_from_cloudformation_json = classmethod(create)
    Permission.update_from_cloudformation_json = classmethod(update)
    Permission.delete = delete
    Permission.physical_resource_id = property(lambda self: getattr(self, "sid", None))
