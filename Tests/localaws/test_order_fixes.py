"""Fix 42 (tools/localaws/order_patches.py): CreateStack creates in full dependency order.

A topic that DependsOn a stage, whose DeploymentId refers to a deployment that DependsOn its method:
moto reads the stage's Ref while it creates the stage (ordered early for the topic) and creates the
deployment before the method; AWS creates the method, the deployment, the stage, then the topic.
"without" uses the session's server pool (that one fix disabled), "with" the session server.
"""
from __future__ import annotations

from localaws_support import LocalAws, unique

TEMPLATE = {
    "Resources": {
        # first in template order, so moto starts its DependsOn walk here
        "Topic": {"Type": "AWS::SNS::Topic", "DependsOn": "Stage"},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "order"}},
        "Stage": {"Type": "AWS::ApiGateway::Stage",
                  "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod", "DeploymentId": {"Ref": "Deployment"}}},
        "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Method", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Method": {"Type": "AWS::ApiGateway::Method",
                   "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                                  "HttpMethod": "GET", "AuthorizationType": "NONE",
                                  "Integration": {"Type": "HTTP_PROXY", "IntegrationHttpMethod": "GET", "Uri": "https://example.com/"}}},
    }
}


def _status(la: LocalAws) -> tuple[str, str]:
    stack = la.deploy(unique("order"), TEMPLATE)
    cfn = la.client("cloudformation")
    reasons = [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName=stack["StackId"])["StackEvents"]
               if e["ResourceStatus"] == "CREATE_FAILED"]
    return stack["StackStatus"], " ".join(reasons)


def test_cfn_create_dependency_order(localaws: LocalAws, without) -> None:
    with without("cfn_create_dependency_order") as plain:
        status, why = _status(plain)
        assert status == "ROLLBACK_COMPLETE" and "NoMethodDefined" in why, (status, why)
    status, why = _status(localaws)
    assert status == "CREATE_COMPLETE", why
    apis = localaws.client("apigateway").get_rest_apis()["items"]
    api = next(a for a in apis if a["name"] == "order")
    assert localaws.client("apigateway").get_stage(restApiId=api["id"], stageName="prod")["deploymentId"]
