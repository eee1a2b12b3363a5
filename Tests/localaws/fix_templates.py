"""A template the fix tests of test_fixes.py and test_cfn_fixes.py share."""
from __future__ import annotations

from typing import Any

def _api_template() -> dict[str, Any]:
    return {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "fix2-api"}},
        "Res": {"Type": "AWS::ApiGateway::Resource",
                "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                               "PathPart": "invoke"}},
        "Post": {"Type": "AWS::ApiGateway::Method",
                 "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Res"}, "HttpMethod": "POST",
                                "AuthorizationType": "NONE", "ApiKeyRequired": True,
                                "Integration": {"Type": "HTTP_PROXY", "IntegrationHttpMethod": "POST",
                                                "Uri": "http://example.com/"}}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Post", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage",
                  "Properties": {"RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Dep"}, "StageName": "prod"}},
        "Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Name": "fix2-key", "Enabled": True}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": "Stage",
                 "Properties": {"UsagePlanName": "fix2-plan", "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "prod"}],
                                "Throttle": {"RateLimit": 5, "BurstLimit": 10}, "Quota": {"Limit": 1000, "Period": "DAY"}}},
        "PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}},
    }, "Outputs": {"ApiKeyId": {"Value": {"Ref": "Key"}}, "ApiId": {"Value": {"Ref": "Api"}}}}
