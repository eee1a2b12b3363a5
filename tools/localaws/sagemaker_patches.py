"""Fix 9: endpoint configs accept every instance type AWS accepts (`sagemaker_instance_types`)."""
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
