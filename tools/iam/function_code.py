"""A Lambda function's code and entry point as Lambda runs them, and the calls Lambda makes with its role.

- Code.ZipFile: CloudFormation writes the source to a file named index ("AWS::Lambda::Function Code", ZipFile);
  Handler "index.handler" is module index, function handler.
- Code.S3Bucket/S3Key: the package synth writes beside the template, OUT/cloudformation/<S3Key> (slmstack deploy
  uploads that file to the assets bucket under the same key), read as a zip of modules.
- A function behind the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap, the adapter layer's
  bootstrap): the adapter starts the handler as a program, a web server whose request handlers http.server calls
  by name, so every function and method of that module counts as reachable (awslabs/aws-lambda-web-adapter README).
- VpcConfig: "Lambda uses your function's permissions to create and manage network interfaces": the execution
  role needs ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface,
  AssignPrivateIpAddresses, UnassignPrivateIpAddresses (Lambda Developer Guide, "Giving Lambda functions access to
  resources in an Amazon VPC", https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html). Their
  resource types follow the Service Authorization Reference for Amazon EC2 (list_amazonec2): CreateNetworkInterface
  on network-interface*, subnet* and security-group; Delete/Assign/Unassign on network-interface*; the two
  Describe actions on "*" only.
"""
import ast
import pathlib
import zipfile

from lambda_calls import package_calls
from variants import ACCOUNT, REGION

ADAPTER_BOOTSTRAP = "/opt/bootstrap"


def sources_of(props, package_dir):
    """{module name: source} of a resolved function's code, or a reason it cannot be read."""
    code = props.get("Code", {})
    if "ZipFile" in code:
        return {"index": code["ZipFile"]}
    archive = pathlib.Path(package_dir) / code["S3Key"] if package_dir and "S3Key" in code else None
    if archive is None or not archive.is_file():
        return f"code is neither inline nor a package synth wrote ({code.get('S3Key') or sorted(code)}): " \
               "cannot read the calls it makes"
    with zipfile.ZipFile(archive) as z:
        return {name[:-3]: z.read(name).decode() for name in z.namelist() if name.endswith(".py") and "/" not in name}


def function_calls(props, env, package_dir):
    """([ApiCall], problem or None): the calls the function's code may make with environment `env`."""
    sources = sources_of(props, package_dir)
    if isinstance(sources, str):
        return [], sources
    handler = props.get("Handler", "")
    if env.get("AWS_LAMBDA_EXEC_WRAPPER") == ADAPTER_BOOTSTRAP:
        module, entry = (handler[:-3] if handler.endswith(".py") else handler), None
    else:
        module, _, entry = handler.rpartition(".")
    if module not in sources or (entry is not None and not any(
            isinstance(n, ast.FunctionDef) and n.name == entry for n in ast.parse(sources[module]).body)):
        return [], f"handler {handler!r} names no Python function of its code ({sorted(sources)}): cannot read its calls"
    return package_calls(sources, module, env, entry), None


def vpc_interface_calls(props, function):
    """[(action, resource, why)] Lambda makes with the execution role of a function with VpcConfig."""
    vpc = props.get("VpcConfig") or {}
    if not vpc.get("SubnetIds"):
        return []
    ec2 = f"arn:aws:ec2:{REGION}:{ACCOUNT}"
    interface = f"{ec2}:network-interface/eni-{function.lower()}"
    why = f"Lambda manages {function}'s VPC network interfaces with its execution role"
    calls = [("ec2:CreateNetworkInterface", r, why) for r in [interface] + [f"{ec2}:subnet/{s}" for s in vpc["SubnetIds"]]
             + [f"{ec2}:security-group/{g}" for g in vpc.get("SecurityGroupIds", [])]]
    calls += [(a, interface, why) for a in ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                                            "ec2:UnassignPrivateIpAddresses")]
    return calls + [(a, "*", why) for a in ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")]
