"""Fixes 50 and 54: the model container answers in its engine's own shape: TGI 3.x or vLLM, chat and completions.

No model runs on the local AWS: InvokeEndpoint and InvokeEndpointWithResponseStream (fix 43) answer
from moto's queue of canned results (`/moto-api/static/sagemaker/endpoint-results`), which tests and
tools/localaws/canned_answer.py fill with TGI's generate answer `[{"generated_text", "details"}]`.
A real container answers what the request asks for, so this fix turns such a queued answer into the
shape of the engine the endpoint runs, picked from its model's image (endpoint -> endpoint config ->
first production variant's model -> PrimaryContainer.Image): vLLM when the image's repository name
holds "vllm" (huggingface-vllm..., vllm), else TGI.

- A request with "messages" (OpenAI's chat request, which both engines take on SageMaker's
  /invocations and render with the model's own chat template) gets a `chat.completion`, or with
  "stream": true the engine's `chat.completion.chunk` Server-Sent Events ending in `data: [DONE]`
  (`stream_options.include_usage` adds the usage chunk with no choices).
- A request with "prompt" to a vLLM endpoint (its completions API) gets a `text_completion` (not
  streamed: the shim never streams /invoke, so streamed completions are not emulated).
- A request with "inputs" (TGI's generate API) is answered as before: fix 43 for streams, the queued
  body as is otherwise.
- A queued body that is not a TGI answer (already the engine's shape, other content types, errors)
  is sent as queued; a TGI error {"error", "error_type"} to a chat stream becomes the engine's error
  event then `data: [DONE]`.

The text is the queued generated_text in fix 43's token-like pieces; "max_tokens" (or
"max_completion_tokens") below their count cuts it (finish_reason "length"), and the first "stop"
string found ends it: TGI keeps the stop string in the text (finish_reason "stop_sequence"), vLLM
leaves it out (finish_reason "stop", stop_reason the string). TGI reports eos_token as "stop" in its
chat API (FinishReason::format(true)). Made up but fixed: prompt_tokens (1 + for each message 3 +
its pieces), the completion tokens of an answer that ends at EOS (its pieces + 1), vLLM's id
(`chatcmpl-`/`cmpl-` and 32 hex digits from the request) and TGI's system_fingerprint label.

Fix 54 (`sagemaker_runtime_component_engine`): an endpoint that hosts inference components (`scaling zero`)
has no model in its variant; its answers come from the model of the component the request names
(`X-Amzn-SageMaker-Inference-Component`, else the endpoint's first component): its image picks the engine
and its HF_MODEL_ID is the answer's model, so each of several models answers as itself.

Shapes, from the engines' sources:
- TGI (router/src/lib.rs ChatCompletion, ChatCompletionChunk, serialized by serde_json through the
  `CompletionType` enum, so "object" comes first; router/src/chat.rs; server.rs chat_completions):
  id "", created, model (the container's model id), system_fingerprint "<version>-<docker label>",
  choices[{index, message{role, content}, logprobs null, finish_reason}], usage{prompt_tokens,
  completion_tokens, total_tokens}. Each streamed token is one chunk whose delta carries the role
  and the text (a special token's text as ""), "usage": null; the last token's chunk has the
  finish_reason; then the usage chunk (id "", choices []) when asked; then `data: [DONE]`.
- vLLM (vllm/entrypoints/openai protocol ChatCompletionResponse, serving_chat; model_dump for the
  buffered answer, model_dump_json(exclude_unset=True) per chunk): id "chatcmpl-<hex>", model the
  served model name, vLLM's extra fields null; the stream is a first chunk with delta {role,
  content ""}, one chunk per token with delta {content}, the last with finish_reason and
  stop_reason, then the usage chunk (choices [], usage {prompt_tokens, total_tokens,
  completion_tokens}) when asked, then `data: [DONE]`. Errors: {"error": {"message", "type",
  "param", "code"}}.
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import time
from typing import Any
from urllib.parse import unquote

import stream_patches
from stream_patches import pieces


# ------------------------------------------------------------------------------ which engine
def endpoint_engine(account: str, region: str, name: str) -> tuple[str, str, str]:
    """(engine "tgi" or "vllm", the container's model id, the image tag) of an endpoint in moto."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    try:
        config = backend.endpoint_configs[backend.endpoints[name].endpoint_config_name]
        return model_engine(account, region, config.production_variants[0]["ModelName"])
    except (KeyError, IndexError, AttributeError, TypeError):
        return model_engine(account, region, None)


def model_engine(account: str, region: str, model_name: str | None) -> tuple[str, str, str]:
    """(engine, model id, image tag) of a SageMaker model in moto, from its container's image and environment."""
    from moto.sagemaker.models import sagemaker_backends

    image, env = "", {}
    try:
        container = sagemaker_backends[account][region]._models[model_name].primary_container or {}
        image, env = str(container.get("Image") or ""), container.get("Environment") or {}
    except (KeyError, AttributeError, TypeError):
        pass
    repository, _, tag = image.rpartition("/")[2].partition(":")
    engine = "vllm" if "vllm" in repository else "tgi"
    model = env.get("HF_MODEL_ID") or env.get("SM_VLLM_MODEL") or "/opt/ml/model"
    return engine, str(model), tag


# ------------------------------------------------------------------------------ the generation
def _json(obj: Any) -> str:
    # serde_json and vLLM's JSONResponse/pydantic alike: compact, non-ASCII as is
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _sse(obj: Any) -> str:
    return "data: " + (obj if isinstance(obj, str) else _json(obj)) + "\n\n"


def generation(engine: str, request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The tokens the engine sends for `answer` to `request`: texts, finish_reason, stop_reason, usage."""
    details = answer.get("details") if isinstance(answer.get("details"), dict) else {}
    texts = pieces(str(answer["generated_text"]))
    finish, stop_reason = details.get("finish_reason", "eos_token"), None
    limit = request.get("max_tokens", request.get("max_completion_tokens"))
    if isinstance(limit, int) and 0 < limit < len(texts):
        texts, finish = texts[:limit], "length"
    stops = request.get("stop")
    stops = [stops] if isinstance(stops, str) else [s for s in stops or [] if isinstance(s, str) and s]
    text = "".join(texts)
    hits = sorted((text.index(s), s) for s in stops if s in text)
    if hits:
        at, stop = hits[0]
        end = at + (len(stop) if engine == "tgi" else 0)
        kept, out = 0, []
        for t in texts:  # the pieces up to the cut, the last one shortened
            if kept >= end:
                break
            out.append(t[:end - kept])
            kept += len(t)
        texts, finish, stop_reason = out, "stop_sequence", stop
    generated = len(texts) + (1 if finish == "eos_token" else 0)
    if finish == "eos_token" and isinstance(details.get("generated_tokens"), int):
        generated = details["generated_tokens"]
    messages = request.get("messages") if isinstance(request.get("messages"), list) else []
    prompt = 1 + sum(3 + len(pieces(str(m.get("content", "")))) for m in messages if isinstance(m, dict))
    if "prompt" in request:
        prompt = 1 + len(pieces(str(request["prompt"])))
    if engine == "tgi":
        reason = "stop" if finish == "eos_token" else finish  # FinishReason::format(true)
    else:
        reason = "length" if finish == "length" else "stop"
    return {"texts": texts, "eos": finish == "eos_token", "finish_reason": reason, "stop_reason": stop_reason,
            "usage": (prompt, generated)}


def _vllm_id(prefix: str, request: dict[str, Any]) -> str:
    return prefix + hashlib.md5(_json(request).encode()).hexdigest()


def _tgi_usage(usage: tuple[int, int]) -> dict[str, int]:
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}


def _vllm_usage(usage: tuple[int, int], details: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"prompt_tokens": usage[0], "total_tokens": sum(usage), "completion_tokens": usage[1]}
    if details:
        out["prompt_tokens_details"] = None
    return out


# ------------------------------------------------------------------------------ buffered answers
def chat_completion(engine: str, model: str, tag: str, request: dict[str, Any], answer: dict[str, Any]) -> str:
    """The engine's `chat.completion` body for `answer` to a chat request."""
    g = generation(engine, request, answer)
    text, now = "".join(g["texts"]), int(time.time())
    if engine == "tgi":
        return _json({"object": "chat.completion", "id": "", "created": now, "model": model, "system_fingerprint": _fingerprint(tag),
                      "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                                   "finish_reason": g["finish_reason"]}],
                      "usage": _tgi_usage(g["usage"])})
    message = {"role": "assistant", "content": text, "refusal": None, "annotations": None, "audio": None,
               "function_call": None, "tool_calls": [], "reasoning_content": None}
    return _json({"id": _vllm_id("chatcmpl-", request), "object": "chat.completion", "created": now, "model": model,
                  "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": g["finish_reason"],
                               "stop_reason": g["stop_reason"], "token_ids": None}],
                  "service_tier": None, "system_fingerprint": None, "usage": _vllm_usage(g["usage"]),
                  "prompt_logprobs": None, "prompt_token_ids": None, "kv_transfer_params": None})


