"""Every localaws fix, registered in one order: the order server.py applies them in.

Importing this module fills the registry (registry.py: `FIXES`, `apply_all`, `disabled_from_env`, which
this module hands on, so `patches.FIXES` is the full list). The fixes live in one module per AWS
service or concern; their numbers are those of the README, the tests and the modules' comments. Where
two fixes replace the same moto method the later one here runs first: registry.py lists those chains.

Order (fix name, its number, its module):
    sigv4_empty_payload                     1   sigv4_patches
    sigv4_raw_path                          1   sigv4_patches
    cfn_apigateway_usage_plans              2   cfn_apigateway_patches
    cfn_delete_leaked_resources             3a  cfn_delete_patches
    cfn_subnet_route_table_association      3a  cfn_delete_patches
    cfn_delete_failure_reported             3b  cfn_delete_patches
    changeset_default_update                4   cfn_changeset_patches
    lambda_inline_zipfile_update            5   lambda_patches
    aas_tag_api                             6   autoscaling_patches
    lambda_logging_config                   7   lambda_patches
    cfn_failures_roll_back                  8   cfn_rollback_patches
    sagemaker_instance_types                9   sagemaker_patches
    cfn_kms_key_tags                        10  cfn_properties_patches
    cfn_property_fidelity                   11  cfn_properties_patches
    cfn_update_creation_order               12  cfn_update_patches
    cfn_update_keeps_unsupported_resources  12  cfn_update_patches
    lambda_invoke_subprocess                13  lambda_invoke_patches
    apigateway_proxy_to_lambda              14  invoke_patches
    cfn_scheduler_schedule                  16  scheduler_patches
    cfn_cloudwatch_alarm                    17  cloudwatch_patches
    cfn_application_autoscaling             18  autoscaling_patches
    cfn_sns_subscription                    19  sns_patches
    cfn_lambda_permission_delete            20  lambda_patches
    cfn_update_conditions                   21  cfn_update_patches
    cfn_update_sub_parameters               22  cfn_update_patches
    cfn_update_removes_resources            23  cfn_update_patches
    cfn_stack_resources_conditions          24  cfn_update_patches
    cfn_deleted_stack_frozen                25  cfn_stack_patches
    cfn_parameters_follow_template          26  cfn_stack_patches
    cfn_log_group_update                    38  import_patches
    cfn_import_change_sets                  37  import_patches
    service_quotas_account                  -   account_patches
    sagemaker_endpoint_quota                -   account_patches
    lambda_account_settings                 -   account_patches
    lambda_concurrency_minimum              -   account_patches
    apigateway_account_role                 -   account_patches
    sagemaker_runtime_missing_endpoint      40  endpoint_patches
    cfn_sagemaker_endpoint_rename           41  endpoint_patches
    cfn_change_set_client_token             39  token_patches
    cfn_apigateway_authorizers              33  authorizer_patches
    apigateway_lambda_authorizers           34  authorizer_patches
    apigateway_gateway_responses            35  gateway_patches
    apigateway_usage_plan_limits            36  gateway_patches
    cfn_create_dependency_order             42  order_patches
    sagemaker_runtime_response_stream       43  stream_patches
    lambda_web_adapter                      44  lwa_patches
    apigateway_response_streaming           45  stream_gateway_patches
    sagemaker_inference_components          46  component_patches
    cfn_sagemaker_inference_component       47  component_patches
    aas_inference_component_copies         48  component_patches
    sagemaker_runtime_inference_component   49  component_patches
    sagemaker_runtime_engine_answers        50  engine_answers
    sigv4_raw_query                         51  s3_query_patches
    cfn_sagemaker_model_network_isolation   52  sagemaker_patches
    sagemaker_variant_instances_from_components 53  component_patches
    sagemaker_runtime_component_engine      54  engine_answers

A new fix is added at the end, here and below (Tests/localaws/test_registry.py holds the two together).
"""
from __future__ import annotations

