"""Fix 43: SageMaker Runtime InvokeEndpointWithResponseStream, answered as a TGI container on AWS answers.

moto 5.2.1 has no such operation (and routes its path to the SageMaker control plane). This adds
POST /endpoints/{EndpointName}/invocations-response-stream, SigV4-checked like every route and
authorized as the IAM action sagemaker:InvokeEndpoint (the action its API reference names).

The answer (200, Content-Type application/vnd.amazon.eventstream) is AWS event-stream framing:
12-byte prelude (total length, headers length, CRC32 of both), string headers, payload, CRC32 of all
before it. The container's bytes come in `PayloadPart` events (headers :event-type PayloadPart,
:content-type application/octet-stream, :message-type event; the payload is the raw bytes). A failure
mid-stream is an exception event (:exception-type ModelStreamError or InternalStreamFailure,
:content-type application/json, :message-type exception; payload {"Message", "ErrorCode"}) after which
the stream ends. Headers X-Amzn-SageMaker-Content-Type, x-Amzn-Invoked-Production-Variant and
X-Amzn-SageMaker-Custom-Attributes carry the container's answer as for InvokeEndpoint. An endpoint that
does not exist is refused before any stream, like InvokeEndpoint (fix 40): HTTP 400 ValidationError
"Endpoint <name> of account <account> not found.".

The payload is cut into parts at awkward but deterministic places (mid-line, inside a UTF-8
character, several lines in one part), as a real network may deliver it, so clients must buffer by line.

What the container says comes from moto's InvokeEndpoint queue (shared: the first new request, keyed
like moto by endpoint, X-Amzn-SageMaker-* headers, Accept and body, takes the next entry; the same
request again gets the same entry):

    POST /moto-api/static/sagemaker/endpoint-results
    {"account_id": "123456789012", "region": "us-east-1", "results": [
      {"Body": "[{\\"generated_text\\": \\" Paris.\\", \\"details\\": {\\"finish_reason\\": \\"eos_token\\"}}]",
       "ContentType": "application/json"},
      {"Body": "data: {...}\\n\\n", "ContentType": "text/event-stream"},
      {"Body": "...", "ContentType": "...",
       "StreamError": {"AfterBytes": 120, "Exception": "ModelStreamError",
                       "ErrorCode": "ModelInvocationTimeExceeded", "Message": "..."}}]}

- A TGI answer (ContentType application/json or none; Body a JSON list whose first element, or an
  object, has a string "generated_text"; "details" optional) to a request whose JSON has "stream": true
  becomes TGI's generate_stream Server-Sent Events (`tgi_stream`); to any other request it is sent as
  queued (TGI's non-stream answer is that JSON list). A TGI error {"error", "error_type"} to a stream
  request becomes TGI's one error event.
- ContentType text/event-stream: the Body is sent byte for byte.
- Anything else, and moto's static answer when nothing is queued ("body", ContentType "content_type",
  variant "invoked_production_variant", custom attributes "custom_attributes"): the Body as is.
- StreamError (localaws only, optional): after AfterBytes bytes of the payload (default 0) the stream
  ends with that exception event (Exception default ModelStreamError; ErrorCode default StreamBroken,
  only for ModelStreamError; Message default "localaws: the model stream broke").

TGI's events (router/src/server.rs generate_stream, axum 0.7 Sse, TGI >= 2.1.0): `data: <json>\\n\\n`,
compact JSON, UTF-8 unescaped, keys in this order; index from 1; `top_tokens` omitted when empty:
    {"index":1,"token":{"id":..,"text":" Paris","logprob":-0.1,"special":false},"generated_text":null,"details":null}
the last: the token that ended generation ("</s>", special, for eos_token) with "generated_text" (the
prompt first unless "return_full_text": false, the default on SageMaker's /invocations for a
text-generation model) and "details" {"finish_reason","generated_tokens","seed","input_length"} only
when parameters.details is true. Token texts are the answer's words with their leading space; ids and
logprobs are made up but fixed. "max_new_tokens" below the count cuts the answer (finish_reason
"length"). Not emulated: top_n_tokens, stop sequences, best_of, the 15 s ":" keep-alive comments.
"""
from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from typing import Any
from urllib.parse import unquote

