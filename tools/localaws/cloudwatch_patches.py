"""Fix 17: CloudFormation handler for AWS::CloudWatch::Alarm (`cfn_cloudwatch_alarm`; Ref = name, GetAtt Arn)."""
from __future__ import annotations

from typing import Any

from cfn_support import _OneAttribute, _bool, _float, _int, _refresh_cfn_model_registry, cfn_name


# --------------------------------------------------------------------------------------------
# 17. AWS::CloudWatch::Alarm
# --------------------------------------------------------------------------------------------
def _metric_queries(metrics: list[dict[str, Any]] | None) -> list[Any] | None:
    """CFN Metrics -> moto's MetricDataQuery objects (as its PutMetricAlarm response builds them)."""
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat

    if not metrics:
        return None
    out = []
    for m in metrics:
        stat = m.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        metric_stat = None
        if metric.get("MetricName"):
            metric_stat = MetricStat(
                metric=Metric(metric_name=metric["MetricName"], namespace=metric.get("Namespace"),
                              dimensions=[Dimension(d.get("Name"), d.get("Value")) for d in metric.get("Dimensions") or []]),
                period=_int(stat.get("Period")), stat=stat.get("Stat"), unit=stat.get("Unit"))
        out.append(MetricDataQuery(query_id=m.get("Id"), label=m.get("Label"), period=_int(m.get("Period")),
                                   return_data=m.get("ReturnData"), expression=m.get("Expression"),
                                   metric_stat=metric_stat))
    return out


def cfn_cloudwatch_alarm() -> None:
    """CloudFormation handler for AWS::CloudWatch::Alarm on moto's CloudWatch backend.

    moto skips the type with a log warning: `cloudwatch describe-alarms` shows nothing and outputs
    that Ref or GetAtt the alarm vanish. Ref is the alarm name (generated
    `<stack>-<LogicalId>-<RANDOM>`, at most 255 characters, when the template has none), GetAtt Arn
    its ARN. A new AlarmName replaces the alarm; every other change is a PutMetricAlarm in place.
    Tags go to the alarm (ListTagsForResource).
    """
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel

    def backend(account_id: str, region_name: str) -> Any:
        return cloudwatch_backends[account_id][region_name]

    def put(b: Any, name: str, p: dict[str, Any]) -> Any:
        alarm = b.put_metric_alarm(
            name=name, namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
            metric_data_queries=_metric_queries(p.get("Metrics")), comparison_operator=p.get("ComparisonOperator"),
            evaluation_periods=_int(p.get("EvaluationPeriods")), datapoints_to_alarm=_int(p.get("DatapointsToAlarm")),
            period=_int(p.get("Period")), threshold=_float(p.get("Threshold")), statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"), description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []],
            alarm_actions=list(p.get("AlarmActions") or []), ok_actions=list(p.get("OKActions") or []),
            insufficient_data_actions=list(p.get("InsufficientDataActions") or []), unit=p.get("Unit"),
            actions_enabled=_bool(p.get("ActionsEnabled", True)), treat_missing_data=p.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=p.get("ThresholdMetricId"))
        b.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
        if p.get("Tags"):
            b.tagger.tag_resource(alarm.alarm_arn, [{"Key": t["Key"], "Value": t["Value"]} for t in p["Tags"]])
        return alarm

    class CfnAlarm(_OneAttribute, CloudFormationModel):
        __module__ = "moto.cloudwatch.models"  # moto files models by service name

        def __init__(self, name: str, arn: str) -> None:
            self.name, self.arn = name, arn

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],  # type: ignore[override]
                                            account_id: str, region_name: str, **kwargs: Any) -> "CfnAlarm":
            p = cloudformation_json["Properties"]
            b = backend(account_id, region_name)
            name = cfn_name(resource_name, p, "AlarmName", 255)
            if name in b.alarms:  # PutMetricAlarm would silently take over another stack's alarm
                from moto.cloudformation.exceptions import ValidationError

                raise ValidationError(message=f"{name} already exists")
            return cls(name, put(b, name, p).alarm_arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: "CfnAlarm", new_resource_name: str,  # type: ignore[override]
                                            cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> "CfnAlarm":
            p = cloudformation_json["Properties"]
            if p.get("AlarmName") and p["AlarmName"] != original_resource.name:
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            put(backend(account_id, region_name), original_resource.name, p)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            b = backend(account_id, region_name)
            b.delete_alarms([self.name])
            b.tagger.delete_all_tags_for_resource(self.arn)

    globals()["_CLOUDWATCH_CFN_MODELS"] = (CfnAlarm,)  # strong reference: __subclasses__ holds weak ones
    _refresh_cfn_model_registry()
