"""The request-path model on small hand-written code and templates (no slmstack binary needed): calls read
across a package's modules and methods, os.environ followed through variables and parameters, the Lambda Web
Adapter's entry, the VPC interface calls Lambda makes with the role, and API Gateway's invoke permission.
Run: python3 -m pytest -q Tests/iam/test_request_path_model.py
"""
import io
import pathlib
import sys
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools" / "iam"))

from cfn_model import Template  # noqa: E402
from function_code import function_calls, vpc_interface_calls  # noqa: E402
from lambda_calls import api_calls, package_calls  # noqa: E402
from request_paths import api_invoked, invoke_permission_problems, source_arns  # noqa: E402

INDEX = '''
import os
import boto3
SM = boto3.client("sagemaker-runtime")

def complete(q, env):
    return SM.invoke_endpoint(EndpointName=env["ENDPOINT_NAME"], Body=q)
'''
SERVE = '''
import os
from http.server import BaseHTTPRequestHandler
import index

class Chat(BaseHTTPRequestHandler):
    def do_POST(self):
        self.stream(b"x")
        index.complete(b"x", os.environ)

    def stream(self, q):
        env = os.environ
        return index.SM.invoke_endpoint_with_response_stream(EndpointName=env["ENDPOINT_NAME"], Body=q)
'''


def test_a_package_is_read_across_modules_and_methods_from_every_handler():
    calls = package_calls({"index": INDEX, "serve": SERVE}, "serve", {"ENDPOINT_NAME": "e"})
    assert [(c.action, c.module, c.keywords["EndpointName"]) for c in calls] == [
        ("sagemaker:InvokeEndpointWithResponseStream", "serve", "env:ENDPOINT_NAME"),
        ("sagemaker:InvokeEndpoint", "serve", "env:ENDPOINT_NAME"),  # DOCUMENTED_ALSO: the API reference's action
        ("sagemaker:InvokeEndpoint", "index", "env:ENDPOINT_NAME")]
    # a named entry runs only what it reaches: stream does not call index.complete
    only = package_calls({"index": INDEX, "serve": SERVE}, "serve", {}, entry="stream")
    assert [(c.action, c.module) for c in only] == [("sagemaker:InvokeEndpointWithResponseStream", "serve"),
                                                    ("sagemaker:InvokeEndpoint", "serve")]


def test_environ_passed_as_a_parameter_decides_a_branch():
    source = '''
import os
import boto3

def handler(event, context):
    go(os.environ)

def go(env):
    if env.get("MODE") == "topic":
        boto3.client("sns").publish(TopicArn=env["TOPIC"], Message="m")
    else:
        boto3.client("sqs").send_message(QueueUrl=env["QUEUE"], MessageBody="m")
'''
    assert [(c.action, c.keywords) for c in api_calls(source, {"MODE": "topic"})] == [
        ("sns:Publish", {"TopicArn": "env:TOPIC", "Message": "m"})]
    assert {c.action for c in api_calls(source, {})} == {"sns:Publish", "sqs:SendMessage"}


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buffer.getvalue()


def test_function_code_from_a_synthesized_package_behind_the_web_adapter(tmp_path):
    (tmp_path / "lambda").mkdir()
    (tmp_path / "lambda" / "p.zip").write_bytes(_zip({"index.py": INDEX, "serve.py": SERVE}))
    props = {"Code": {"S3Bucket": "b", "S3Key": "lambda/p.zip"}, "Handler": "serve.py"}
    adapter = {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "ENDPOINT_NAME": "e"}
    calls, problem = function_calls(props, adapter, tmp_path)
    assert problem is None and len(calls) == 3
    # without the adapter, "serve.py" is no module.function handler: module serve has no function py
    assert "names no Python function" in function_calls(props, {}, tmp_path)[1]
    assert "neither inline nor a package synth wrote (lambda/p.zip)" in function_calls(props, adapter, tmp_path / "x")[1]
    inline = {"Code": {"ZipFile": INDEX}, "Handler": "index.complete"}
    assert [c.action for c in function_calls(inline, {}, None)[0]] == ["sagemaker:InvokeEndpoint"]


def test_vpc_interface_calls_on_the_interface_subnets_and_groups():
    props = {"VpcConfig": {"SubnetIds": ["subnet-a"], "SecurityGroupIds": ["sg-1"]}}
    calls = {(a, r.rsplit(":", 1)[-1]) for a, r, _ in vpc_interface_calls(props, "Fn")}
    assert calls == {("ec2:CreateNetworkInterface", "network-interface/eni-fn"), ("ec2:CreateNetworkInterface", "subnet/subnet-a"),
                     ("ec2:CreateNetworkInterface", "security-group/sg-1"), ("ec2:DeleteNetworkInterface", "network-interface/eni-fn"),
                     ("ec2:AssignPrivateIpAddresses", "network-interface/eni-fn"),
                     ("ec2:UnassignPrivateIpAddresses", "network-interface/eni-fn"),
                     ("ec2:DescribeNetworkInterfaces", "*"), ("ec2:DescribeSubnets", "*")}
    assert vpc_interface_calls({}, "Fn") == []


def api_template(source_arn):
    fn_arn = {"Fn::GetAtt": ["Fn", "Arn"]}
    return {"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "V1": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "v1"}},
        "Chat": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ParentId": {"Ref": "V1"}, "PathPart": "chat"}},
        "Method": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Chat"}, "HttpMethod": "POST", "Integration": {
                "Type": "AWS_PROXY", "Uri": {"Fn::Sub": "arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/"
                                                        "${Fn.Arn}/response-streaming-invocations"}}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod"}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": "r", "Code": {"ZipFile": ""}}},
        "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": fn_arn, "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": source_arn}}},
    }}


def test_api_gateway_invoke_permission_must_cover_the_method():
    ok = Template(api_template("arn:aws:execute-api:us-east-1:123456789012:${Api}/*/POST/v1/chat"), {}, "s")
    assert api_invoked(ok) == {"Fn": ["Method"]}
    assert source_arns(ok, "Method") == ["arn:aws:execute-api:us-east-1:123456789012:api-api/prod/POST/v1/chat"]
    assert invoke_permission_problems("p", "Fn", ["Method"], ok) == []
    other = Template(api_template("arn:aws:execute-api:us-east-1:123456789012:${Api}/*/GET/v1/chat"), {}, "s")
    assert invoke_permission_problems("p", "Fn", ["Method"], other) == [
        "p: no Lambda permission lets API Gateway invoke Fn for Method "
        "(arn:aws:execute-api:us-east-1:123456789012:api-api/prod/POST/v1/chat)"]
