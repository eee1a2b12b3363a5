"""The unmodified `openai` Python client raises its typed exceptions on the shim's error bodies.

A small HTTP server on 127.0.0.1 turns each request into the API Gateway (payload 1.0) event the
shim gets behind the REST API and answers with its response; the fake SageMaker stands in for the
endpoint. Skipped, loudly, when the `openai` package is not importable (it is pinned in
tools/requirements-test.txt; run with the test venv's python).
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shim_support import SOURCES, Shim, event, load_shim
from fake_sagemaker import sagemaker_error, tgi_error

try:
    import openai
except ImportError:
    print("\nSKIPPED: Tests/shim/test_openai_client.py needs the openai package (tools/requirements-test.txt)", file=sys.stderr)
    pytest.skip("SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)", allow_module_level=True)

MARK = "model-internal-4242"


@pytest.fixture
def client(stack_env, fake, capsys):
    stack_env.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", fake.url)
    shim = Shim(load_shim(SOURCES["file"]()), capsys)

    class Gateway(BaseHTTPRequestHandler):
        def _serve(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            path = self.path.split("?")[0].removeprefix("/v1-stage")
            response = shim.module.handler(event(path, raw=raw, method=self.command), None)
            data = response["body"].encode()
            self.send_response(response["statusCode"])
            for k, v in response["headers"].items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="unused", max_retries=0, timeout=30)
    finally:
        server.shutdown()
        server.server_close()


def ask(client, content="What is the capital of France?", **kw):
    return client.chat.completions.create(model="tinyllama", messages=[{"role": "user", "content": content}], **kw)


def test_chat_completion_parses(client):
    r = ask(client, max_tokens=5)
    assert r.choices[0].message.content == "Paris is the capital of" and r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 5 and r.object == "chat.completion"
    # a 3,000-character message reaches the model
    assert ask(client, "All work and no play. " * 136).choices[0].message.content.startswith("Paris")


def test_bad_request_error(client):
    with pytest.raises(openai.BadRequestError) as e:
        ask(client, temperature=3)
    assert (e.value.status_code, e.value.code, e.value.param, e.value.type) == (400, "out_of_range", "temperature", "invalid_request_error")
    assert e.value.message.startswith("Error code: 400 - ") and "temperature: expected a number in [0, 2]" in e.value.message


def test_prompt_too_long_is_a_413_status_error(client):
    with pytest.raises(openai.APIStatusError) as e:
        ask(client, "y" * 30000)
    assert (e.value.status_code, e.value.code, e.value.param) == (413, "prompt_too_long", "messages")


def test_rate_limit_and_server_errors(client, fake):
    fake.queue.append(tgi_error(429, "Model is overloaded " + MARK, "overloaded"))
    with pytest.raises(openai.RateLimitError) as e:
        ask(client)
    assert (e.value.code, e.value.type) == ("throttled", "rate_limit_error")
    fake.queue.append((200, {}, b'[{"generated_text": "x", "details": {"generated_tokens": NaN}}]'))
    with pytest.raises(openai.InternalServerError) as e:
        ask(client)
    assert (e.value.status_code, e.value.code, e.value.type) == (502, "upstream_error", "server_error")
    fake.queue.append(sagemaker_error(429, "ModelNotReadyException", MARK))
    with pytest.raises(openai.InternalServerError) as e:
        ask(client)
    assert e.value.status_code == 503 and MARK not in json.dumps(e.value.body)


def test_unknown_route_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as e:
        client.completions.create(model="tinyllama", prompt="hi")
    assert e.value.code == "not_found"