STREAM_PATH = r"{0}/endpoints/(?P<name>[^/]+)/invocations-response-stream$"
QUEUE_PATH = "{0}/moto-api/static/sagemaker/endpoint-results"
EVENT_STREAM = "application/vnd.amazon.eventstream"
PART_SIZES = (9, 1, 37, 2, 333, 5, 120, 3)  # cycled; 333 spans several SSE lines
EOS = {"id": 2, "text": "</s>", "special": True}  # Llama/Mistral's end-of-sequence token


# ------------------------------------------------------------------------------ event-stream framing
def _string_header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return bytes([len(n)]) + n + b"\x07" + struct.pack(">H", len(v)) + v  # 7: string, 2-byte length


def frame(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    """One event-stream message: prelude, prelude CRC, headers, payload, message CRC (CRC32, big-endian)."""
    raw = b"".join(_string_header(k, v) for k, v in headers)
    prelude = struct.pack(">II", 12 + len(raw) + len(payload) + 4, len(raw))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw + payload
    return message + struct.pack(">I", zlib.crc32(message))


def part_cuts(payload: bytes) -> list[int]:
    """Offsets where one PayloadPart ends and the next begins: the PART_SIZES cycle, plus one cut
    after the first byte of the first multi-byte UTF-8 character (clients must not decode per part)."""
    cuts, pos, i = set(), 0, 0
    while True:
        pos += PART_SIZES[i % len(PART_SIZES)]
        i += 1
        if pos >= len(payload):
            break
        cuts.add(pos)
    lead = next((j for j, b in enumerate(payload) if b >= 0xC0), None)
    if lead is not None and lead + 1 < len(payload):
        cuts.add(lead + 1)
    return sorted(cuts)


def event_stream(payload: bytes, error: dict[str, Any] | None = None) -> bytes:
    """PayloadPart events for `payload` (cut by `part_cuts`), ended by `error`'s exception event if given."""
    if error is not None:
        payload = payload[:max(0, int(error.get("AfterBytes", 0)))]
    bounds = [0, *part_cuts(payload), len(payload)] if payload else [0]
    parts = [frame([(":event-type", "PayloadPart"), (":content-type", "application/octet-stream"),
                    (":message-type", "event")], payload[a:b]) for a, b in zip(bounds, bounds[1:])]
    if error is not None:
        kind = error.get("Exception", "ModelStreamError")
        body = {"Message": error.get("Message", "localaws: the model stream broke")}
        if kind == "ModelStreamError":
            body["ErrorCode"] = error.get("ErrorCode", "StreamBroken")
        parts.append(frame([(":exception-type", kind), (":content-type", "application/json"),
                            (":message-type", "exception")], json.dumps(body).encode()))
    return b"".join(parts)


# ------------------------------------------------------------------------------ TGI's stream
def _sse(obj: Any) -> str:
    # serde_json as axum's Event::json_data writes it: compact, non-ASCII as is, "data: " before
    return "data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n\n"


def pieces(text: str) -> list[str]:
    """Token-like pieces: each word with the whitespace before it (trailing whitespace joins the last)."""
    parts = re.findall(r"\s*\S+", text)
    rest = text[len("".join(parts)):]
    if rest:
        parts = parts[:-1] + [(parts[-1] if parts else "") + rest]
    return parts


def _token(text: str, special: bool = False) -> dict[str, Any]:
    crc = zlib.crc32(text.encode())
    logprob = -(((crc >> 8) % 1000) + 1) / 1000  # fixed, made up; 3 decimals print alike in Rust and Python
    if special:
        return {"id": EOS["id"], "text": text, "logprob": logprob, "special": True}
    return {"id": 10 + crc % 32000, "text": text, "logprob": logprob, "special": False}


def _sampling(params: dict[str, Any] | None) -> bool:
    """TGI samples (and reports a seed) when do_sample is set or a warper is; a request without
    "parameters" gets do_sample true (router/src/lib.rs default_parameters)."""
    if params is None:
        return True
    num = lambda k, d: params.get(k) if isinstance(params.get(k), (int, float)) else d  # noqa: E731
    return (params.get("do_sample") is True or num("temperature", 1.0) != 1.0 or num("top_k", 0) != 0
            or num("top_p", 1.0) < 1.0 or num("typical_p", 1.0) < 1.0)


def tgi_stream(request: dict[str, Any], answer: dict[str, Any]) -> str:
    """TGI's generate_stream events for `answer` (generated_text, details) to `request` (inputs, parameters)."""
    if "error" in answer and "generated_text" not in answer:
        return _sse({"error": str(answer["error"]), "error_type": str(answer.get("error_type", "generation"))})
    params = request.get("parameters") if isinstance(request.get("parameters"), dict) else None
    p = params or {}
    details = answer.get("details") if isinstance(answer.get("details"), dict) else {}
    text = str(answer["generated_text"])
    finish = details.get("finish_reason", "eos_token")
    tokens = [_token(x) for x in pieces(text)]
    if finish == "eos_token":
        tokens.append(_token(EOS["text"], special=True))
    elif not tokens:
        tokens.append(_token(""))
    generated = details.get("generated_tokens", len(tokens))
    limit = p.get("max_new_tokens")
    if isinstance(limit, int) and 0 < limit < len(tokens):
        tokens, finish, generated = tokens[:limit], "length", limit
        text = "".join(t["text"] for t in tokens if not t["special"])
    inputs = str(request.get("inputs", ""))
    full = p.get("return_full_text")
    final_text = inputs + text if full is None or full is True else text
    seed = None
    if _sampling(params):
        seed = p.get("seed") if isinstance(p.get("seed"), int) else zlib.crc32(inputs.encode())
    final_details = None
    if p.get("details") is True:
        final_details = {"finish_reason": finish, "generated_tokens": generated,
                         "seed": details.get("seed", seed),
                         "input_length": details.get("input_length", len(pieces(inputs)) + 1)}  # + BOS
    events = [{"index": i, "token": t, "generated_text": None, "details": None} for i, t in enumerate(tokens, 1)]
    events[-1].update(generated_text=final_text, details=final_details)
    return "".join(_sse(e) for e in events)


def _tgi_answer(body: str, content_type: str | None) -> dict[str, Any] | None:
    """The queued body as a TGI answer (object with generated_text, or error), or None."""
    if content_type is not None and content_type.split(";")[0].strip() != "application/json":
        return None
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return None
    if isinstance(parsed, list) and parsed:
        parsed = parsed[0]
    if isinstance(parsed, dict) and (isinstance(parsed.get("generated_text"), str) or "error" in parsed):
        return parsed
    return None


def container_answer(request_body: str, body: Any, content_type: str | None,
                     where: tuple[str, str, str] | None = None) -> tuple[bytes, str | None]:
    """(payload bytes, content type) the container sends for a queued result (module docstring).

    `where` (account, region, endpoint name) is for fix 50 (engine_answers.py), which replaces this
    function to answer chat requests in the endpoint's engine shape and calls it for the rest.
    """
    raw = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else json.dumps(body).encode()
    if content_type and content_type.split(";")[0].strip() == "text/event-stream":
        return raw, content_type
    try:
        request = json.loads(request_body or "null")
    except ValueError:
        request = None
    answer = _tgi_answer(body, content_type)
    if isinstance(request, dict) and request.get("stream") is True and answer is not None:
        return tgi_stream(request, answer).encode(), "text/event-stream"
    return raw, content_type


# ------------------------------------------------------------------------------ the fix
def sagemaker_runtime_response_stream() -> None:
    """InvokeEndpointWithResponseStream: route, IAM action, stream answer, and StreamError in the queue."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.access_control import IAMRequest
    from moto.moto_api._internal import urls as api_urls
    from moto.moto_api._internal.responses import MotoAPIResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sagemaker.models import sagemaker_backends
    from moto.sagemakerruntime import urls
    from moto.sagemakerruntime.models import sagemakerruntime_backends
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    urls.url_paths[STREAM_PATH] = urls.response.dispatch

    # moto sends signed "sagemaker" requests to the runtime only for paths ending in "invocations"
    original_host = DomainDispatcherApplication.infer_service_region_host

    def infer_service_region_host(self: Any, environ: dict[str, Any], path: str) -> str | None:
        host = original_host(self, environ, path)
        if host and host.startswith("api.sagemaker.") and path.endswith("/invocations-response-stream"):
            return "runtime." + host[len("api."):]
        return host

    DomainDispatcherApplication.infer_service_region_host = infer_service_region_host  # type: ignore[method-assign]

    class InvokeRequest(IAMRequest):
        """The operation is authorized as sagemaker:InvokeEndpoint (its API reference says so)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if self._action == "sagemaker:InvokeEndpointWithResponseStream":
                self._action = "sagemaker:InvokeEndpoint"

    def _authenticate_and_authorize_normal_action(self: Any, resource: str = "*") -> None:
        self._authenticate_and_authorize_action(InvokeRequest, resource)

    SageMakerRuntimeResponse._authenticate_and_authorize_normal_action = _authenticate_and_authorize_normal_action  # type: ignore[method-assign]

    def invoke_endpoint_with_response_stream(self: Any) -> Any:
        parts = self.path.split("?")[0].split("/")
        name = unquote(parts[2]) if len(parts) > 3 and parts[1] == "endpoints" else ""
        if name not in sagemaker_backends[self.current_account][self.region].endpoints:
            message = f"Endpoint {name} of account {self.current_account} not found."
            return 400, {"status": 400, "Content-Type": "application/json", "x-amzn-ErrorType": "ValidationError"}, \
                json.dumps({"message": message})
        # the queue key exactly as moto's invoke_endpoint builds it
        unique = {k: v for k, v in self.headers.items() if k.lower().startswith("x-amzn-sagemaker")}
        unique["Accept"] = self.headers.get("Accept")
        unique["Body"] = self.body
        result = self.sagemakerruntime_backend.invoke_endpoint(
            endpoint_name=name, unique_repr=base64.b64encode(json.dumps(unique).encode("utf-8")))
        body, content_type, variant, attributes = result
        payload, out_type = container_answer(self.body, body, content_type, (self.current_account, self.region, name))
        headers = {"Content-Type": EVENT_STREAM}
        if out_type:
            headers["X-Amzn-SageMaker-Content-Type"] = out_type
        if variant:
            headers["x-Amzn-Invoked-Production-Variant"] = variant
        if attributes:
            headers["X-Amzn-SageMaker-Custom-Attributes"] = attributes
        return 200, headers, event_stream(payload, getattr(result, "stream_error", None))

    SageMakerRuntimeResponse.invoke_endpoint_with_response_stream = invoke_endpoint_with_response_stream  # type: ignore[attr-defined]

    class Queued(tuple):  # moto's 4-tuple, plus the entry's StreamError
        stream_error: dict[str, Any] | None = None

    def set_sagemaker_result(request: Any, full_url: str, headers: Any) -> Any:
        body = MotoAPIResponse()._get_body(headers, request)
        backend = sagemakerruntime_backends[body.get("account_id", DEFAULT_ACCOUNT_ID)][body.get("region", "us-east-1")]
        for r in body.get("results", []):
            queued = Queued((r["Body"], r.get("ContentType"), r.get("InvokedProductionVariant"), r.get("CustomAttributes")))
            error = r.get("StreamError")
            queued.stream_error = error if isinstance(error, dict) else None
            backend.results_queue.append(queued)
        return 201, {}, ""

    api_urls.url_paths[QUEUE_PATH] = set_sagemaker_result
