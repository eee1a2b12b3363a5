# slmstack Lambda shim: API Gateway (REST API, AWS_PROXY, payload 1.0) -> SageMaker real-time
# endpoint running Hugging Face TGI 3.x or vLLM. Python stdlib + the boto3 the Lambda runtime ships.
#
# Routes (any other resource -> 404, any method but POST -> 405):
#   POST /invoke               {"prompt": str, "parameters"?: {TGI names in PARAMS}}: the prompt as
#                              is, no chat template -> {"generated_text", "prompt" (as sent to the
#                              model), "parameters" (as applied), "finish_reason", "usage"}
#   POST /v1/chat/completions  OpenAI chat request (fields in CHAT) -> OpenAI "chat.completion"
#   GET  /v1/models            OpenAI model list: MODEL_ID, or every model of MODELS
# and the API's key authorizer: an event with "type": "REQUEST" -> authorize() (see there).
# Chat goes to the engine's own chat API (OpenAI "messages" on SageMaker's /invocations, which both
# engines take), so the model's own chat template renders it; /invoke goes to TGI's generate API
# ("inputs") or vLLM's completions API ("prompt").
# Environment, set by the stack:
#   ENDPOINT_NAME, MODEL_ID (the "model" of chat answers; picks the tokenizer bound in PIECE),
#   ENGINE ("tgi", the default, or "vllm"), MAX_INPUT_TOKENS and MAX_TOTAL_TOKENS (the limits),
#   LOG_PROMPTS ("true" adds prompt and completion to the log line), PAUSED ("true" -> 503 "paused"
#   without calling SageMaker), SAGEMAKER_TIMEOUT (seconds to wait for the endpoint: the Lambda
#   timeout - 3, at least 1; default 25), STREAMING ("true" in the streaming function, serve.py,
#   which imports this file as index and answers "stream": true itself), INFERENCE_COMPONENT
#   (scaling zero: the component every call names) and WAKE_SECONDS (how long a wake takes), MODELS
#   (several models: a JSON object of model ID -> inference component; a request's "model" picks
#   one, absent: MODEL_ID, unknown: 404 model_not_found; /invoke then takes "model" too).
# Every error body has OpenAI's shape, on both routes: {"error": {"message": a string that names
# the field and what was expected, "type": invalid_request_error | rate_limit_error | server_error,
# "param": the field or null, "code": snake_case}}; 5xx messages carry the request id and no text
# from SageMaker or the model. Every body is strict JSON (no NaN, no lone surrogates).
#
# Comment-only and blank lines are free: the synth drops them before inlining (Tests/shim/inline.py).
import base64
import json
import os
import re
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

# One client per container. No retries, and a read timeout of SAGEMAKER_TIMEOUT seconds: the stack
# sets it 3 s under the Lambda timeout (itself under API Gateway's 29 s integration limit), so the
# shim answers 504 before Lambda stops it and the gateway answers a bare 502. Unset: 25.
WAIT = max(1, int(os.environ.get("SAGEMAKER_TIMEOUT") or 25))
SM = boto3.client("sagemaker-runtime", config=Config(connect_timeout=min(2, WAIT), read_timeout=WAIT, retries={"total_max_attempts": 1}))
# Lambda's synchronous response limit (6 MB = 6,291,456 bytes) counts the whole returned object,
# the body escaped once more; API Gateway's 10 MB is larger. Kept under it with room for headers.
MAX_RESPONSE = 6_000_000

