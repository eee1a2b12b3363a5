"""Fixes 50 and 54 (tools/localaws/engine_answers.py): the model container answers in its engine's own shape.

A TGI answer queued in moto's answer queue becomes, for a chat request (`messages`), TGI 3.x's or
vLLM's `chat.completion` (buffered, InvokeEndpoint) or `chat.completion.chunk` Server-Sent Events
(InvokeEndpointWithResponseStream, cut into awkward PayloadParts by fix 43), by the endpoint's image;
vLLM's completions API answers a `prompt` request; TGI's generate API (`inputs`) is answered as
before. Each test uses a region of its own: moto's answer queue is per account and region. Fix 54: an
endpoint that hosts inference components answers as the model of the component a request names.
"""
from __future__ import annotations

import json
import time
from typing import Any

from localaws_support import LocalAws, unique
from test_stream_fixes import ANSWER, _client, _queue, _sse_events, _stream, _tgi

TGI_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04"
VLLM_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-vllm-inference:0.11.2-gpu-py312-cu129-ubuntu22.04"
MODEL = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]
WORDS = [" Paris,", " naïve", " café", " —", " 東京", " ✓", " done."]  # ANSWER in fix 43's pieces
PROMPT_TOKENS = 1 + (3 + 2) + (3 + 3)  # BOS + per message 3 + its pieces


