"""Fix 40: SageMaker Runtime refuses an invocation of an endpoint that does not exist.

moto's InvokeEndpoint answers every endpoint name with its canned result, so a paused stack (whose
endpoint a pause deleted) still "answers". AWS answers HTTP 400 with the error code ValidationError
and the message "Endpoint <name> of account <account> not found." (the shim maps it to 503 paused).
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