def text_completion(model: str, request: dict[str, Any], answer: dict[str, Any]) -> str:
    """vLLM's `text_completion` body (its completions API, a "prompt" request) for `answer`."""
    g = generation("vllm", request, answer)
    return _json({"id": _vllm_id("cmpl-", request), "object": "text_completion", "created": int(time.time()), "model": model,
                  "choices": [{"index": 0, "text": "".join(g["texts"]), "logprobs": None, "finish_reason": g["finish_reason"],
                               "stop_reason": g["stop_reason"], "token_ids": None, "prompt_logprobs": None, "prompt_token_ids": None}],
                  "service_tier": None, "system_fingerprint": None, "usage": _vllm_usage(g["usage"]), "kv_transfer_params": None})


def _fingerprint(tag: str) -> str:
    # "<TGI version>-<docker label>": the version from a SageMaker tag such as 2.7.0-tgi3.3.6-gpu-...
    version = next((p[3:] for p in tag.split("-") if p.startswith("tgi")), "3.3.6")
    return f"{version}-sha-0000000"


# ------------------------------------------------------------------------------ streamed answers
def chat_stream(engine: str, model: str, tag: str, request: dict[str, Any], answer: dict[str, Any]) -> str:
    """The engine's chat Server-Sent Events for `answer` (or for a TGI error) to a streamed chat request."""
    options = request.get("stream_options") if isinstance(request.get("stream_options"), dict) else {}
    usage_asked = options.get("include_usage") is True
    now = int(time.time())
    if "error" in answer and "generated_text" not in answer:
        message = str(answer["error"])
        error = {"error": {"message": message, "http_status_code": 422}} if engine == "tgi" else \
            {"error": {"message": message, "type": "BadRequestError", "param": None, "code": 400}}
        return _sse(error) + _sse("[DONE]")
    g = generation(engine, request, answer)
    events: list[Any] = []
    if engine == "tgi":
        head = {"object": "chat.completion.chunk", "id": "", "created": now, "model": model, "system_fingerprint": _fingerprint(tag)}
        texts = g["texts"] + ([""] if g["eos"] else []) or [""]  # the EOS token: special, content ""
        for i, text in enumerate(texts):
            last = i == len(texts) - 1
            events.append({**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "logprobs": None,
                                                "finish_reason": g["finish_reason"] if last else None}], "usage": None})
        if usage_asked:
            events.append({**head, "choices": [], "usage": _tgi_usage(g["usage"])})
    else:
        head = {"id": _vllm_id("chatcmpl-", request), "object": "chat.completion.chunk", "created": now, "model": model}
        events.append({**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}]})
        texts = g["texts"] + ([""] if g["eos"] or not g["texts"] else [])
        for i, text in enumerate(texts):
            choice: dict[str, Any] = {"index": 0, "delta": {"content": text}, "logprobs": None, "finish_reason": None}
            if i == len(texts) - 1:
                choice.update(finish_reason=g["finish_reason"], stop_reason=g["stop_reason"])
            events.append({**head, "choices": [choice]})
        if usage_asked:
            events.append({**head, "choices": [], "usage": _vllm_usage(g["usage"], details=False)})
    return "".join(_sse(e) for e in events) + _sse("[DONE]")


