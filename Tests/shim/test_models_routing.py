"""Several models in one `scaling zero` stack (`--models`, issue 20 item 3): the shim routes a request's `model`.

The stack sets MODELS, a JSON object of model ID -> inference component name: a request's "model" picks
the component every InvokeEndpoint names (botocore sends it as the `X-Amzn-SageMaker-Inference-Component`
header), an absent "model" goes to MODEL_ID (the first of models), an unknown one is OpenAI's 404
`model_not_found`, /v1/models lists every model and answers name the model routed to. Without MODELS (one
model) any "model" string is accepted as before.
"""
import json

import pytest

from fake_sagemaker import sagemaker_error
from shim_support import assert_error_shape

from test_openai_client import client  # noqa: F401  (a local gateway in front of the shim)

try:
    import openai
except ImportError:
    openai = None

FIRST, SECOND = "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "Qwen/Qwen2.5-0.5B-Instruct"
TABLE = {FIRST: "slmstack-model", SECOND: "slmstack-model2"}
HEADER = "x-amzn-sagemaker-inference-component"
NO_CAPACITY = sagemaker_error(400, "ValidationError", "Inference Component has no capacity to process this request. ApplicationAutoScaling "
                              "may be in-progress (if configured) or try to increase the capacity by invoking UpdateInferenceComponentRuntimeConfig API.")


@pytest.fixture
def models_env(stack_env):
    stack_env.setenv("MODEL_ID", FIRST)
    stack_env.setenv("INFERENCE_COMPONENT", TABLE[FIRST])
    stack_env.setenv("WAKE_SECONDS", "480")
    stack_env.setenv("MODELS", json.dumps(TABLE))
    return stack_env


def chat(shim, model):
    body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3}
    if model is not None:
        body["model"] = model
    return shim.call("/v1/chat/completions", body)


def named(fake):
    return {k.lower(): v for k, v in fake.requests[-1]["headers"].items()}.get(HEADER)


@pytest.mark.parametrize("model", [FIRST, SECOND])
def test_the_model_field_picks_the_component_and_the_answer_names_it(shim, models_env, fake, model):
    status, out = chat(shim, model)
    assert status == 200 and out["model"] == model
    assert named(fake) == TABLE[model]


def test_no_model_goes_to_the_default(shim, models_env, fake):
    status, out = chat(shim, None)
    assert status == 200 and out["model"] == FIRST and named(fake) == TABLE[FIRST]


def test_an_unknown_model_is_openais_404_and_calls_nothing(shim, models_env, fake):
    before = len(fake.requests)
    status, out = chat(shim, "gpt-4o")
    assert status == 404
    assert_error_shape(out, 404)
    assert out["error"]["code"] == "model_not_found" and out["error"]["param"] == "model"
    assert out["error"]["type"] == "invalid_request_error"
    assert out["error"]["message"].startswith("The model `gpt-4o` does not exist")
    assert FIRST in out["error"]["message"] and SECOND in out["error"]["message"]
    assert len(fake.requests) == before


def test_invoke_takes_the_model_too(shim, models_env, fake):
    status, out = shim.call("/invoke", {"prompt": "hi", "model": SECOND})
    assert status == 200 and named(fake) == TABLE[SECOND]
    assert shim.call("/invoke", {"prompt": "hi", "model": "nope"})[0] == 404


def test_one_model_stacks_accept_any_model_and_refuse_it_on_invoke(shim, stack_env, fake):
    stack_env.setenv("INFERENCE_COMPONENT", "slmstack-model")
    status, out = chat(shim, "anything")
    assert status == 200 and named(fake) == "slmstack-model"
    status, out = shim.call("/invoke", {"prompt": "hi", "model": SECOND})
    assert (status, out["error"]["code"]) == (400, "unknown_field")


def test_models_lists_every_model(shim, models_env):
    status, out = shim.call("/v1/models", method="GET")
    assert status == 200 and [m["id"] for m in out["data"]] == [FIRST, SECOND]
    assert [m["owned_by"] for m in out["data"]] == ["TinyLlama", "Qwen"]


def test_each_model_wakes_with_its_own_503(shim, models_env, fake):
    fake.queue.append(NO_CAPACITY)
    status, out = chat(shim, SECOND)
    assert (status, out["error"]["code"]) == (503, "model_starting") and named(fake) == TABLE[SECOND]
    assert shim.response["headers"]["Retry-After"] == "30"
    assert chat(shim, FIRST)[0] == 200 and named(fake) == TABLE[FIRST]


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_the_openai_client_sees_both_models_and_not_found(models_env, client, fake):
    assert [m.id for m in client.models.list()] == [FIRST, SECOND]
    r = client.chat.completions.create(model=SECOND, messages=[{"role": "user", "content": "hi"}], max_tokens=3)
    assert r.model == SECOND
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
    assert (e.value.status_code, e.value.code) == (404, "model_not_found")