INT, NUM, BOOL, STR, LIST, OBJ = (int,), (int, float), (bool,), (str,), (list,), (dict,)
WHAT = {INT: "an integer", NUM: "a number", BOOL: "a boolean", STR: "a string", LIST: "an array", OBJ: "an object"}
# TGI parameter -> (types, low, high, low excluded). "max_new_tokens" runs 1..cap with
# cap = MAX_TOTAL_TOKENS - MAX_INPUT_TOKENS; more is refused (400), never clamped, so a client
# never silently gets a shorter answer than it asked for. "stop": 1-4 non-empty strings.
PARAMS = {
    "max_new_tokens": None, "stop": None,
    "temperature": (NUM, 0, 2), "top_p": (NUM, 0, 1, True), "top_k": (INT, 1, 10**6),
    "repetition_penalty": (NUM, 0, 10, True), "seed": (INT, 0, 2**64 - 1), "do_sample": (BOOL,),
}
# Top-level fields: a str forwards the value as that parameter (TGI's name; OPENAI has the OpenAI
# names the chat and completions APIs take where they differ); a tuple is a spec for check().
# Anything not listed -> 400 unknown_field. "model" may be any string (answers name MODEL_ID) unless
# MODELS is set (see route);
# "n" must be 1, "user" is ignored; "stream" (and "stream_options") only where STREAMING is "true":
# the streaming function (serve.py) answers those.
CHAT = {
    "model": (STR,), "messages": (LIST,), "n": (INT, 1, 1), "user": (STR,), "stream": (BOOL,), "stream_options": (OBJ,),
    "max_tokens": "max_new_tokens", "max_completion_tokens": "max_new_tokens",
    "temperature": "temperature", "top_p": "top_p", "stop": "stop", "seed": "seed",
}
OPENAI = {"max_new_tokens": "max_tokens"}
# "system" is refused with a hint: without a chat template there is nowhere to put it
INVOKE = {"prompt": (STR,), "system": (STR,), "parameters": (OBJ,)}
ROLES = ("system", "user", "assistant")
ENGINES = ("tgi", "vllm")
SURROGATE = re.compile("[\ud800-\udfff]").search
# The longest piece of the model's tokenizer vocabulary, in characters, by MODEL_ID prefix. A
# prompt of n characters is then at least ceil(n / piece) tokens, so a prompt refused on that
# bound is certainly too long; everything else goes to the engine, whose length error becomes 413.
# Llama 2's SentencePiece vocabulary (TinyLlama uses it unchanged): 16, SentencePiece's
# max_sentencepiece_length, checked over all 32,000 pieces; its normalizer only adds characters
# (a leading "▁"), byte-fallback pieces and special tokens are shorter. For chat the bound counts
# the contents only (the model's own template only adds to them). Other tokenizers: no bound here,
# the engine decides.
PIECE = {"TinyLlama/": 16, "meta-llama/Llama-2-": 16}
# 429 and 5xx from the model call: code, hint; the message ends with the request id
UPSTREAM = {
    429: ("throttled", "too many requests, retry later; "),
    500: ("internal_error", ""),
    502: ("upstream_error", "the model call failed; "),
    503: ("model_unavailable", "the model endpoint is missing or not in service, see `slmstack status`; "),
    504: ("timeout", "the model did not answer in time; "),
}


# An answer other than 200: status, code, param (the field, or None), message.
class Fail(Exception):
    pass


def fail(status, code, param, text):
    # a field's name comes from the client: kept short
    param = param and param[:100]
    raise Fail(status, code, param, f"{param}: {text}" if param else text)


# OpenAI's error body: the `openai` client raises BadRequestError etc. and reads code and param.
def error(status, code, param, message):
    kind = "rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def check(name, v, types, lo=None, hi=None, open_lo=False):
    # null counts as absent everywhere, so None means the field is missing
    if v is None:
        fail(400, "missing_field", name, f"required, expected {WHAT[types]}")
    # type() rather than isinstance(): true/false are not numbers here
    if type(v) not in types:
        fail(400, "invalid_type", name, f"expected {WHAT[types]}")
    if lo is not None and not (lo < v <= hi if open_lo else lo <= v <= hi):
        fail(400, "out_of_range", name, f"expected {WHAT[types]} in {'(' if open_lo else '['}{lo}, {hi}]")
    return v


