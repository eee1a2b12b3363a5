"""Fix 42: CreateStack creates resources in full dependency order (Ref, Fn::GetAtt, Fn::Sub and DependsOn).

Registered in patches.py like every other fix.
"""
from __future__ import annotations

from typing import Any


def cfn_create_dependency_order() -> None:
    """CreateStack creates every resource after everything it refers to or DependsOn.

    moto orders a new stack by DependsOn alone and creates a resource that another one refers to
    (Ref, Fn::GetAtt) at the moment that reference is read, without first creating what the referred
    resource DependsOn. An Endpoint that DependsOn an ApiStage, whose DeploymentId is a Ref to an
    AWS::ApiGateway::Deployment that DependsOn its methods, therefore creates the deployment before the
    methods and fails with "NoMethodDefined: The REST API doesn't contain any methods". AWS creates in
    the full dependency order (AWS CloudFormation User Guide, "DependsOn attribute": a resource is
    created after the resources it depends on, explicitly or through Ref and Fn::GetAtt).
    """
    from moto.cloudformation.parsing import ResourceMap

    from cfn_support import deletion_order

    def in_dependency_order(self: Any) -> list[str]:
        return list(reversed(deletion_order(self._resource_json_map)))

    ResourceMap._ResourceMap__get_resources_in_dependency_order = in_dependency_order
