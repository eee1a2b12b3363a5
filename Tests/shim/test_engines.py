"""The chat route speaks the engine's own chat API, against the fake SageMaker Runtime (fake_sagemaker.py)
answering as TGI 3.x or as vLLM: OpenAI `messages` go to /invocations so the model's own chat template
renders them, and the engine's chat.completion comes back in this stack's contract. /invoke with
ENGINE=vllm uses vLLM's completions API. Each test runs on the handler as written and inlined.
"""

import time

import pytest

from shim_support import MODEL_ID
from fake_sagemaker import fake_tokens, model_error, render
from test_routes import Q, RENDERED, sent


# ---------------------------------------------------------------- /v1/chat/completions: the engine's chat API


def test_chat_completion_sends_messages_to_the_chat_api(shim, fake):
    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."}, {"role": "user", "content": Q, "name": "ann"}]
    before = int(time.time())
    status, out = shim.call("/v1/chat/completions", {"model": "gpt-4o", "messages": msgs, "max_tokens": 5,
                                                     "temperature": 0.5, "top_p": 0.95, "seed": 7, "stop": ["zzz"],
                                                     "n": 1, "user": "u-1", "stream": False})
    assert status == 200, out
    # the model's own template renders the messages in the container: the shim sends them as they are
    # (no "name", no "model": TGI would take a model for a LoRA adapter, vLLM for a served name)
    assert sent(fake) == {"messages": [{k: m[k] for k in ("role", "content")} for m in msgs], "max_tokens": 5,
                          "temperature": 0.5, "top_p": 0.95, "seed": 7, "stop": ["zzz"]}
    assert set(out) == {"id", "object", "created", "model", "choices", "usage"}
    assert out["id"] == "chatcmpl-req-1" and out["object"] == "chat.completion" and out["model"] == MODEL_ID
    assert before <= out["created"] <= time.time() and type(out["created"]) is int
    assert out["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "Paris is the capital of"}, "finish_reason": "length"}]
    n_in = fake_tokens(render([{k: m[k] for k in ("role", "content")} for m in msgs]))
    assert out["usage"] == {"prompt_tokens": n_in, "completion_tokens": 5, "total_tokens": n_in + 5}


def test_chat_stop_finish_and_max_completion_tokens(shim, fake):
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "max_completion_tokens": 50})
    assert status == 200, out
    assert sent(fake) == {"messages": [{"role": "user", "content": Q}], "max_tokens": 50}
    assert out["choices"][0]["finish_reason"] == "stop"
    assert out["choices"][0]["message"]["content"] == "Paris is the capital of France. It is known for the Eiffel Tower."


def test_chat_temperature_zero_goes_on_and_top_p_one_is_dropped(shim, fake):
    assert shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "temperature": 0, "top_p": 1})[0] == 200
    assert sent(fake) == {"messages": [{"role": "user", "content": Q}], "max_tokens": 256, "temperature": 0}


def test_chat_stop_string_tgi_keeps_is_cut_and_stop_sequence_is_stop(shim, fake):
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "stop": "France"})
    assert status == 200, out
    assert sent(fake)["stop"] == ["France"]
    assert out["choices"][0]["message"]["content"] == "Paris is the capital of "
    assert out["choices"][0]["finish_reason"] == "stop"


def test_a_role_the_models_template_refuses_is_400_with_its_message(shim, fake):
    # e.g. a template without a system role: the engine says so, the shim passes it on
    fake.roles = {"user", "assistant"}
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]})
    assert (status, out["error"]["code"], out["error"]["param"]) == (400, "model_rejected", None), out
    assert out["error"]["message"].startswith("Template error:")


# ---------------------------------------------------------------- ENGINE=vllm: vLLM's chat and completions APIs


@pytest.fixture
def vllm(shim, fake, stack_env):
    stack_env.setenv("ENGINE", "vllm")
    fake.engine = "vllm"
    return shim


def test_vllm_chat(vllm, fake):
    status, out = vllm.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "max_tokens": 5, "seed": 3})
    assert status == 200, out
    assert sent(fake) == {"messages": [{"role": "user", "content": Q}], "max_tokens": 5, "seed": 3}
    n_in = fake_tokens(RENDERED)
    assert out == {"id": "chatcmpl-req-1", "object": "chat.completion", "created": out["created"], "model": MODEL_ID,
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris is the capital of"}, "finish_reason": "length"}],
                   "usage": {"prompt_tokens": n_in, "completion_tokens": 5, "total_tokens": n_in + 5}}
    status, out = vllm.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "stop": ["France"]})
    assert (status, out["choices"][0]["message"]["content"], out["choices"][0]["finish_reason"]) == (200, "Paris is the capital of ", "stop")


def test_vllm_invoke_uses_the_completions_api(vllm, fake):
    status, out = vllm.call("/invoke", {"prompt": Q, "parameters": {"max_new_tokens": 3, "top_k": 5, "repetition_penalty": 1.2, "do_sample": False}})
    assert status == 200, out
    assert sent(fake) == {"prompt": Q, "max_tokens": 3, "top_k": 5, "repetition_penalty": 1.2, "temperature": 0}
    assert out == {"generated_text": "Paris is the", "prompt": Q, "finish_reason": "length",
                   "parameters": {"max_new_tokens": 3, "top_k": 5, "repetition_penalty": 1.2, "do_sample": False},
                   "usage": {"prompt_tokens": fake_tokens(Q), "completion_tokens": 3, "total_tokens": fake_tokens(Q) + 3}}
    assert vllm.call("/invoke", {"prompt": Q, "parameters": {"temperature": 0.7}})[0] == 200
    assert sent(fake, 1) == {"prompt": Q, "max_tokens": 256, "temperature": 0.7}


def test_vllm_errors(vllm, fake):
    fake.max_total_tokens = 20
    status, out = vllm.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "max_tokens": 10})
    assert (status, out["error"]["code"], out["error"]["param"]) == (413, "prompt_too_long", "messages"), out
    assert "maximum context length is 20 tokens" in out["error"]["message"]
    fake.roles = {"user"}
    status, out = vllm.call("/v1/chat/completions", {"messages": [{"role": "assistant", "content": Q}]})
    assert (status, out["error"]["code"]) == (400, "model_rejected") and out["error"]["message"].startswith("Template error")
    # vLLM's older error body: {"object": "error", "message", "type", "param", "code"}
    fake.queue.append(model_error(400, {"object": "error", "message": "bad seed", "type": "BadRequestError", "param": None, "code": 400}))
    status, out = vllm.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}]})
    assert (status, out["error"]["code"], out["error"]["message"]) == (400, "model_rejected", "bad seed")
