"""`slmstack whoami` with the credential sources of CI runners and cloud hosts, each served by a
loopback fake that hands out the local AWS's key, so the GetCallerIdentity that follows is checked
for real (SigV4 verification on). Secrets must never reach the output."""
import re

import pytest



def rows(output: str) -> dict[str, str]:
    """whoami's lines: the label padded to 12 columns, then the value."""
    return {line[:12].strip(): line[12:] for line in output.splitlines() if line.strip()}


def assert_no_secrets(result, fakes):
    for secret in (fakes.secret_key, fakes.session_token, fakes.container_token, fakes.web_identity_token):
        assert secret not in result.stdout and secret not in result.stderr


def test_container_credentials_full_uri_with_token_file(whoami, fakes, role_credentials, tmp_path):
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text(fakes.container_token + "\n")
    result = whoami({"AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes.url + "/container/credentials",
                     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
                     "AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes.url})
    assert result.returncode == 0, result.stderr
    found = rows(result.stdout)
    assert found["credentials"] == "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"
    assert found["arn"] == role_credentials["arn"] and found["account"] == "123456789012"
    assert "expires" in found
    calls = fakes.seen("GET", "/container/credentials")
    assert len(calls) == 1 and calls[0]["headers"]["authorization"] == fakes.container_token
    assert not fakes.seen("PUT", "/latest/api/token"), "the container comes before IMDS, which is not asked"
    assert_no_secrets(result, fakes)


def test_container_credentials_with_a_wrong_token_fail_without_falling_through(whoami, fakes):
    result = whoami({"AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes.url + "/container/credentials",
                     "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token", "AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes.url})
    assert result.returncode == 1
    assert "container credentials: GET " + fakes.url + "/container/credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI) failed 3 times, last: HTTP 401" in result.stderr
    assert len(fakes.seen("GET", "/container/credentials")) == 3
    assert not fakes.seen("PUT", "/latest/api/token")
    assert "wrong-token" not in result.stderr


def test_container_full_uri_on_another_host_is_a_usage_error(whoami, fakes):
    result = whoami({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/creds", "AWS_EC2_METADATA_DISABLED": "true"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://192.0.2.10/creds': plain http is allowed only to")


def test_web_identity_from_a_ci_token_file(whoami, fakes, role_credentials, tmp_path):
    token_file = tmp_path / "oidc-token"
    token_file.write_text(fakes.web_identity_token)
    role = "arn:aws:iam::123456789012:role/slmstack-ci"
    result = whoami({"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": role, "AWS_ROLE_SESSION_NAME": "ci-42",
                     "AWS_ENDPOINT_URL_STS": fakes.url, "AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes.url})
    assert result.returncode == 0, result.stderr
    found = rows(result.stdout)
    assert found["credentials"] == f"web identity {role} (AWS_WEB_IDENTITY_TOKEN_FILE)"
    assert found["arn"] == role_credentials["arn"]
    posts = fakes.seen("POST", "/")
    assert [p["form"].get("Action") for p in posts] == ["AssumeRoleWithWebIdentity", "GetCallerIdentity"]
    assume, identity = posts
    assert "authorization" not in assume["headers"]
    assert assume["form"] == {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role,
                              "RoleSessionName": "ci-42", "WebIdentityToken": fakes.web_identity_token}
    assert f"Credential={role_credentials['key']}/" in identity["headers"]["authorization"]
    assert identity["headers"]["x-amz-security-token"] == fakes.session_token
    assert_no_secrets(result, fakes)


def test_web_identity_from_the_profile(whoami, fakes, tmp_path):
    token_file = tmp_path / "oidc-token"
    token_file.write_text(fakes.web_identity_token)
    (whoami.home / ".aws").mkdir()
    (whoami.home / ".aws" / "config").write_text(
        f"[profile ci]\nweb_identity_token_file = {token_file}\nrole_arn = arn:aws:iam::123456789012:role/from-profile\n")
    result = whoami({"AWS_ENDPOINT_URL_STS": fakes.url, "AWS_EC2_METADATA_DISABLED": "true"}, "--profile", "ci")
    assert result.returncode == 0, result.stderr
    assert rows(result.stdout)["credentials"] == "web identity arn:aws:iam::123456789012:role/from-profile (profile ci web_identity_token_file)"


def test_ec2_instance_profile_through_imdsv2(whoami, fakes):
    result = whoami({"AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes.url})
    assert result.returncode == 0, result.stderr
    assert rows(result.stdout)["arn"].startswith("arn:aws:sts::123456789012:assumed-role/slmstack-ci-role/")
    assert rows(result.stdout)["credentials"] == "EC2 instance metadata (IMDSv2, role slmstack-ci-role)"
    assert [f"{r['method']} {r['path']}" for r in fakes.requests][:3] == [
        "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
        "GET /latest/meta-data/iam/security-credentials/slmstack-ci-role"]
    assert fakes.requests[0]["headers"]["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    assert_no_secrets(result, fakes)


def test_nothing_found_lists_every_source_tried(whoami):
    result = whoami({"AWS_EC2_METADATA_DISABLED": "true"})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: no AWS credentials found; tried, in order:"
    assert [re.sub(r"^\s+\d+\. ([^:]+):.*", r"\1", line) for line in lines[1:7]] == [
        "explicit keys", "environment", "web identity", "profile 'default'", "container credentials", "EC2 instance metadata"]
    assert lines[7].startswith("fix: ")