# ------------------------------------------------------------------------------ the fix
def engine_answer(request: Any, body: Any, content_type: str | None, where: tuple[str, str, str] | None,
                  stream: bool) -> tuple[bytes, str | None] | None:
    """(payload, content type) in the endpoint's engine shape, or None to leave the answer as it is."""
    if where is None or not isinstance(request, dict) or not ("messages" in request or "prompt" in request):
        return None
    queued = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    answer = stream_patches._tgi_answer(queued, content_type) if isinstance(queued, str) else None
    if answer is None:
        return None
    engine, model, tag = endpoint_engine(*where)
    if "messages" in request:
        if request.get("stream") is True:
            return chat_stream(engine, model, tag, request, answer).encode(), "text/event-stream"
        if "generated_text" in answer:
            return chat_completion(engine, model, tag, request, answer).encode(), "application/json"
    elif engine == "vllm" and not stream and "generated_text" in answer:
        return text_completion(model, request, answer).encode(), "application/json"
    return None


def sagemaker_runtime_engine_answers() -> None:
    """InvokeEndpoint and InvokeEndpointWithResponseStream answer chat and completions requests as the engine does."""
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    original = SageMakerRuntimeResponse.invoke_endpoint

    def invoke_endpoint(self: Any) -> Any:
        status, headers, body = original(self)
        if status != 200:
            return status, headers, body
        parts = self.path.split("?")[0].split("/")
        where = (self.current_account, self.region, unquote(parts[2])) if len(parts) > 3 and parts[1] == "endpoints" else None
        try:
            request = json.loads(self.body or "null")
        except ValueError:
            request = None
        out = engine_answer(request, body, headers.get("Content-Type"), where, stream=False)
        if out is None:
            return status, headers, body
        return status, dict(headers, **{"Content-Type": out[1]}), out[0]

    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint  # type: ignore[method-assign]

    original_container = stream_patches.container_answer

    def container_answer(request_body: str, body: Any, content_type: str | None,
                         where: tuple[str, str, str] | None = None) -> tuple[bytes, str | None]:
        try:
            request = json.loads(request_body or "null")
        except ValueError:
            request = None
        out = engine_answer(request, body, content_type, where, stream=True)
        return out if out is not None else original_container(request_body, body, content_type, where)

    stream_patches.container_answer = container_answer


