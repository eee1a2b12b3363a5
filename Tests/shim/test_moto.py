"""Both routes end to end against moto's SageMaker Runtime, in process (`moto.mock_aws`).

moto cannot run the Lambda itself, so the handler runs here with boto3 intercepted by moto; the
engine's answers are queued through moto's `/moto-api/static/sagemaker/endpoint-results` (as
tools/localaws/canned_answer.py does; plain moto sends them as queued, so a chat answer is queued in
TGI's chat.completion shape here, where the local AWS's fix 46 would make one from a TGI answer). moto records each request body per endpoint, which is
how these tests see what the shim sent.
"""

import base64
import json

import pytest
import requests
from moto import mock_aws
from moto.sagemakerruntime.models import sagemakerruntime_backends

from shim_support import MODEL_ID, Shim, load_shim

ACCOUNT, REGION = "123456789012", "us-east-1"


def tgi_answer(text, reason, n_out, n_in, as_list=True):
    out = {"generated_text": text, "details": {"finish_reason": reason, "generated_tokens": n_out, "seed": None,
                                               "prefill": [{"id": i, "text": "t", "logprob": None} for i in range(n_in)], "tokens": []}}
    return json.dumps([out] if as_list else out)


def queue(*bodies):
    response = requests.post("http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results", json={
        "account_id": ACCOUNT, "region": REGION,
        "results": [{"Body": b, "ContentType": "application/json", "InvokedProductionVariant": "AllTraffic"} for b in bodies]})
    assert response.status_code == 201


def sent_bodies():
    # moto 5.2.1 files every request under endpoint None (it does not parse the name from the
    # path); the fake server tests check the endpoint name instead
    results = sagemakerruntime_backends[ACCOUNT][REGION].results
    return [json.loads(json.loads(base64.b64decode(key))["Body"]) for per_endpoint in results.values() for key in per_endpoint]


@pytest.fixture
def moto_shim(source, stack_env, capsys):
    with mock_aws():
        yield Shim(load_shim(source), capsys)


def tgi_chat_answer(content, reason, n_out, n_in):
    return json.dumps({"object": "chat.completion", "id": "", "created": 1767225600, "model": MODEL_ID, "system_fingerprint": "3.3.6-sha-0000000",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "logprobs": None, "finish_reason": reason}],
                       "usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}})


def test_invoke_end_to_end(moto_shim):
    queue(tgi_answer("Paris.</s>", "eos_token", 3, 21))
    status, out = moto_shim.call("/invoke", {"prompt": "Capital of France? Answer in one word.",
                                             "parameters": {"max_new_tokens": 16, "temperature": 0.2, "seed": 1, "stop": ["</s>"]}})
    assert status == 200, out
    (body,) = sent_bodies()
    assert body == {"inputs": "Capital of France? Answer in one word.",
                    "parameters": {"max_new_tokens": 16, "temperature": 0.2, "do_sample": True, "seed": 1, "stop": ["</s>"],
                                   "details": True, "decoder_input_details": True, "return_full_text": False}}
    assert out == {"generated_text": "Paris.", "prompt": body["inputs"],
                   "parameters": {"max_new_tokens": 16, "temperature": 0.2, "do_sample": True, "seed": 1, "stop": ["</s>"]},
                   "finish_reason": "stop", "usage": {"prompt_tokens": 21, "completion_tokens": 3, "total_tokens": 24}}
    assert moto_shim.logs[-1]["status"] == 200 and moto_shim.logs[-1]["prompt_tokens"] == 21


def test_chat_end_to_end(moto_shim):
    queue(tgi_chat_answer("Blue, mostly", "length", 4, 30))
    status, out = moto_shim.call("/v1/chat/completions", {"model": "tinyllama", "max_tokens": 4, "messages": [
        {"role": "user", "content": "Sky colour?"}]}, request_id="r-42")
    assert status == 200, out
    (body,) = sent_bodies()
    assert body == {"messages": [{"role": "user", "content": "Sky colour?"}], "max_tokens": 4}
    assert out["id"] == "chatcmpl-r-42" and out["model"] == MODEL_ID and out["object"] == "chat.completion"
    assert out["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "Blue, mostly"}, "finish_reason": "length"}]
    assert out["usage"] == {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34}


def test_canned_answer_that_is_not_tgi_is_502(moto_shim):
    queue("not json at all")
    status, out = moto_shim.call("/invoke", {"prompt": "x"})
    assert (status, out["error"]["code"]) == (502, "upstream_error")
    assert "not json" not in moto_shim.response["body"]


def test_bad_requests_never_reach_moto(moto_shim):
    assert moto_shim.call("/invoke", {"prompt": "x", "parameters": {"top_p": 0}})[0] == 400
    assert moto_shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": "x" * 30000}]})[0] == 413
    assert sent_bodies() == []