def no_surrogates(body):
    # JSON can escape half of a surrogate pair ("\ud800"): no Unicode text, the model cannot take
    # it and strict JSON parsers refuse it. One fast check, then a walk that names the field.
    todo = [("", body)] if SURROGATE(json.dumps(body, ensure_ascii=False)) else []
    while todo:
        name, v = todo.pop()
        if type(v) is dict:
            for k, x in v.items():
                if SURROGATE(k):
                    fail(400, "invalid_unicode", name or "body", "a field name holds a lone surrogate")
                todo.append((f"{name}.{k}" if name else k, x))
        elif type(v) is list:
            todo += [(f"{name}[{i}]", x) for i, x in enumerate(v)]
        elif type(v) is str and SURROGATE(v):
            fail(400, "invalid_unicode", name, "expected Unicode text, got a lone surrogate")


def fields(body, table, prefix, params, cap):
    for k, v in body.items():
        name = prefix + k
        if k not in table:
            fail(400, "unknown_field", name, f"unknown field, expected one of {', '.join(table)}")
        t = table[k]
        if v is None:
            # null counts as absent
            continue
        if type(t) is tuple:
            check(name, v, *t)
        elif t == "stop":
            v = [v] if type(v) is str else v
            if type(v) is not list or not 0 < len(v) < 5 or not all(type(s) is str and s for s in v):
                fail(400, "invalid_type", name, "expected a non-empty string or an array of 1 to 4 of them")
            params[t] = v
        else:
            params[t] = check(name, v, *(PARAMS[t] or (INT, 1, cap)))


