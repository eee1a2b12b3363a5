"""Fix 9: endpoint configs accept every instance type AWS accepts (`sagemaker_instance_types`); fix 52: a
model from CloudFormation keeps EnableNetworkIsolation (`cfn_sagemaker_model_network_isolation`)."""
from __future__ import annotations

from typing import Any


# --------------------------------------------------------------------------------------------
# 9. SageMaker instance types
# --------------------------------------------------------------------------------------------
def sagemaker_instance_types() -> None:
    """Endpoint configs accept every instance type AWS accepts (botocore's enum), e.g. ml.g5/ml.g6.

    moto 5.2.1 validates ProductionVariants against a short, old list without ml.g5.*, ml.g6.* or
    ml.inf2.* (the usual TGI hosts), so CreateEndpointConfig fails with ValidationException.
    Unknown types are still rejected.
    """
    import botocore.session
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import FakeEndpointConfig

    model = botocore.session.get_session().get_service_model("sagemaker")
    valid = set(model.shape_for("ProductionVariantInstanceType").enum)

    def validate_instance_type(self: Any, instance_type: str) -> None:
        if instance_type not in valid:
            raise ValidationError(message=f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: "
                                          f"Member must satisfy enum value set: {sorted(valid)}")

    FakeEndpointConfig.validate_instance_type = validate_instance_type


# --------------------------------------------------------------------------------------------
# 52. SageMaker model: EnableNetworkIsolation from CloudFormation
# --------------------------------------------------------------------------------------------
def cfn_sagemaker_model_network_isolation() -> None:
    """A model keeps its `EnableNetworkIsolation` (DescribeModel shows it), from a template
    (`AWS::SageMaker::Model`) or from CreateModel (Terraform's `aws_sagemaker_model`).

    moto 5.2.1's Model sets `enable_network_isolation = False` whatever the request says, so a stack
    whose model is isolated (staged weights, `weights s3`) reads back as not isolated.
    """
    from moto.sagemaker.models import Model
    from moto.sagemaker.responses import SageMakerResponse

    create_model = SageMakerResponse.create_model

    def create_model_keeping_isolation(self: Any) -> Any:
        result = create_model(self)
        model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
        if model is not None:
            model.enable_network_isolation = self._get_param("EnableNetworkIsolation") is True
        return result

    SageMakerResponse.create_model = create_model_keeping_isolation

    original = Model.create_from_cloudformation_json.__func__

    @classmethod  # type: ignore[misc]
    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
                                        region_name: str, **kwargs: Any) -> Any:
        model = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        value = cloudformation_json.get("Properties", {}).get("EnableNetworkIsolation", False)
        model.enable_network_isolation = value is True or str(value).lower() == "true"
        return model

    Model.create_from_cloudformation_json = create_from_cloudformation_json
