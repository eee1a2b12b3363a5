"""Fix 19: CloudFormation handler for AWS::SNS::Subscription; AWS::SNS::Topic keeps Tags and updates in place (`cfn_sns_subscription`)."""
from __future__ import annotations

import json
from typing import Any

from cfn_support import _OneAttribute, _refresh_cfn_model_registry, _tags_dict


# --------------------------------------------------------------------------------------------
# 19. AWS::SNS::Subscription, and Topic tags / in-place updates
# --------------------------------------------------------------------------------------------
def cfn_sns_subscription() -> None:
    """CloudFormation handler for AWS::SNS::Subscription; AWS::SNS::Topic keeps Tags and updates in place.

    moto skips AWS::SNS::Subscription with a log warning (the topic has no subscribers). Its Topic
    handler passes Tags as an attribute (`ListTagsForResource` is empty) and handles every update by
    deleting the topic and creating one with a newly generated name: the ARN changes and the topic's
    subscriptions are deleted with it. Now a Subscription subscribes on moto's SNS backend (Ref = its
    ARN; attributes such as FilterPolicy and RawMessageDelivery set and updated in place, a new
    Protocol/Endpoint/TopicArn replaces it), Topic tags land in the tag API, and a Topic update keeps
    the topic (DisplayName, KmsMasterKeyId, Tags ...) unless TopicName changes.
    """
    from moto.core.common_models import CloudFormationModel
    from moto.sns.models import Topic, sns_backends

    topic_attrs = {"DisplayName": "display_name", "KmsMasterKeyId": "kms_master_key_id",
                   "DeliveryPolicy": "delivery_policy", "ContentBasedDeduplication": "content_based_deduplication"}

    original_create = Topic.create_from_cloudformation_json.__func__

    def topic_create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                     region_name: str, **kwargs: Any) -> Any:
        p = dict(cloudformation_json.get("Properties") or {})
        tags = _tags_dict(p.pop("Tags", None))
        for k in list(p):
            if isinstance(p[k], dict) and k == "DeliveryPolicy":
                p[k] = json.dumps(p[k])
        topic = original_create(cls, resource_name, {**cloudformation_json, "Properties": p}, account_id, region_name, **kwargs)
        topic._tags = tags
        return topic

    def topic_update(cls: Any, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
                     account_id: str, region_name: str) -> Any:
        p = cloudformation_json.get("Properties") or {}
        if p.get("TopicName") and p["TopicName"] != original_resource.name:
            new = topic_create(cls, new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        for prop, attr in topic_attrs.items():
            val = p.get(prop, "")
            setattr(original_resource, attr, json.dumps(val) if isinstance(val, dict) else val)
        original_resource._tags = _tags_dict(p.get("Tags"))
        return original_resource

    Topic.create_from_cloudformation_json = classmethod(topic_create)
    Topic.update_from_cloudformation_json = classmethod(topic_update)

    sub_attrs = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                 "SubscriptionRoleArn")

    def backend(account_id: str, region_name: str) -> Any:
        return sns_backends[account_id][region_name]

    def set_attrs(b: Any, arn: str, p: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        for attr in sub_attrs:
            if attr in p:
                val = p[attr]
                val = json.dumps(val) if isinstance(val, (dict, list)) else str(val).lower() if isinstance(val, bool) else str(val)
                b.set_subscription_attributes(arn, attr, val)
            elif previous and attr in previous:
                sub = b.subscriptions[arn]
                sub.attributes.pop(attr, None)
                if attr == "FilterPolicy":
                    sub._filter_policy = None
                    sub._filter_policy_matcher = None

    class CfnSubscription(_OneAttribute, CloudFormationModel):
        __module__ = "moto.sns.models"  # moto files models by service name

        def __init__(self, arn: str, props: dict[str, Any]) -> None:
            self.arn, self.props = arn, props

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnSubscription":
            p = cloudformation_json["Properties"]
            b = backend(account_id, region_name)
            sub = b.subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
            set_attrs(b, sub.arn, p)
            return cls(sub.arn, dict(p))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnSubscription", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnSubscription":
            p = cloudformation_json["Properties"]
            o = original_resource.props
            if any(p.get(k) != o.get(k) for k in ("TopicArn", "Endpoint", "Protocol")):
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            set_attrs(backend(account_id, region_name), original_resource.arn, p, o)
            original_resource.props = dict(p)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            backend(account_id, region_name).unsubscribe(self.arn)

    globals()["_SNS_CFN_MODELS"] = (CfnSubscription,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()
