"""Fixes 40-41: SageMaker endpoints, as a paused or upgraded stack meets them.

40. SageMaker Runtime refuses an invocation of an endpoint that does not exist.

moto's InvokeEndpoint answers every endpoint name with its canned result, so a paused stack (whose
endpoint a pause deleted) still "answers". AWS answers HTTP 400 with the error code ValidationError
and the message "Endpoint <name> of account <account> not found." (the shim maps it to 503 paused).
41. AWS::SageMaker::Endpoint honours EndpointName on create, and a changed one replaces it (`cfn_sagemaker_endpoint_rename`).
Kept apart from patches.py for size; patches.py registers it like every other fix.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote


def sagemaker_runtime_missing_endpoint() -> None:
    """InvokeEndpoint on a name with no endpoint in moto's SageMaker backend: 400 ValidationError."""
    from moto.sagemaker.models import sagemaker_backends
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    original = SageMakerRuntimeResponse.invoke_endpoint

    def invoke_endpoint(self: Any) -> Any:
        # the name is the path's second segment: /endpoints/<name>/invocations
        parts = self.path.split("?")[0].split("/")
        name = unquote(parts[2]) if len(parts) > 3 and parts[1] == "endpoints" else ""
        if name not in sagemaker_backends[self.current_account][self.region].endpoints:
            message = f"Endpoint {name} of account {self.current_account} not found."
            return 400, {"status": 400, "Content-Type": "application/json", "x-amzn-ErrorType": "ValidationError"}, json.dumps({"message": message})
        return original(self)

    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint  # type: ignore[method-assign]


def cfn_sagemaker_endpoint_rename() -> None:
    """AWS::SageMaker::Endpoint honours EndpointName: on create, and a changed one replaces the endpoint.

    EndpointName is the type's name property (generated as `<stack>-<LogicalId>-<random>` only when
    absent) and create-only, so CloudFormation creates an endpoint with a new name and then deletes
    the old one (its physical ID changes). moto declares no name property for the type, so it
    generated a name whatever the template said, and its update re-created the endpoint under the
    old name: a stack with a fixed endpoint name got another one.
    """
    from moto.cloudformation import parsing
    from moto.sagemaker.models import FakeEndpoint

    FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")  # type: ignore[method-assign]
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()

    original = FakeEndpoint.update_from_cloudformation_json.__func__

    @classmethod  # type: ignore[misc]
    def update_from_cloudformation_json(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str) -> Any:
        wanted = (cloudformation_json.get("Properties") or {}).get("EndpointName")
        if not wanted or wanted == original_resource.endpoint_name:
            return original(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        replacement = cls.create_from_cloudformation_json(wanted, cloudformation_json, account_id, region_name)
        cls.delete_from_cloudformation_json(original_resource.arn, cloudformation_json, account_id, region_name)
        return replacement

    FakeEndpoint.update_from_cloudformation_json = update_from_cloudformation_json  # type: ignore[method-assign]
