"""The registry of the localaws fixes: the fixes by name, in the order they are applied, and the switch.

Each fix is one function, named after what it fixes, that monkeypatches moto 5.2.1 in memory (nothing
under site-packages changes) and can be left out with `LOCALAWS_DISABLE=name,name` (or `all`). This
module imports no fix: patches.py imports the fix modules and registers every fix here in the order
it documents, and server.py applies them (`apply_all`) before moto's own server starts. Each fix has
a test in Tests/localaws/ that shows the failure without it and the success with it.

Where several fixes replace the same moto method, each takes what is there when it is applied and
calls it (or replaces it), so the registration order decides the chain: the fix applied last runs
first. The chains, in call order (each calls the next; "moto" is moto's own method), checked against
a real application of the fixes by Tests/localaws/test_registry.py:

    CloudFormationBackend.execute_change_set (ExecuteChangeSet)
        cfn_import_change_sets -> cfn_parameters_follow_template -> cfn_failures_roll_back
        -> changeset_default_update -> moto
    Stack.update (UpdateStack and an executed UPDATE change set)
        cfn_parameters_follow_template -> cfn_failures_roll_back -> moto
    ResourceMap.build_resource_diff (what an update adds, modifies and removes)
        cfn_update_sub_parameters -> cfn_update_conditions -> cfn_update_creation_order -> moto
        (cfn_update_conditions computes its own diff and orders it with cfn_update_creation_order's
        ResourceMap.localaws_sort_added when that fix is applied)
    ResourceMap.update
        cfn_update_removes_resources -> cfn_update_creation_order -> moto
    LambdaFunction.create_from_cloudformation_json
        lambda_web_adapter -> lambda_logging_config -> moto
    LambdaFunction.update_from_cloudformation_json
        lambda_web_adapter -> lambda_inline_zipfile_update
        (lambda_inline_zipfile_update replaces moto's update)
    LambdaFunction.invoke (Invoke)
        lambda_web_adapter -> lambda_invoke_subprocess -> moto
    RestAPI.create_from_cloudformation_json
        cfn_apigateway_authorizers -> cfn_property_fidelity -> moto
    Method.create_from_cloudformation_json
        apigateway_response_streaming -> cfn_apigateway_authorizers -> moto
    DomainDispatcherApplication.__call__ (every request to the server)
        apigateway_response_streaming -> apigateway_proxy_to_lambda -> moto
    SageMakerRuntimeResponse.invoke_endpoint (InvokeEndpoint)
        sagemaker_runtime_component_engine -> sagemaker_runtime_engine_answers -> sagemaker_runtime_inference_component
        -> sagemaker_runtime_missing_endpoint -> moto
    SageMakerRuntimeResponse.invoke_endpoint_with_response_stream (InvokeEndpointWithResponseStream)
        sagemaker_runtime_component_engine -> sagemaker_runtime_inference_component -> sagemaker_runtime_response_stream
        (sagemaker_runtime_response_stream adds the method moto lacks)
    invoke_patches.authorize (fix 14's own function, not moto's)
        apigateway_usage_plan_limits -> apigateway_lambda_authorizers
        (apigateway_lambda_authorizers replaces invoke_patches' own authorize)

One method is composed explicitly instead, whatever order its fixes are applied in:

    CloudFormationResponse.create_change_set (CreateChangeSet): one override, cfn_changeset_patches.py
        cfn_change_set_client_token -> cfn_import_change_sets -> cfn_parameters_follow_template
        -> changeset_default_update -> moto

A new fix that replaces a method already listed here, or that another fix replaces, adds to its chain.
"""
from __future__ import annotations

import os
from typing import Callable

MOTO_VERSION = "5.2.1"
FIXES: dict[str, Callable[[], None]] = {}


def fix(fn: Callable[[], None]) -> Callable[[], None]:
    """Register `fn` as a named fix (its function name is the switch name)."""
    FIXES[fn.__name__] = fn
    return fn


def disabled_from_env(environ: dict[str, str] | None = None) -> set[str]:
    """Names listed in LOCALAWS_DISABLE (comma separated; `all` disables every fix)."""
    raw = (environ if environ is not None else os.environ).get("LOCALAWS_DISABLE", "")
    names = {n.strip() for n in raw.split(",") if n.strip()}
    if "all" in names:
        return set(FIXES)
    unknown = names - set(FIXES)
    if unknown:
        raise SystemExit(f"localaws: unknown fix name(s) in LOCALAWS_DISABLE: {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(FIXES)}")
    return names


def apply_all(disabled: set[str]) -> list[str]:
    """Apply every registered fix not in `disabled`; returns the names applied, in order."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise SystemExit(f"localaws: the fixes are written for moto {MOTO_VERSION}, found {moto.__version__}")
    applied = []
    for name, fn in FIXES.items():
        if name not in disabled:
            fn()
            applied.append(name)
    return applied