def _endpoint(la: LocalAws, region: str, image: str) -> str:
    sm = _client(la, "sagemaker", region)
    role = la.client("iam").create_role(RoleName=unique("sm"), AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    model, config, name = unique("model"), unique("config"), unique("endpoint")
    sm.create_model(ModelName=model, ExecutionRoleArn=role["Role"]["Arn"],
                    PrimaryContainer={"Image": image, "Environment": {"HF_MODEL_ID": MODEL}})
    sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1, "InstanceType": "ml.g5.xlarge"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return name


def _invoke(la: LocalAws, region: str, name: str, request: dict[str, Any]) -> tuple[str, bytes]:
    r = _client(la, "sagemaker-runtime", region).invoke_endpoint(
        EndpointName=name, ContentType="application/json", Accept="application/json", Body=json.dumps(request))
    return r["ContentType"], r["Body"].read()


def _compact(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


# ------------------------------------------------------------------------------------ buffered
def test_sagemaker_runtime_engine_answers(localaws: LocalAws, without) -> None:
    region = "ap-south-1"
    request = {"messages": MESSAGES, "max_tokens": 64}
    with without("sagemaker_runtime_engine_answers") as la:  # moto sends the queued TGI answer as is
        name = _endpoint(la, region, TGI_IMAGE)
        _queue(la, region, _tgi(ANSWER))
        assert json.loads(_invoke(la, region, name, request)[1]) == [{"generated_text": ANSWER, "details": {"finish_reason": "eos_token"}}]

    name = _endpoint(localaws, region, TGI_IMAGE)
    _queue(localaws, region, _tgi(ANSWER))
    before = int(time.time())
    content_type, raw = _invoke(localaws, region, name, request)
    out = json.loads(raw)
    assert content_type == "application/json" and raw == _compact(out) and "東京".encode() in raw
    assert list(out) == ["object", "id", "created", "model", "system_fingerprint", "choices", "usage"]
    assert before <= out["created"] <= time.time()
    assert out == {"object": "chat.completion", "id": "", "created": out["created"], "model": MODEL,
                   "system_fingerprint": "3.3.6-sha-0000000",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "logprobs": None, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": len(WORDS) + 1, "total_tokens": PROMPT_TOKENS + len(WORDS) + 1}}


def test_vllm_chat_and_completions_buffered(localaws: LocalAws) -> None:
    region = "ap-northeast-2"
    name = _endpoint(localaws, region, VLLM_IMAGE)
    request = {"messages": MESSAGES, "max_tokens": 3}
    _queue(localaws, region, _tgi(ANSWER))
    _, raw = _invoke(localaws, region, name, request)
    out = json.loads(raw)
    assert raw == _compact(out) and out["id"].startswith("chatcmpl-") and len(out["id"]) == 9 + 32
    assert list(out) == ["id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage",
                         "prompt_logprobs", "prompt_token_ids", "kv_transfer_params"]
    assert out["object"] == "chat.completion" and out["model"] == MODEL
    assert out["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "".join(WORDS[:3]), "refusal": None, "annotations": None,
                                                       "audio": None, "function_call": None, "tool_calls": [], "reasoning_content": None},
                               "logprobs": None, "finish_reason": "length", "stop_reason": None, "token_ids": None}]
    assert out["usage"] == {"prompt_tokens": PROMPT_TOKENS, "total_tokens": PROMPT_TOKENS + 3, "completion_tokens": 3, "prompt_tokens_details": None}

    # the completions API: a raw prompt; vLLM leaves a stop string out and names it in stop_reason
    _queue(localaws, region, _tgi(ANSWER))
    _, raw = _invoke(localaws, region, name, {"prompt": "Capital of France?", "max_tokens": 16, "stop": [" café"]})
    out = json.loads(raw)
    assert out["object"] == "text_completion" and out["id"].startswith("cmpl-")
    assert out["choices"][0] | {"text": None} == {"index": 0, "text": None, "logprobs": None, "finish_reason": "stop", "stop_reason": " café",
                                                  "token_ids": None, "prompt_logprobs": None, "prompt_token_ids": None}
    assert out["choices"][0]["text"] == " Paris, naïve"
    assert out["usage"]["prompt_tokens"] == 1 + 3 and out["usage"]["completion_tokens"] == 2


def test_tgi_keeps_a_stop_string_and_generate_is_unchanged(localaws: LocalAws) -> None:
    region = "ap-southeast-2"
    name = _endpoint(localaws, region, TGI_IMAGE)
    _queue(localaws, region, _tgi(ANSWER))
    out = json.loads(_invoke(localaws, region, name, {"messages": MESSAGES, "stop": ["é"]})[1])
    assert out["choices"][0]["message"]["content"] == " Paris, naïve café"[:len(" Paris, naïve caf") + 1]
    assert out["choices"][0]["finish_reason"] == "stop_sequence" and out["usage"]["completion_tokens"] == 3
    # TGI's generate API ("inputs"): the queued answer as it was queued
    queued = _tgi(ANSWER, generated_tokens=8)
    _queue(localaws, region, queued)
    content_type, raw = _invoke(localaws, region, name, {"inputs": "Capital of France?", "parameters": {"details": True}})
    assert (content_type, raw.decode()) == ("application/json", queued["Body"])


# ------------------------------------------------------------------------------------ streamed
def _chat_sse(raw: bytes) -> list[Any]:
    events = raw.decode("utf-8")
    assert events.endswith("data: [DONE]\n\n"), events[-40:]
    out = _sse_events(events[:-len("data: [DONE]\n\n")].encode())
    assert raw == b"".join(b"data: " + _compact(e) + b"\n\n" for e in out) + b"data: [DONE]\n\n"
    return out


def _awkward(parts: list[bytes]) -> None:
    raw = b"".join(parts)
    ends = [sum(map(len, parts[:i + 1])) for i in range(len(parts) - 1)]
    assert any(0x80 <= raw[end] <= 0xBF for end in ends), "no part boundary inside a multi-byte character"
    assert any(raw[end - 1:end] != b"\n" for end in ends) and any(p.count(b"\n") >= 3 for p in parts)


def test_tgi_chat_stream(localaws: LocalAws) -> None:
    region = "ca-central-1"
    name = _endpoint(localaws, region, TGI_IMAGE)
    _queue(localaws, region, _tgi(ANSWER))
    r, events = _stream(_client(localaws, "sagemaker-runtime", region), name,
                        {"messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}})
    assert r["ContentType"] == "text/event-stream"
    parts = [e["PayloadPart"]["Bytes"] for e in events]
    _awkward(parts)
    sse = _chat_sse(b"".join(parts))
    head = {"object": "chat.completion.chunk", "id": "", "created": sse[0]["created"], "model": MODEL, "system_fingerprint": "3.3.6-sha-0000000"}
    # one chunk per token, the role in each; the EOS token (special) as "" with the finish reason
    expected = [{**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": t}, "logprobs": None,
                                      "finish_reason": "stop" if t == "" else None}], "usage": None} for t in [*WORDS, ""]]
    expected.append({**head, "choices": [], "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": len(WORDS) + 1,
                                                      "total_tokens": PROMPT_TOKENS + len(WORDS) + 1}})
    assert sse == expected and all(list(e)[0] == "object" for e in sse)

    # max_tokens: the last token carries "length"; no usage chunk unless asked
    _queue(localaws, region, _tgi(ANSWER))
    _, events = _stream(_client(localaws, "sagemaker-runtime", region), name, {"messages": MESSAGES, "stream": True, "max_tokens": 2})
    sse = _chat_sse(b"".join(e["PayloadPart"]["Bytes"] for e in events))
    assert [(e["choices"][0]["delta"]["content"], e["choices"][0]["finish_reason"]) for e in sse] == [(WORDS[0], None), (WORDS[1], "length")]


def test_vllm_chat_stream(localaws: LocalAws) -> None:
    region = "sa-east-1"
    name = _endpoint(localaws, region, VLLM_IMAGE)
    _queue(localaws, region, _tgi(ANSWER))
    _, events = _stream(_client(localaws, "sagemaker-runtime", region), name,
                        {"messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}, "stop": [" —"]})
    parts = [e["PayloadPart"]["Bytes"] for e in events]
    _awkward(parts)
    sse = _chat_sse(b"".join(parts))
    head = {"id": sse[0]["id"], "object": "chat.completion.chunk", "created": sse[0]["created"], "model": MODEL}
    assert head["id"].startswith("chatcmpl-") and all(list(e)[:4] == list(head) for e in sse)
    # a first chunk with the role only, then the text (the stop string left out), the finish with stop_reason, the usage
    assert sse == [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}]},
        {**head, "choices": [{"index": 0, "delta": {"content": WORDS[0]}, "logprobs": None, "finish_reason": None}]},
        {**head, "choices": [{"index": 0, "delta": {"content": WORDS[1]}, "logprobs": None, "finish_reason": None}]},
        {**head, "choices": [{"index": 0, "delta": {"content": WORDS[2]}, "logprobs": None, "finish_reason": "stop", "stop_reason": " —"}]},
        {**head, "choices": [], "usage": {"prompt_tokens": PROMPT_TOKENS, "total_tokens": PROMPT_TOKENS + 3, "completion_tokens": 3}},
    ]