def authorize(event):
    # The API's REQUEST authorizer (key source AUTHORIZER): the key from x-api-key or
    # "Authorization: Bearer <key>" goes back as usageIdentifierKey; API Gateway checks it against
    # the usage plan (403 if wrong), throttles and counts it. No key: 401. Never logged.
    h = {k.lower(): v for k, v in (event.get("headers") or {}).items() if type(v) is str}
    s, _, t = h.get("authorization", "").strip().partition(" ")
    key = h.get("x-api-key", "").strip() or (t.strip() if s.lower() == "bearer" else "")
    if not key:
        raise Exception("Unauthorized")
    return {"principalId": "api-key", "usageIdentifierKey": key, "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]}}


def handler(event, context):
    if event.get("type") == "REQUEST":
        return authorize(event)
    t0 = time.time()
    rid = str((event.get("requestContext") or {}).get("requestId") or getattr(context, "aws_request_id", "-"))
    log = {"request_id": rid, "route": event.get("resource"), "method": event.get("httpMethod")}
    try:
        status, out = serve(event, rid, log, os.environ)
        body = json.dumps(out, allow_nan=False)
        if len(json.dumps(body)) > MAX_RESPONSE:
            fail(502, "response_too_large", None, "the answer exceeds Lambda's 6 MB response limit, ask for fewer tokens; request id " + rid)
    except Exception as e:
        if type(e) is not Fail:
            # a bug or a misconfigured stack (e.g. ENGINE): type name in the log, nothing out
            log["exception"] = type(e).__name__
            e = Fail(500, UPSTREAM[500][0], None, "request id " + rid)
        status, code, param, message = e.args
        body = json.dumps(error(status, code, param, message))
        log["error"] = code
    log.update(status=status, latency_ms=round(1000 * (time.time() - t0)))
    # the one log line per request (stdout -> CloudWatch Logs)
    print(json.dumps(log))
    headers = {"Content-Type": "application/json"}
    if status == 405:
        headers["Allow"] = "POST"
    headers.update(retry_after(status, log.get("error")))
    return {"statusCode": status, "headers": headers, "body": body}


# The engine's answer to a request of `kind` (its first key), checked before it is believed: (text,
# generated tokens, prompt tokens, finish reason), else any exception (a 502). NaN and Infinity are
# no JSON (int() refuses them); 1e999 parses as inf, so each number is type-checked. TGI's generate
# API ("inputs"): through SageMaker a one-element list, some versions an object; the OpenAI-style
# APIs: choices[0].message.content (chat) or .text (vLLM's completions), usage.
def answer(raw, kind):
    r = json.loads(raw, parse_constant=int)
    if kind == "inputs":
        r = r[0] if type(r) is list and len(r) == 1 else r
        d = r.get("details") or {} if type(r) is dict else None
        pre = d.get("prefill") or [] if type(d) is dict else None
        if type(pre) is not list:
            raise ValueError
        text, n, n_in, why = r.get("generated_text"), d.get("generated_tokens", 0), len(pre), d.get("finish_reason") or ""
    else:
        c, u = r["choices"][0], r.get("usage") or {}
        text = (c["message"].get("content") if kind == "messages" else c.get("text")) or ""
        n, n_in, why = u.get("completion_tokens", 0), u.get("prompt_tokens", 0), c.get("finish_reason") or ""
    if type(text) is not str or SURROGATE(text) or type(why) is not str or not all(type(x) is int and 0 <= x < 2**31 for x in (n, n_in)):
        raise ValueError
    return text, n, n_in, why


def models(env):
    # API Gateway routes only GET here. "created": the time of the answer, as vLLM gives it.
    ids = list(json.loads(env.get("MODELS") or "{}")) or [env.get("MODEL_ID", "")]
    return 200, {"object": "list", "data": [{"id": mid, "object": "model", "created": int(time.time()),
                                             "owned_by": mid.split("/")[0] if "/" in mid else "slmstack"} for mid in ids]}


# (model ID, inference component or None) a request goes to: with MODELS its "model" (absent: the
# default MODEL_ID), anything else 404 as OpenAI answers an unknown model; else MODEL_ID and
# INFERENCE_COMPONENT whatever "model" says.
def route(body, env):
    table, mid = json.loads(env.get("MODELS") or "{}"), env.get("MODEL_ID", "")
    if not table:
        return mid, env.get("INFERENCE_COMPONENT")
    want = body.get("model") or mid
    if want not in table:
        raise Fail(404, "model_not_found", "model", f"The model `{want[:100]}` does not exist or you do not have access to it; this API serves "
                   + ", ".join(table))
    return want, table[want]


def serve(event, rid, log, env):
    if event.get("resource") == "/v1/models":
        return models(env)
    return complete(prepare(event, log, env), rid, log, env)


# The request checked: a dict with "chat", "body" (the engine's request, without stream fields),
# "prompt" (/invoke's), "params" (as applied, TGI's names), "stops", "field" (what a 413 names),
# "least" (prompt tokens at least), "stream" and "usage" (stream_options.include_usage).
def prepare(event, log, env):
    chat = event.get("resource") == "/v1/chat/completions"
    if not chat and event.get("resource") != "/invoke":
        fail(404, "not_found", None, "path: expected /invoke or /v1/chat/completions")
    if event.get("httpMethod") != "POST":
        fail(405, "method_not_allowed", None, "method: expected POST")
    body = event.get("body") or ""
    try:
        body = json.loads(base64.b64decode(body) if event.get("isBase64Encoded") else body)
        no_surrogates(body)
    except (ValueError, TypeError, RecursionError):
        fail(400, "invalid_json", "body", "expected a JSON object, got invalid JSON")
    body = {k: v for k, v in check("body", body, OBJ).items() if v is not None}

    engine = env.get("ENGINE") or "tgi"
    if engine not in ENGINES:
        # a broken stack configuration: 500
        raise KeyError("ENGINE")
    max_in = int(env.get("MAX_INPUT_TOKENS", 1536))
    cap = int(env.get("MAX_TOTAL_TOKENS", 2048)) - max_in
    p = {}
    usage = False
    if chat:
        fields(body, CHAT, "", p, cap)
        if body.get("stream") and env.get("STREAMING") != "true":
            fail(400, "unsupported", "stream", "expected false: this stack does not stream; deploy it with --streaming on")
        opts = body.get("stream_options") or {}
        for k, v in opts.items():
            if k != "include_usage":
                fail(400, "unknown_field", "stream_options." + k, "unknown field, expected include_usage")
            usage = check("stream_options.include_usage", v, BOOL)
        if opts and not body.get("stream"):
            fail(400, "invalid_value", "stream_options", "only allowed when stream is true")
        msgs = check("messages", body.get("messages"), LIST)
        if not msgs:
            fail(400, "invalid_value", "messages", "expected at least one message")
        for i, m in enumerate(msgs):
            # other keys of a message (e.g. "name") are ignored; the model's template may refuse
            # an order or a role it has no place for (400 with the engine's message)
            check(f"messages[{i}]", m, OBJ)
            check(f"messages[{i}].content", m.get("content"), STR)
            if m.get("role") not in ROLES:
                fail(400, "invalid_value", f"messages[{i}].role", "expected one of " + ", ".join(ROLES))
        text = "".join(m["content"] for m in msgs)
    else:
        fields(body, dict(INVOKE, model=(STR,)) if env.get("MODELS") else INVOKE, "", p, cap)
        fields(body.get("parameters", {}), {k: k for k in PARAMS}, "parameters.", p, cap)
        if not body.get("prompt"):
            fail(400, "missing_field" if "prompt" not in body else "invalid_value", "prompt", "expected a non-empty string")
        if "system" in body:
            fail(400, "unsupported", "system", "/invoke sends the prompt as is, without a chat template; send a system message to /v1/chat/completions")
        text = body["prompt"]

    # Defaults and the engines' rules: top_p 1 means off (TGI wants < 1). On /invoke temperature 0 is
    # greedy (TGI wants > 0, vLLM's greedy is 0) and a temperature turns sampling on unless do_sample
    # says otherwise; chat passes 0 on: both chat APIs read it as greedy.
    p.setdefault("max_new_tokens", min(256, cap))
    if p.get("top_p") == 1:
        del p["top_p"]
    if chat:
        req = {"messages": [{"role": m["role"], "content": m["content"]} for m in msgs]}
    else:
        t = p.pop("temperature", None)
        if t == 0:
            p["do_sample"] = False
        elif t is not None:
            p["temperature"] = t
            p.setdefault("do_sample", True)
        # details: finish_reason, generated_tokens; decoder_input_details: prefill = prompt tokens;
        # return_full_text: TGI's SageMaker route otherwise starts the answer with the prompt
        req = {"prompt": text} if engine == "vllm" else {
            "inputs": text, "parameters": dict(p, details=True, decoder_input_details=True, return_full_text=False)}
    if "inputs" not in req:
        req.update({OPENAI.get(k, k): v for k, v in p.items() if k != "do_sample"})
        if p.get("do_sample") is False:
            req["temperature"] = 0
    mid, comp = route(body, env)
    piece = next((n for k, n in PIECE.items() if mid.startswith(k)), None)
    least = -(-len(text) // piece) if piece else 0
    log["prompt_tokens_min"] = least
    if env.get("LOG_PROMPTS") == "true":
        log["prompt"] = req.get("messages") or text
    field = "messages" if chat else "prompt"
    if least > max_in:
        fail(413, "prompt_too_long", field, f"expected at most {max_in} tokens, got {len(text)} characters: at least {least} tokens")
    if env.get("PAUSED") == "true":
        fail(503, "paused", None, "the model endpoint is paused; resume the stack and retry")
    return {"chat": chat, "body": req, "prompt": text, "params": p, "stops": p.get("stop", []), "field": field, "least": least,
            "stream": chat and bool(body.get("stream")), "usage": usage, "model": mid, "component": comp}


# Scale to zero: every call names the inference component (INFERENCE_COMPONENT); SageMaker answers
# ValidationError "Inference Component has no capacity to process this request..." while it has no
# copy, and that failure (metric NoCapacityInvocationFailures) is what wakes it. The client gets
# 503 model_starting with Retry-After: RETRY_AFTER s (the stack leaves it at 30; the OpenAI client
# waits what Retry-After says when it is at most 120 s, and retries max_retries times, 2 by default).
RETRY_AFTER = int(os.environ.get("RETRY_AFTER") or 30)


def component(q):
    return {"InferenceComponentName": q["component"]} if q.get("component") else {}


def waking(e, env):
    err = e.response["Error"] if isinstance(e, ClientError) else {}
    if env.get("INFERENCE_COMPONENT") and err.get("Code") == "ValidationError" and "no capacity" in str(err.get("Message")):
        minutes = max(1, round(int(env.get("WAKE_SECONDS") or 480) / 60))
        fail(503, "model_starting", None, f"the model is starting (it scales to zero when idle): about {minutes} minutes from the first "
             f"request; retry in {RETRY_AFTER} s")


def retry_after(status, code):
    return {"Retry-After": str(RETRY_AFTER)} if status == 503 and code == "model_starting" else {}


# A failed model call as the client's error (raises Fail).
def model_failed(e, field, rid, log):
    waking(e, os.environ)
    status = 502
    if isinstance(e, ClientError):
        # ModelError carries the engine's status and body: TGI's 422 {"error": str} and vLLM's 400
        # {"error": {"message": str}} (older: {"object": "error", "message": str}) -> 400 with the
        # engine's message, or 413 for its input-length errors; 429 (overloaded) -> 429.
        # SageMaker's container timeout is a ModelError "Received server error (0) ... timed out".
        # A missing or not-ready endpoint -> 503 with a hint. Anything else, and a 400/422 whose
        # JSON has no such message, -> 502.
        code = e.response["Error"].get("Code", "")
        orig = e.response.get("OriginalStatusCode")
        raw = e.response.get("OriginalMessage")
        raw = raw if type(raw) is str else ""
        log["upstream"] = f"{code}/{orig}"
        if code == "ModelError" and orig in (400, 422):
            try:
                m = json.loads(raw)
                m = m.get("error", m.get("object") == "error" and m) if type(m) is dict else None
                msg = m.get("message") if type(m) is dict else m
                msg = msg if type(msg) is str else None
            except ValueError:
                msg = raw or "the model rejected the request"
            except RecursionError:
                msg = None
            # the engine's text, made strict Unicode and short
            msg = msg and msg.encode("utf-8", "replace").decode()[:1000]
            if msg and ("`inputs`" in msg and "tokens" in msg or "maximum context length" in msg or "maximum model length" in msg):
                fail(413, "prompt_too_long", field, msg)
            if msg:
                fail(400, "model_rejected", None, msg)
        elif "Throttl" in code or orig == 429:
            status = 429
        elif code == "ValidationError" and " not found" in str(e.response["Error"].get("Message")):
            # a pause deletes the endpoint and leaves this function as it is (nothing names "paused")
            fail(503, "paused", None, "the model endpoint does not exist: the stack is paused, see `slmstack status`; resume it and retry")
        elif code in ("ValidationError", "ModelNotReadyException", "ServiceUnavailable"):
            status = 503
        elif code == "ModelError" and (orig == 408 or "timed out" in str(e.response["Error"].get("Message"))):
            status = 504
    elif isinstance(e, (ReadTimeoutError, ConnectTimeoutError)):
        status = 504
    else:
        # unreachable endpoint, or an answer that is not the engine's shape
        log["upstream"] = type(e).__name__
    fail(status, UPSTREAM[status][0], None, UPSTREAM[status][1] + "request id " + rid)


def complete(q, rid, log, env):
    try:
        r = SM.invoke_endpoint(EndpointName=env["ENDPOINT_NAME"], **component(q), ContentType="application/json", Accept="application/json",
                               Body=json.dumps(q["body"]))
        text, n_out, n_in, why = answer(r["Body"].read(), next(iter(q["body"])))
    except Exception as e:
        model_failed(e, q["field"], rid, log)

    # Cut at the first stop string: TGI keeps it in the text, OpenAI clients expect it gone (vLLM
    # already leaves it out).
    for s in q["stops"]:
        text = text.split(s)[0]
    usage = counts(n_in or q["least"], n_out)
    finish = "length" if why == "length" else "stop"
    log.update(usage)
    if env.get("LOG_PROMPTS") == "true":
        log["completion"] = text
    if q["chat"]:
        return 200, {
            "id": "chatcmpl-" + rid, "object": "chat.completion", "created": int(time.time()), "model": q["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": usage,
        }
    return 200, {"generated_text": text, "prompt": q["prompt"], "parameters": q["params"], "finish_reason": finish, "usage": usage}


def counts(n_in, n_out):
    return {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}
