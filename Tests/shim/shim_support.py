"""Fixtures for the Lambda shim tests: load the shim as a module, point it at a fake or at moto.

The shim is loaded from source text with `exec` (as Lambda would import `index.py`), either from
`templates/lambda/handler.py` as written ("file") or after the synth's inlining transform
("inline"); test_template.py also loads it from the synthesized CloudFormation template.
"""

import base64
import json
import pathlib
import sys
import types

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fake_sagemaker import FakeSageMaker  # noqa: E402
from inline import inline  # noqa: E402

ROOT = HERE.parent.parent
HANDLER = ROOT / "templates" / "lambda" / "handler.py"
MODEL_ID = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
ENDPOINT = "slm-endpoint"
STACK_ENV = {
    "ENDPOINT_NAME": ENDPOINT, "MODEL_ID": MODEL_ID, "ENGINE": "tgi",
    "MAX_INPUT_TOKENS": "1536", "MAX_TOTAL_TOKENS": "2048",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
}
SOURCES = {"file": lambda: HANDLER.read_text(), "inline": lambda: inline(HANDLER.read_text())}


def load_shim(source, name="index"):
    """Execute the shim's source as a fresh module (the Lambda runtime imports `index`)."""
    module = types.ModuleType(name)
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


def event(route="/invoke", body=None, method="POST", raw=None, b64=False, request_id="req-1"):
    """An API Gateway REST (payload 1.0) AWS_PROXY event."""
    text = raw if raw is not None else (None if body is None else json.dumps(body))
    if b64 and text is not None:
        text = base64.b64encode(text.encode()).decode()
    return {
        "resource": route, "path": route, "httpMethod": method, "headers": {"Content-Type": "application/json"},
        "body": text, "isBase64Encoded": b64, "requestContext": {"requestId": request_id, "stage": "v1"},
    }


class Shim:
    """A loaded shim plus helpers to call it and read its log lines."""

    def __init__(self, module, capsys):
        self.module = module
        self.capsys = capsys

    def call(self, route="/invoke", body=None, **kw):
        self.capsys.readouterr()
        response = self.module.handler(event(route, body, **kw), None)
        self.logs = [json.loads(line) for line in self.capsys.readouterr().out.splitlines()]
        assert set(response) == {"statusCode", "headers", "body"}
        assert response["headers"]["Content-Type"] == "application/json"
        self.response = response
        return response["statusCode"], strict_json(response["body"])


def strict_json(text):
    """Parse `text` as strict JSON: no NaN or Infinity, no lone surrogate in any string."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    value = json.loads(text, parse_constant=refuse)
    json.dumps(value, ensure_ascii=False).encode()  # UnicodeEncodeError on a lone surrogate
    return value


def assert_error_shape(out, status):
    """OpenAI's error body: {"error": {"message": str, "type": str, "param": str|None, "code": str}}."""
    assert set(out) == {"error"} and set(out["error"]) == {"message", "type", "param", "code"}, out
    e = out["error"]
    assert type(e["message"]) is str and e["message"] and type(e["code"]) is str and e["code"], out
    assert e["param"] is None or type(e["param"]) is str, out
    assert e["type"] == ("rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"), out


@pytest.fixture
def stack_env(monkeypatch):
    for k in ("LOG_PROMPTS", "PAUSED", "CHAT_TEMPLATE", "SAGEMAKER_TIMEOUT", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    for k, v in STACK_ENV.items():
        monkeypatch.setenv(k, v)
    return monkeypatch


@pytest.fixture
def fake():
    with FakeSageMaker(endpoints=(ENDPOINT,)) as server:
        yield server


@pytest.fixture(params=sorted(SOURCES))
def source(request):
    return SOURCES[request.param]()


@pytest.fixture
def shim(source, stack_env, fake, capsys):
    """The shim (from the file, and from its inlined form) talking to the fake SageMaker + TGI."""
    stack_env.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", fake.url)
    return Shim(load_shim(source), capsys)
