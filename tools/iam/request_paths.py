"""The request path: the functions API Gateway invokes (a method's Lambda integration, an authorizer).

Each is checked as the unattended functions are (StackPaths.function_needs: its own calls read from its code,
its log, trace and VPC interface calls, on its execution role), and API Gateway must be allowed to invoke it:
a Lambda permission for apigateway.amazonaws.com whose SourceArn (ArnLike) covers the execute-api ARN of each
method or authorizer that invokes it.
AWS sources: Lambda API reference "InvokeWithResponseStream" (https://docs.aws.amazon.com/lambda/latest/dg/
API_InvokeWithResponseStream.html): it "requires permission for the lambda:InvokeFunction action", so a streaming
integration needs the same permission as Invoke; API Gateway's execute-api ARNs are
arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<resource path> for a method and
.../<api-id>/authorizers/<authorizer-id> for an authorizer (API Gateway Developer Guide, "Control access to a REST
API with IAM permissions" and the Lambda authorizer's resource-based permission).
"""
import json

from cfn_model import references
from policy_eval import arn_like
from variants import ACCOUNT, REGION

API_GATEWAY = "apigateway.amazonaws.com"


def api_invoked(model):
    """{function logical id: [method or authorizer logical ids that invoke it]}."""
    functions = {model.arn(lid): lid for lid, r in model.resources.items() if r["Type"] == "AWS::Lambda::Function"}
    found = {}
    for lid, r in model.resources.items():
        props = r["Properties"]
        uri = props.get("Integration", {}).get("Uri") if r["Type"] == "AWS::ApiGateway::Method" \
            else props.get("AuthorizerUri") if r["Type"] == "AWS::ApiGateway::Authorizer" else None
        if isinstance(uri, str) and "/functions/" in uri:
            arn = uri.split("/functions/", 1)[1].split("/", 1)[0]
            if arn in functions:
                found.setdefault(functions[arn], []).append(lid)
    return found


def resource_path(model, method):
    """The method's resource path, e.g. /v1/chat/completions, from the PathPart and ParentId chain."""
    parts = []
    current = model.raw["Resources"][method]["Properties"].get("ResourceId")
    while True:
        ids = [i for i in references(current) if model.raw["Resources"].get(i, {}).get("Type") == "AWS::ApiGateway::Resource"]
        if not ids:  # the API's root resource (GetAtt RootResourceId)
            return "/" + "/".join(reversed(parts))
        parts.append(str(model.resources[ids[0]]["Properties"]["PathPart"]))
        current = model.raw["Resources"][ids[0]]["Properties"].get("ParentId")


def source_arns(model, caller):
    """The execute-api ARNs API Gateway invokes the function with, for this method (one per stage) or authorizer."""
    props = model.resources[caller]["Properties"]
    api = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{props['RestApiId']}"
    if model.raw["Resources"][caller]["Type"] == "AWS::ApiGateway::Authorizer":
        return [f"{api}/authorizers/{model.physical_id(caller)}"]
    stages = sorted({r["Properties"]["StageName"] for r in model.resources.values() if r["Type"] == "AWS::ApiGateway::Stage"
                     and r["Properties"].get("RestApiId") == props["RestApiId"]}) or ["*"]
    return [f"{api}/{stage}/{props['HttpMethod']}{resource_path(model, caller)}" for stage in stages]


def invoke_permission_problems(path, function, callers, model):
    """Each method or authorizer must be allowed to invoke the function (lambda:InvokeFunction, which also
    authorizes InvokeWithResponseStream)."""
    grants = [r["Properties"] for r in model.resources.values() if r["Type"] == "AWS::Lambda::Permission"
              and r["Properties"].get("Principal") == API_GATEWAY
              and r["Properties"].get("Action") in ("lambda:InvokeFunction", "lambda:*")
              and r["Properties"].get("FunctionName") in (model.arn(function), model.name(function))
              and r["Properties"].get("SourceAccount") in (None, ACCOUNT)]
    return [f"{path}: no Lambda permission lets API Gateway invoke {function} for {caller} ({arn})"
            for caller in callers for arn in source_arns(model, caller)
            if not any(g.get("SourceArn") is None or arn_like(g["SourceArn"], arn) for g in grants)]


def request_path_failures(paths, model, label):
    """Every function API Gateway invokes: its own calls on its role, and API Gateway's permission to invoke it."""
    failures = []
    for function, callers in sorted(api_invoked(model).items()):
        path = f"request path ({label}, {function})"
        needs, problems = paths.function_needs(path, function, model)
        failures += problems + paths.check(needs, model) + invoke_permission_problems(path, function, callers, model)
    return failures


def component_arns(env, model):
    """The inference components a shim's InvokeEndpoint names (`scaling zero`): INFERENCE_COMPONENT, and with
    several models every component of MODELS (model ID -> component name). The call passes
    InferenceComponentName through `**component(q)`, which the AST reader cannot follow, so the function's
    environment says which; the role must allow the call on each component's ARN as well as the endpoint's."""
    names = {env["INFERENCE_COMPONENT"]} if isinstance(env.get("INFERENCE_COMPONENT"), str) else set()
    if isinstance(env.get("MODELS"), str):
        names |= set(json.loads(env["MODELS"]).values())
    return [model.arn_for_name("AWS::SageMaker::InferenceComponent", name) for name in sorted(names)]
