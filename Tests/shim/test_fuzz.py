"""Property-based fuzz test of the shim: thousands of generated API Gateway events, fixed seed.

Each event is a valid /invoke or chat request, then 0-3 mutations (wrong types, NaN and Infinity,
lone surrogates in values and field names, unknown and missing fields, broken or base64 bodies,
deep nesting, over-long prompts, other routes and methods); the fake SageMaker (fake_sagemaker.py)
answers as TGI does, or with a broken or failing answer carrying a marker text. Invariants checked
on every event:

- the handler returns (no uncaught exception) an API Gateway proxy response whose body is strict
  JSON (no NaN/Infinity, no lone surrogate) and whose one log line is strict JSON;
- every non-200 body has OpenAI's error shape, its message a string;
- no 5xx unless the model was called and failed: client mistakes are 4xx, and a definite mistake
  (surrogate, unknown field, missing field, not an object, invalid JSON, wrong route or method,
  certainly too long) is the 4xx that names it;
- no model text in a 5xx body or in any log line; a 200 has its route's shape.

The same seed gives the same events; FUZZ_EVENTS and FUZZ_SEED override the defaults.
"""

import base64
import collections
import json
import os
import random

import pytest

from shim_support import SOURCES, Shim, assert_error_shape, event, load_shim, strict_json
from fake_sagemaker import CONTAINER_TIMEOUT, model_error, sagemaker_error, tgi_error

SEED = int(os.environ.get("FUZZ_SEED", "20261202"))
EVENTS = int(os.environ.get("FUZZ_EVENTS", "3000"))
MARK = "MODELTEXT-7f3a"
CHAT = "/v1/chat/completions"
TEXTS = ["hi", "What is the capital of France?", "{} {0} {name}", "</s> <|user|>", "line\nbreak\ttab", "é ü ß",
         "日本語のテキスト", "emoji \U0001F600\U0001F680", "\u202eRTL", "quote \" and \\ backslash", "\x00\x01 control"]
LONE = ["\ud800", "\udbff", "\udc00", "\udfff"]

# Broken or failing model answers; each quotes MARK, which must never reach a 5xx body or a log.
FAULTS = [
    (200, {}, f'[{{"generated_text": "{MARK}", "details": {{"generated_tokens": NaN}}}}]'.encode()),
    (200, {}, f'[{{"generated_text": "{MARK}", "details": {{"generated_tokens": Infinity}}}}]'.encode()),
    (200, {}, f'[{{"generated_text": "{MARK}", "details": {{"generated_tokens": 1e999}}}}]'.encode()),
    (200, {}, f'[{{"generated_text": "{MARK}", "details": {{"generated_tokens": 1, "prefill": 5}}}}]'.encode()),
    (200, {}, f'[{{"generated_text": "{MARK} \\ud800"}}]'.encode()),
    (200, {}, b'{"error": 42}'),
    (200, {}, f"<html>{MARK}</html>".encode()),
    (200, {}, json.dumps([{"generated_text": [MARK]}]).encode()),
    model_error(422, {"error": [MARK], "error_type": "validation"}),
    model_error(422, {"error": 42}),
    tgi_error(422, "Input validation error: `inputs` must have less than 1536 tokens. Given: 9999", "validation"),
    tgi_error(429, "Model is overloaded " + MARK, "overloaded"),
    tgi_error(500, "Incomplete generation " + MARK, "incomplete_generation"),
    sagemaker_error(400, "ThrottlingException", MARK),
    sagemaker_error(429, "ModelNotReadyException", MARK),
    sagemaker_error(500, "InternalFailure", MARK),
    CONTAINER_TIMEOUT,
]
HUGE = (200, {}, json.dumps([{"generated_text": MARK + "x" * (6 * 1024 * 1024), "details": {"generated_tokens": 5}}]).encode())


def text(rng):
    if rng.random() < 0.02:
        return rng.choice(TEXTS) * rng.randint(300, 400)  # a few thousand characters: still fits
    return "".join(rng.choice(TEXTS) for _ in range(rng.randint(1, 4)))


def junk(rng, depth=0):
    """Any JSON-ish value, NaN and Infinity included (json.dumps writes them)."""
    kinds = [None, True, False, 0, -1, 7, 2**70, 0.5, -1e-9, 1e308, float("nan"), float("inf"), float("-inf"), "", "x", "1"]
    if depth < 2 and rng.random() < 0.3:
        return rng.choice([[junk(rng, depth + 1) for _ in range(rng.randint(0, 3))],
                           {rng.choice(["a", "role", "content", "prompt"]): junk(rng, depth + 1) for _ in range(rng.randint(0, 2))}])
    return rng.choice(kinds + [text(rng)])