def test_a_model_error_in_a_chat_stream_is_the_engines_error_event(localaws: LocalAws) -> None:
    for region, image, error in (
            ("eu-north-1", TGI_IMAGE, {"error": {"message": "Request failed during generation: boom", "http_status_code": 422}}),
            ("eu-south-1", VLLM_IMAGE, {"error": {"message": "Request failed during generation: boom", "type": "BadRequestError",
                                                  "param": None, "code": 400}})):
        name = _endpoint(localaws, region, image)
        _queue(localaws, region, {"Body": json.dumps({"error": "Request failed during generation: boom", "error_type": "generation"}),
                                  "ContentType": "application/json"})
        _, events = _stream(_client(localaws, "sagemaker-runtime", region), name, {"messages": MESSAGES, "stream": True})
        assert _chat_sse(b"".join(e["PayloadPart"]["Bytes"] for e in events)) == [error]


# ------------------------------------------------------------------------------------ fix 54
def _components(la: LocalAws, region: str) -> tuple[str, dict[str, str]]:
    """An endpoint without a model hosting two components: a TGI TinyLlama and a vLLM Qwen (engine from each image)."""
    sm = _client(la, "sagemaker", region)
    role = la.client("iam").create_role(RoleName=unique("sm"), AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    config, name, names = unique("config"), unique("endpoint"), {}
    sm.create_endpoint_config(EndpointConfigName=config, ExecutionRoleArn=role["Role"]["Arn"], ProductionVariants=[
        {"VariantName": "AllTraffic", "InitialInstanceCount": 1, "InstanceType": "ml.g5.xlarge",
         "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2}}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    for image, model_id in ((TGI_IMAGE, MODEL), (VLLM_IMAGE, "Qwen/Qwen2.5-0.5B-Instruct")):
        model, component = unique("model"), unique("ic")
        sm.create_model(ModelName=model, ExecutionRoleArn=role["Role"]["Arn"], PrimaryContainer={"Image": image, "Environment": {"HF_MODEL_ID": model_id}})
        sm.create_inference_component(InferenceComponentName=component, EndpointName=name, VariantName="AllTraffic", RuntimeConfig={"CopyCount": 1},
                                      Specification={"ModelName": model, "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1,
                                                                                                          "MinMemoryRequiredInMb": 1024}})
        names[model_id] = component
    return name, names


def _invoke_component(la: LocalAws, region: str, name: str, component: str, request: dict[str, Any]) -> Any:
    r = _client(la, "sagemaker-runtime", region).invoke_endpoint(
        EndpointName=name, InferenceComponentName=component, ContentType="application/json", Accept="application/json", Body=json.dumps(request))
    return json.loads(r["Body"].read())


def test_sagemaker_runtime_component_engine(localaws: LocalAws, without) -> None:
    region = "eu-west-2"
    with without("sagemaker_runtime_component_engine") as la:  # no model in the variant: TGI's shape, no model ID
        name, names = _components(la, region)
        _queue(la, region, _tgi(ANSWER))
        out = _invoke_component(la, region, name, names["Qwen/Qwen2.5-0.5B-Instruct"], {"messages": MESSAGES})
        assert out["model"] == "/opt/ml/model" and isinstance(out["system_fingerprint"], str)
    name, names = _components(localaws, region)
    _queue(localaws, region, _tgi(ANSWER))
    vllm = _invoke_component(localaws, region, name, names["Qwen/Qwen2.5-0.5B-Instruct"], {"messages": MESSAGES})
    assert vllm["model"] == "Qwen/Qwen2.5-0.5B-Instruct" and vllm["id"].startswith("chatcmpl-") and vllm.get("system_fingerprint") is None
    _queue(localaws, region, _tgi(ANSWER))
    tgi = _invoke_component(localaws, region, name, names[MODEL], {"messages": MESSAGES, "max_tokens": 3})
    assert tgi["model"] == MODEL and tgi["id"] == "" and isinstance(tgi["system_fingerprint"], str)
    _queue(localaws, region, _tgi(ANSWER))
    completion = _invoke_component(localaws, region, name, names["Qwen/Qwen2.5-0.5B-Instruct"], {"prompt": "Capital of France?"})
    assert completion["object"] == "text_completion" and completion["model"] == "Qwen/Qwen2.5-0.5B-Instruct"
