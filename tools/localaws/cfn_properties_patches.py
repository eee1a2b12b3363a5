"""Fixes 10-11: template properties moto's CloudFormation rejects, drops or renders wrongly.

- `cfn_kms_key_tags`: AWS::KMS::Key with Tags (and a dict KeyPolicy)
- `cfn_property_fidelity`: VPC DNS settings, subnet public IPs, security group egress, role managed
  policies, log group KMS key and Arn, REST API endpoint configuration
"""
from __future__ import annotations

import json
from typing import Any

from cfn_support import _wrap_cfn_create


# --------------------------------------------------------------------------------------------
# 10. KMS keys with Tags in CloudFormation
# --------------------------------------------------------------------------------------------
def cfn_kms_key_tags() -> None:
    """AWS::KMS::Key with Tags can be created (and a dict KeyPolicy is kept as JSON text).

    moto passes the CloudFormation tags ({Key, Value}) to the KMS tagger, which expects the API's
    {TagKey, TagValue}; the KeyError is swallowed by the template's lazy lookup, so the stack fails
    with "Fn::GetAtt references undefined resource" on the first GetAtt of the key.
    """
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        props = dict(cloudformation_json["Properties"])
        props["Tags"] = [{"TagKey": t.get("Key", t.get("TagKey")), "TagValue": t.get("Value", t.get("TagValue"))}
                         for t in props.get("Tags") or []]
        if isinstance(props.get("KeyPolicy"), dict):
            props["KeyPolicy"] = json.dumps(props["KeyPolicy"])
        return original(cls, resource_name, {**cloudformation_json, "Properties": props}, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)


# --------------------------------------------------------------------------------------------
# 11. CloudFormation properties moto drops
# --------------------------------------------------------------------------------------------
def cfn_property_fidelity() -> None:
    """Template properties of our resource family that moto's CloudFormation drops or renders wrongly.

    - AWS::EC2::VPC EnableDnsHostnames / EnableDnsSupport (ignored; hostnames stayed off)
    - AWS::EC2::Subnet MapPublicIpOnLaunch (ignored)
    - AWS::EC2::SecurityGroup SecurityGroupEgress (ignored; the allow-all default stayed)
    - AWS::IAM::Role ManagedPolicyArns (ignored; nothing attached)
    - AWS::Logs::LogGroup KmsKeyId (ignored) and GetAtt Arn (AWS ends it with ":*", moto did not)
    - AWS::ApiGateway::RestApi EndpointConfiguration (kept as {"Types": ...}, so the API showed none)
    """
    from moto.apigateway.models import RestAPI
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroup
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.models.vpcs import VPC
    from moto.iam.models import Role, iam_backends
    from moto.logs.models import LogGroup

    def truthy(v: Any) -> bool:
        return str(v).lower() == "true"

    def vpc_after(vpc: Any, p: dict[str, Any], a: str, r: str) -> None:
        if "EnableDnsHostnames" in p:
            vpc.enable_dns_hostnames = truthy(p["EnableDnsHostnames"])
        if "EnableDnsSupport" in p:
            vpc.enable_dns_support = truthy(p["EnableDnsSupport"])

    def subnet_after(subnet: Any, p: dict[str, Any], a: str, r: str) -> None:
        if "MapPublicIpOnLaunch" in p:
            subnet.map_public_ip_on_launch = truthy(p["MapPublicIpOnLaunch"])

    def sg_after(sg: Any, p: dict[str, Any], a: str, r: str) -> None:
        rules = p.get("SecurityGroupEgress")
        if not rules:
            return
        ec2 = ec2_backends[a][r]
        sg.egress_rules = []  # as on AWS: explicit egress rules replace the allow-all default
        for rule in rules:
            dest = {"GroupId": rule["DestinationSecurityGroupId"]} if rule.get("DestinationSecurityGroupId") else None
            ec2.authorize_security_group_egress(
                group_name_or_id=sg.id, ip_protocol=str(rule["IpProtocol"]),
                from_port=rule.get("FromPort", -1), to_port=rule.get("ToPort", -1),
                ip_ranges=[{"CidrIp": rule["CidrIp"]}] if rule.get("CidrIp") else [],
                source_groups=[dest] if dest else [],
                prefix_list_ids=[{"PrefixListId": rule["DestinationPrefixListId"]}] if rule.get("DestinationPrefixListId") else [],
                vpc_id=sg.vpc_id)

    def role_after(role: Any, p: dict[str, Any], a: str, r: str) -> None:
        from moto.utilities.utils import get_partition

        backend = iam_backends[a][get_partition(r)]
        for arn in p.get("ManagedPolicyArns") or []:
            backend.attach_role_policy(arn, role.name)

    def log_group_after(group: Any, p: dict[str, Any], a: str, r: str) -> None:
        if p.get("KmsKeyId"):
            group.kms_key_id = p["KmsKeyId"]

    def rest_api_after(api: Any, p: dict[str, Any], a: str, r: str) -> None:
        ec = p.get("EndpointConfiguration")
        if isinstance(ec, dict):
            api.endpoint_configuration = {"types": ec.get("Types") or ["EDGE"],
                                          **({"vpcEndpointIds": ec["VpcEndpointIds"]} if ec.get("VpcEndpointIds") else {})}

    _wrap_cfn_create(VPC, vpc_after)
    _wrap_cfn_create(Subnet, subnet_after)
    _wrap_cfn_create(SecurityGroup, sg_after)
    _wrap_cfn_create(Role, role_after)
    _wrap_cfn_create(LogGroup, log_group_after)
    _wrap_cfn_create(RestAPI, rest_api_after)

    original_getatt = LogGroup.get_cfn_attribute

    def get_cfn_attribute(self: Any, attribute_name: str) -> str:
        value = original_getatt(self, attribute_name)
        return f"{value}:*" if attribute_name == "Arn" and not value.endswith(":*") else value

    LogGroup.get_cfn_attribute = get_cfn_attribute

    original_role_delete = Role.delete_from_cloudformation_json.__func__

    def role_delete(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                    region_name: str) -> None:
        # CloudFormation detaches the managed policies it attached before it deletes the role
        from moto.utilities.utils import get_partition

        backend = iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if role.name == resource_name:
                for arn in list(role.managed_policies):
                    backend.detach_role_policy(arn, role.name)
        original_role_delete(cls, resource_name, cloudformation_json, account_id, region_name)

    Role.delete_from_cloudformation_json = classmethod(role_delete)