def valid(rng, chat):
    if chat:
        roles = ["system", "user", "assistant"]
        body = {"messages": [{"role": rng.choice(roles), "content": text(rng)} for _ in range(rng.randint(1, 4))]}
        for k, v in (("model", "tinyllama"), ("n", 1), ("user", "u-1"), ("stream", False), ("max_tokens", rng.randint(1, 512)),
                     ("temperature", rng.choice([0, 0.7, 2])), ("top_p", rng.choice([0.5, 1])), ("seed", rng.randint(0, 99)),
                     ("stop", rng.choice(["x", ["a", "b"]])), ("max_completion_tokens", 64)):
            if rng.random() < 0.3:
                body[k] = v
        return body
    body = {"prompt": text(rng)}
    if rng.random() < 0.3:
        body["system"] = text(rng)
    params = {k: v for k, v in (("max_new_tokens", rng.randint(1, 512)), ("temperature", 0.3), ("top_k", 5), ("seed", 3),
                                ("repetition_penalty", 1.2), ("do_sample", True), ("stop", ["."]), ("top_p", 0.9)) if rng.random() < 0.3}
    if params:
        body["parameters"] = params
    return body


def strings(value, path=""):
    """(path, container, key) of every string value and field name in value, as the shim names them."""
    out = []
    if type(value) is dict:
        for k, v in value.items():
            if v is None:
                continue
            name = f"{path}.{k}" if path else k
            out.append((path or "body", value, k, "key"))
            out += strings(v, name) if type(v) in (dict, list) else [(name, value, k, "value")] if type(v) is str else []
    elif type(value) is list:
        for i, v in enumerate(value):
            name = f"{path}[{i}]"
            out += strings(v, name) if type(v) in (dict, list) else [(name, value, i, "value")] if type(v) is str else []
    return out


def scramble(rng, body, chat):
    """Replace a field, or a message or the parameters, by any value: a mistake or not, by chance."""
    if rng.random() < 0.5:
        body[rng.choice(list(body) or ["zz"])] = junk(rng)
    elif chat and type(body.get("messages")) is list and body["messages"]:
        i = rng.randrange(len(body["messages"]))
        m = body["messages"][i]
        body["messages"][i] = junk(rng) if rng.random() < 0.3 else dict(m if type(m) is dict else {}, **{rng.choice(["role", "content"]): junk(rng)})
    elif not chat:
        body["parameters"] = {rng.choice(["max_new_tokens", "temperature", "top_p", "stop", "best_of"]): junk(rng)}


def mistake(rng, body, chat, want):
    """One definite client mistake, applied last; `want` notes what it must be answered with."""
    kind = rng.choice(["surrogate", "surrogate", "surrogate", "unknown", "missing", "long"])
    if kind == "surrogate":
        found = strings(body)
        if found:
            name, container, key, what = rng.choice(found)
            lone = rng.choice(LONE)
            if what == "key":
                container[key[:3] + lone] = container.pop(key)
            else:
                at = rng.randint(0, len(container[key]))
                container[key] = container[key][:at] + lone + container[key][at:]
            want["surrogate"] = name
    elif kind == "unknown":
        body["zz_" + rng.choice(["a", "logit_bias", "tools"])] = junk(rng) or 1
        want["definite"] = "unknown_field"
    elif kind == "missing":
        body.pop("messages" if chat else "prompt", None)
        want["definite"] = "missing_field"
    else:
        body["messages" if chat else "prompt"] = [{"role": "user", "content": "y" * (1537 * 16)}] if chat else "y" * (1537 * 16)
        want["definite"] = "prompt_too_long"


