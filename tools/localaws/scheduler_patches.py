"""Fix 16: CloudFormation handler for AWS::Scheduler::Schedule (`cfn_scheduler_schedule`; Ref = name, GetAtt Arn)."""
from __future__ import annotations

from typing import Any

from cfn_support import _OneAttribute, _int, _refresh_cfn_model_registry, cfn_name


# --------------------------------------------------------------------------------------------
# 16. AWS::Scheduler::Schedule
# --------------------------------------------------------------------------------------------
def cfn_scheduler_schedule() -> None:
    """CloudFormation handler for AWS::Scheduler::Schedule on moto's EventBridge Scheduler backend.

    moto skips the type with a log warning: `scheduler get-schedule` finds nothing, outputs that Ref
    or GetAtt the schedule vanish (a GetAtt output even makes CreateStack fail with HTTP 500). Ref is
    the schedule's name (generated `<stack>-<LogicalId>-<RANDOM>`, at most 64 characters, when the
    template has none), GetAtt Arn its ARN. A change of Name or GroupName replaces the schedule;
    everything else (expression, target, state ...) is updated in place with UpdateSchedule.
    """
    from moto.core.common_models import CloudFormationModel
    from moto.scheduler.models import scheduler_backends

    def backend(account_id: str, region_name: str) -> Any:
        return scheduler_backends[account_id][region_name]

    def args(p: dict[str, Any]) -> dict[str, Any]:
        target = dict(p.get("Target") or {})
        if "RetryPolicy" in target:
            target["RetryPolicy"] = {k: _int(v) for k, v in target["RetryPolicy"].items()}
        window = {k: _int(v) for k, v in (p.get("FlexibleTimeWindow") or {"Mode": "OFF"}).items()}
        return {"description": p.get("Description"), "end_date": p.get("EndDate"),
                "flexible_time_window": window, "kms_key_arn": p.get("KmsKeyArn"),
                "schedule_expression": p["ScheduleExpression"],
                "schedule_expression_timezone": p.get("ScheduleExpressionTimezone"),
                "start_date": p.get("StartDate"), "state": p.get("State") or "ENABLED", "target": target}

    class CfnSchedule(_OneAttribute, CloudFormationModel):
        __module__ = "moto.scheduler.models"  # moto files models by service name

        def __init__(self, group: str | None, name: str, arn: str) -> None:
            self.group, self.name, self.arn = group, name, arn

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Scheduler::Schedule"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnSchedule":
            p = cloudformation_json["Properties"]
            name = cfn_name(resource_name, p, "Name", 64)
            b = backend(account_id, region_name)
            group = b.get_schedule_group(p.get("GroupName")).name  # ResourceNotFoundException for a missing group
            s = b.create_schedule(group_name=group, name=name, action_after_completion=None, **args(p))
            return cls(group, name, s.arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnSchedule", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnSchedule":
            p = cloudformation_json["Properties"]
            if (p.get("Name") and p["Name"] != original_resource.name) or \
                    (p.get("GroupName") or "default") != (original_resource.group or "default"):
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            backend(account_id, region_name).update_schedule(group_name=original_resource.group,
                                                             name=original_resource.name, **args(p))
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            from moto.scheduler.exceptions import ScheduleNotFound

            try:
                backend(account_id, region_name).delete_schedule(self.group, self.name)
            except ScheduleNotFound:
                pass  # already gone: CloudFormation's delete succeeds

    globals()["_SCHEDULER_CFN_MODELS"] = (CfnSchedule,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()