import account_patches
import authorizer_patches
import autoscaling_patches
import cfn_apigateway_patches
import cfn_changeset_patches
import cfn_delete_patches
import cfn_properties_patches
import cfn_rollback_patches
import cfn_stack_patches
import cfn_update_patches
import cloudwatch_patches
import component_patches
import endpoint_patches
import engine_answers
import gateway_patches
import import_patches
import invoke_patches
import lambda_invoke_patches
import lambda_patches
import lwa_patches
import order_patches
import s3_query_patches
import sagemaker_patches
import scheduler_patches
import sigv4_patches
import sns_patches
import stream_gateway_patches
import stream_patches
import token_patches
from registry import FIXES, apply_all, disabled_from_env, fix  # noqa: F401  (the registry, filled below)

for _fix in (
    sigv4_patches.sigv4_empty_payload,
    sigv4_patches.sigv4_raw_path,
    cfn_apigateway_patches.cfn_apigateway_usage_plans,
    cfn_delete_patches.cfn_delete_leaked_resources,
    cfn_delete_patches.cfn_subnet_route_table_association,
    cfn_delete_patches.cfn_delete_failure_reported,
    cfn_changeset_patches.changeset_default_update,
    lambda_patches.lambda_inline_zipfile_update,
    autoscaling_patches.aas_tag_api,
    lambda_patches.lambda_logging_config,
    cfn_rollback_patches.cfn_failures_roll_back,
    sagemaker_patches.sagemaker_instance_types,
    cfn_properties_patches.cfn_kms_key_tags,
    cfn_properties_patches.cfn_property_fidelity,
    cfn_update_patches.cfn_update_creation_order,
    cfn_update_patches.cfn_update_keeps_unsupported_resources,
    lambda_invoke_patches.lambda_invoke_subprocess,
    invoke_patches.apigateway_proxy_to_lambda,
    scheduler_patches.cfn_scheduler_schedule,
    cloudwatch_patches.cfn_cloudwatch_alarm,
    autoscaling_patches.cfn_application_autoscaling,
    sns_patches.cfn_sns_subscription,
    lambda_patches.cfn_lambda_permission_delete,
    cfn_update_patches.cfn_update_conditions,
    cfn_update_patches.cfn_update_sub_parameters,
    cfn_update_patches.cfn_update_removes_resources,
    cfn_update_patches.cfn_stack_resources_conditions,
    cfn_stack_patches.cfn_deleted_stack_frozen,
    cfn_stack_patches.cfn_parameters_follow_template,
    import_patches.cfn_log_group_update,
    import_patches.cfn_import_change_sets,  # after the ExecuteChangeSet fixes: an IMPORT change set never reaches them
    account_patches.service_quotas_account,
    account_patches.sagemaker_endpoint_quota,
    account_patches.lambda_account_settings,
    account_patches.lambda_concurrency_minimum,
    account_patches.apigateway_account_role,
    endpoint_patches.sagemaker_runtime_missing_endpoint,
    endpoint_patches.cfn_sagemaker_endpoint_rename,
    token_patches.cfn_change_set_client_token,
    authorizer_patches.cfn_apigateway_authorizers,
    authorizer_patches.apigateway_lambda_authorizers,  # after fix 14: replaces its authorize
    gateway_patches.apigateway_gateway_responses,
    gateway_patches.apigateway_usage_plan_limits,  # after fix 34: wraps the authorize it put in place
    order_patches.cfn_create_dependency_order,
    stream_patches.sagemaker_runtime_response_stream,
    lwa_patches.lambda_web_adapter,  # after fix 13: wraps its Invoke
    stream_gateway_patches.apigateway_response_streaming,  # after fix 14: wraps its route
    component_patches.sagemaker_inference_components,
    component_patches.cfn_sagemaker_inference_component,
    component_patches.aas_inference_component_copies,
    component_patches.sagemaker_runtime_inference_component,  # after fixes 40 and 43: wraps their InvokeEndpoint
    engine_answers.sagemaker_runtime_engine_answers,  # after fixes 40, 43 and 49: wraps InvokeEndpoint and fix 43's container_answer
    s3_query_patches.sigv4_raw_query,
    sagemaker_patches.cfn_sagemaker_model_network_isolation,
    component_patches.sagemaker_variant_instances_from_components,
    engine_answers.sagemaker_runtime_component_engine,  # after fixes 43, 49 and 50: wraps both InvokeEndpoint calls
):
    fix(_fix)