def generate(rng):
    """One API Gateway event and what it must get (`want`), plus the model's answer if called."""
    want = {}
    chat = rng.random() < 0.5
    route = CHAT if chat else "/invoke"
    body = valid(rng, chat)
    for _ in range(rng.choice([0, 0, 1, 2])):
        scramble(rng, body, chat)
    if rng.random() < 0.4:
        mistake(rng, body, chat, want)
    raw = json.dumps(body, ensure_ascii=rng.random() < 0.7)
    b64 = False
    r = rng.random()
    if r < 0.03:
        raw = raw[: rng.randint(0, len(raw) - 1)]
        want.clear()  # may or may not still be JSON; not a definite case
    elif r < 0.05:
        raw, want = rng.choice(['[1, 2]', '"prompt"', "7", "null", "[" * 5000, "{" * 3000, "not json", ""]), {"definite": "body"}
    elif r < 0.08:
        raw, b64 = base64.b64encode(raw.encode("utf-8", "surrogatepass")).decode(), True
    r = rng.random()
    if r < 0.02:
        route, want = rng.choice(["/v1/completions", "/", "/invoke/x", "/v1/models/x"]), {"definite": "not_found"}
    elif r < 0.04:
        want = {"definite": "not_found" if want.get("definite") == "not_found" else "method_not_allowed"}
        method = rng.choice(["GET", "PUT", "DELETE", "OPTIONS", "post"])
        return event(route, raw=raw, b64=False, method=method, request_id=f"fz-{rng.randrange(10**6)}"), want, None
    r = rng.random()
    answer = None if r < 0.7 else HUGE if r < 0.7008 else rng.choice(FAULTS)
    ev = event(route, raw=raw, request_id=f"fz-{rng.randrange(10**6)}")
    if b64:
        ev.update(body=raw, isBase64Encoded=True)
    return ev, want, answer


DEFINITE = {"unknown_field": (400,), "missing_field": (400,), "prompt_too_long": (413,), "body": (400,),
            "not_found": (404,), "method_not_allowed": (405,)}


@pytest.fixture
def fuzz_shim(stack_env, fake, capsys):
    stack_env.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", fake.url)
    return Shim(load_shim(SOURCES["file"]()), capsys)


def test_fuzz_invariants(fuzz_shim, fake):
    rng = random.Random(SEED)
    seen = collections.Counter()
    for n in range(EVENTS):
        ev, want, answer = generate(rng)
        fake.queue[:] = [answer] if answer else []
        calls = len(fake.requests)
        fuzz_shim.capsys.readouterr()
        where = f"event {n} (seed {SEED}): {json.dumps(ev)[:300]}"
        response = fuzz_shim.module.handler(ev, None)
        lines = fuzz_shim.capsys.readouterr().out.splitlines()
        called = len(fake.requests) > calls
        status = response["statusCode"]
        assert set(response) == {"statusCode", "headers", "body"} and type(status) is int, where
        out = strict_json(response["body"])
        assert len(lines) == 1, where
        log = strict_json(lines[0])
        assert MARK not in lines[0], where
        seen[(status, "called" if called else "local", "fault" if called and answer else "healthy")] += 1
        if status != 200:
            assert_error_shape(out, status)
            if status >= 500:
                assert MARK not in response["body"], where
                assert called and answer, f"5xx without a failing model call: {out} at {where}"
            if not (called and answer):
                assert 400 <= status < 500, f"{out} at {where}"
            assert log["status"] == status and log["error"] == out["error"]["code"], where
        if "surrogate" in want:
            seen["surrogate"] += 1
            assert (status, out["error"]["code"], out["error"]["param"]) == (400, "invalid_unicode", want["surrogate"]), f"{out} at {where}"
        elif want.get("definite") in ("body", "not_found", "method_not_allowed"):
            seen["definite"] += 1
            assert status in DEFINITE[want["definite"]], f"{out} at {where}"
        elif "definite" in want:
            # an earlier scrambled field may be the first mistake reported: any 4xx
            seen["definite"] += 1
            assert status // 100 == 4, f"{out} at {where}"
            seen["named"] += status in DEFINITE[want["definite"]]
        if want:
            assert not called, where
        if status == 200:
            assert called, where
            if ev["resource"] == CHAT:
                assert out["object"] == "chat.completion" and type(out["choices"][0]["message"]["content"]) is str, where
                assert out["choices"][0]["finish_reason"] in ("stop", "length"), where
                assert all(type(v) is int and v >= 0 for v in out["usage"].values()), where
            else:
                assert type(out["generated_text"]) is str and type(out["usage"]["prompt_tokens"]) is int, where
    # the generator reached every kind of case (so the invariants were tested on them)
    statuses = collections.Counter(k[0] for k in seen if type(k) is tuple for _ in range(seen[k]))
    print(f"\nfuzz: {EVENTS} events, seed {SEED}: statuses {dict(sorted(statuses.items()))}; "
          f"{seen['surrogate']} lone surrogates, {seen['definite']} definite mistakes ({seen['named']} with their own status)")
    assert seen["surrogate"] >= EVENTS // 20 and seen["definite"] >= EVENTS // 20
    assert statuses[200] >= EVENTS // 10 and statuses[502] >= EVENTS // 50 and statuses[400] >= EVENTS // 10
    assert {404, 405, 413, 429, 503, 504} <= set(statuses)