# ------------------------------------------------------------------------------ fix 54
NAMED_COMPONENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("localaws_component", default=None)


def sagemaker_runtime_component_engine() -> None:
    """An endpoint with inference components answers as the named component's model (see the module)."""
    import component_patches
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    plain = endpoint_engine

    def component_engine(account: str, region: str, name: str) -> tuple[str, str, str]:
        hosted = [c for c in component_patches.components(account, region).values() if c["endpoint"] == name]
        if not hosted:
            return plain(account, region, name)
        comp = next((c for c in hosted if c["name"] == NAMED_COMPONENT.get()), hosted[0])
        return model_engine(account, region, (comp.get("specification") or {}).get("ModelName"))

    globals()["endpoint_engine"] = component_engine

    def remember(original: Any) -> Any:
        def call(self: Any) -> Any:
            token = NAMED_COMPONENT.set(self.headers.get("X-Amzn-SageMaker-Inference-Component"))
            try:
                return original(self)
            finally:
                NAMED_COMPONENT.reset(token)
        return call

    for attr in ("invoke_endpoint", "invoke_endpoint_with_response_stream"):
        if hasattr(SageMakerRuntimeResponse, attr):
            setattr(SageMakerRuntimeResponse, attr, remember(getattr(SageMakerRuntimeResponse, attr)))
