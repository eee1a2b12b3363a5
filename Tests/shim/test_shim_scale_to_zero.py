"""Scale to zero (issue 20): the shim names the inference component and answers a wake with 503.

With `scaling zero` the stack sets INFERENCE_COMPONENT: every InvokeEndpoint names it (botocore sends
InferenceComponentName as the `X-Amzn-SageMaker-Inference-Component` header). While the component has
no copy, SageMaker answers ValidationError "Inference Component has no capacity to process this
request..." (HTTP 400; AWS's scale-to-zero blog, December 2024) and that failure is what wakes it;
the shim answers 503 `model_starting` with `Retry-After`, which the unmodified `openai` client honours
(it retries 5xx and waits Retry-After when it is at most its MAX_RETRY_AFTER_DELAY).
"""

import time

import pytest

from fake_sagemaker import sagemaker_error
from shim_support import assert_error_shape

# the test_openai_client fixtures: a local gateway in front of the shim
from test_openai_client import client  # noqa: F401

try:
    import openai
except ImportError:
    openai = None

COMPONENT = "slmstack-model"
NO_CAPACITY = sagemaker_error(400, "ValidationError", "Inference Component has no capacity to process this request. ApplicationAutoScaling "
                              "may be in-progress (if configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API.")
HEADER = "X-Amzn-SageMaker-Inference-Component"


@pytest.fixture
def zero_env(stack_env):
    stack_env.setenv("INFERENCE_COMPONENT", COMPONENT)
    stack_env.setenv("WAKE_SECONDS", "480")
    return stack_env


@pytest.fixture
def fast_env(zero_env):
    zero_env.setenv("RETRY_AFTER", "1")
    return zero_env


def ask(shim):
    return shim.call("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3})


def test_every_call_names_the_component(shim, zero_env, fake):
    status, out = ask(shim)
    assert status == 200 and out["choices"][0]["message"]["content"]
    assert {k.lower(): v for k, v in fake.requests[-1]["headers"].items()}[HEADER.lower()] == COMPONENT


def test_without_the_setting_no_component_is_named(shim, fake):
    assert ask(shim)[0] == 200
    assert HEADER.lower() not in {k.lower() for k in fake.requests[-1]["headers"]}


def test_no_capacity_is_503_model_starting_with_retry_after(shim, zero_env, fake):
    fake.queue.append(NO_CAPACITY)
    status, out = ask(shim)
    assert status == 503
    assert_error_shape(out, 503)
    assert out["error"]["code"] == "model_starting"
    assert "starting" in out["error"]["message"] and "about 8 minutes" in out["error"]["message"]
    assert shim.response["headers"]["Retry-After"] == str(shim.module.RETRY_AFTER) == "30"
    assert shim.logs[-1]["error"] == "model_starting"


def test_no_capacity_without_a_component_stays_model_unavailable(shim, fake):
    fake.queue.append(NO_CAPACITY)
    status, out = ask(shim)
    assert (status, out["error"]["code"]) == (503, "model_unavailable")
    assert "Retry-After" not in shim.response["headers"]


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_openai_client_retries_the_wake_and_honours_retry_after(fast_env, client, fake):
    # zero_env comes first, so the gateway's shim loads with it: Retry-After 1 s keeps the test short
    create = client.chat.completions.create
    fake.queue += [NO_CAPACITY, NO_CAPACITY]
    started = time.monotonic()
    r = client.with_options(max_retries=2).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
    waited = time.monotonic() - started
    assert r.choices[0].message.content
    # two waits of Retry-After (1 s each), not the client's own backoff (0.5 s and 1 s, less jitter)
    assert len(fake.requests) == 3 and waited >= 1.9, (len(fake.requests), waited)
    fake.queue.append(NO_CAPACITY)
    with pytest.raises(openai.InternalServerError) as e:
        create(model="m", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
    assert (e.value.status_code, e.value.code) == (503, "model_starting")
    assert e.value.response.headers["retry-after"] == "1"


def test_the_streaming_function_answers_the_wake_with_retry_after(zero_env, monkeypatch):
    """serve.py (stream: true) meets the same no-capacity error: 503 model_starting with Retry-After."""
    import http.client
    import json
    import sys
    import threading
    from http.server import ThreadingHTTPServer

    from botocore.exceptions import ClientError
    from shim_support import HANDLER, ROOT, load_shim

    zero_env.setenv("STREAMING", "true")
    index = load_shim(HANDLER.read_text())
    monkeypatch.setitem(sys.modules, "index", index)
    serve = load_shim((ROOT / "templates" / "lambda" / "serve.py").read_text(), name="serve")
    calls = []

    def no_capacity(**kwargs):
        calls.append(kwargs)
        raise ClientError({"Error": {"Code": "ValidationError", "Message": NO_CAPACITY[2]["message"]}}, "InvokeEndpointWithResponseStream")

    monkeypatch.setattr(index.SM, "invoke_endpoint_with_response_stream", no_capacity)
    server = ThreadingHTTPServer(("127.0.0.1", 0), serve.Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
        body = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
        conn.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        out = json.loads(response.read())
    finally:
        server.shutdown()
        server.server_close()
    assert calls and calls[0]["InferenceComponentName"] == COMPONENT
    assert response.status == 503 and response.getheader("Retry-After") == "30"
    assert out["error"]["code"] == "model_starting"
