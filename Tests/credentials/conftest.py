"""Fixtures for the credential-source tests: the project's local AWS, the loopback credential fakes,
and an environment for the slmstack binary that has no keys of its own."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "localaws"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import localaws as launcher  # noqa: E402
from credential_fakes import CredentialFakes  # noqa: E402


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """A running local AWS (SigV4 verification on); its env file's variables."""
    env_file = tmp_path_factory.mktemp("localaws") / "localaws.env"
    launcher.start(env_file)
    try:
        yield launcher.read_env_file(env_file)
    finally:
        launcher.stop(env_file)


ROLE_NAME = "slmstack-ci-role"


@pytest.fixture(scope="session")
def role_credentials(local_aws):
    """Temporary credentials the local AWS issued: AssumeRole of an allow-all role created there."""
    import boto3

    def client(service):
        return boto3.client(service, endpoint_url=local_aws["AWS_ENDPOINT_URL"], region_name=local_aws["AWS_REGION"],
                            aws_access_key_id=local_aws["AWS_ACCESS_KEY_ID"], aws_secret_access_key=local_aws["AWS_SECRET_ACCESS_KEY"])

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam = client("iam")
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="all", PolicyDocument=json.dumps(allow))
    answer = client("sts").assume_role(RoleArn=f"arn:aws:iam::123456789012:role/{ROLE_NAME}", RoleSessionName="ci")
    creds = answer["Credentials"]
    return {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"], "token": creds["SessionToken"],
            "arn": answer["AssumedRoleUser"]["Arn"]}


@pytest.fixture
def fakes(local_aws, role_credentials):
    """Container endpoint, IMDS and STS front on 127.0.0.1, handing out the local AWS's temporary credentials."""
    with CredentialFakes(local_aws["AWS_ENDPOINT_URL"], role_credentials["key"], role_credentials["secret"],
                         role_credentials["token"]) as fake:
        yield fake


@pytest.fixture
def whoami(slmstack_bin, local_aws, tmp_path):
    """Runs `slmstack whoami` with only the given credential settings.

    The environment has no AWS_* variable of the caller's, an empty HOME, the local AWS as endpoint,
    and always either AWS_EC2_METADATA_DISABLED or a loopback AWS_EC2_METADATA_SERVICE_ENDPOINT, so
    the binary can never reach 169.254.169.254.
    """
    home = tmp_path / "home"
    home.mkdir()

    def run(extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=str(home), AWS_REGION=local_aws["AWS_REGION"], AWS_ENDPOINT_URL=local_aws["AWS_ENDPOINT_URL"])
        env.update(extra)
        endpoint = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "")
        assert env.get("AWS_EC2_METADATA_DISABLED") == "true" or endpoint.startswith("http://127.0.0.1:"), \
            "every run must keep the binary off the real metadata address"
        return subprocess.run([slmstack_bin, "whoami", *args], capture_output=True, text=True, timeout=60, env=env,
                              stdin=subprocess.DEVNULL)

    run.home = home
    return run
