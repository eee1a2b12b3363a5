"""Hostile input and broken model answers (issue 21): never a 500 for a client mistake, never invalid JSON.

Client mistakes are 4xx naming the field; a model answer that is not TGI's shape is a 502 that quotes
nothing of it. Every body is parsed strictly (conftest.strict_json: no NaN/Infinity, no lone
surrogate) and has OpenAI's error shape. Each test runs on the file and on its inlined form.
"""

import base64
import json

import pytest

from shim_support import assert_error_shape, event, strict_json
from fake_sagemaker import model_error, tgi_error

CHAT = "/v1/chat/completions"
MARK = "secret-model-text-1234"

# ---------------------------------------------------------------- lone surrogates: 400 naming the field

LONE = [
    ("/invoke", '{"prompt": "hi \\ud800 there"}', "prompt"),
    ("/invoke", '{"prompt": "hi", "system": "\\udfff"}', "system"),
    ("/invoke", '{"prompt": "hi", "parameters": {"stop": ["ok", "\\ud83d"]}}', "parameters.stop[1]"),
    (CHAT, '{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b\\udc00"}]}', "messages[1].content"),
    (CHAT, '{"messages": [{"role": "user", "content": "a", "name": "\\ud800"}]}', "messages[0].name"),
    (CHAT, '{"model": "\\ud800x", "messages": [{"role": "user", "content": "a"}]}', "model"),
    (CHAT, '{"messages": [{"role": "user", "content": "a"}], "user": "\\ude00"}', "user"),
    # in a field name: the parent is named (the name itself cannot be quoted)
    (CHAT, '{"messages": [{"role": "user", "content": "a", "\\ud800": 1}]}', "messages[0]"),
    (CHAT, '{"\\ud800": 1, "messages": []}', "body"),
]


@pytest.mark.parametrize("route, raw, param", LONE, ids=[x[2] for x in LONE])
def test_lone_surrogate_is_400_naming_the_field(shim, fake, route, raw, param):
    status, out = shim.call(route, raw=raw)
    assert (status, out["error"]["code"], out["error"]["param"]) == (400, "invalid_unicode", param), out
    assert_error_shape(out, 400)
    assert out["error"]["message"].startswith(param + ": ")
    assert fake.requests == []


def test_lone_surrogate_as_a_raw_character_and_in_base64(shim, fake):
    # the Lambda runtime turns the event's "\\ud800" escape into a raw surrogate in the body string
    status, out = shim.call("/invoke", raw='{"prompt": "a\ud800"}')
    assert (status, out["error"]["param"]) == (400, "prompt")
    status, out = shim.call("/invoke", raw='{"prompt": "a\\ud800"}', b64=True)
    assert (status, out["error"]["param"]) == (400, "prompt")
    # base64 of a surrogate's UTF-8-style bytes (ED A0 80): json.loads decodes bytes with
    # "surrogatepass", so the field is named; bytes that are no UTF-8 at all are invalid JSON
    for raw, code, param in ((b'{"prompt": "a\xed\xa0\x80"}', "invalid_unicode", "prompt"), (b'{"prompt": "a\xff"}', "invalid_json", "body")):
        ev = event("/invoke", raw="")
        ev.update(body=base64.b64encode(raw).decode(), isBase64Encoded=True)
        response = shim.module.handler(ev, None)
        out = strict_json(response["body"])
        assert (response["statusCode"], out["error"]["code"], out["error"]["param"]) == (400, code, param)
    assert fake.requests == []


def test_a_surrogate_pair_is_text(shim, fake):
    status, out = shim.call("/invoke", raw='{"prompt": "smile \\ud83d\\ude00"}')
    assert status == 200, out
    assert fake.requests[0]["body"]["inputs"] == "smile \U0001F600"


# ---------------------------------------------------------------- model answers that are not TGI's: 502


def answer(details=None, text="Paris " + MARK, raw=None):
    body = raw if raw is not None else json.dumps([{"generated_text": text, "details": details or {}}])
    return (200, {}, body.encode())


BROKEN = [
    ("nan-tokens", answer(raw='[{"generated_text": "x", "details": {"generated_tokens": NaN}}]')),
    ("infinity-tokens", answer(raw='[{"generated_text": "x", "details": {"generated_tokens": Infinity}}]')),
    ("minus-infinity", answer(raw='[{"generated_text": "x", "details": {"generated_tokens": -Infinity}}]')),
    ("1e999-tokens", answer(raw='[{"generated_text": "x", "details": {"generated_tokens": 1e999}}]')),
    ("nan-elsewhere", answer(raw='[{"generated_text": "x", "details": {"generated_tokens": 1, "tokens": [{"logprob": NaN}]}}]')),
    ("float-tokens", answer({"generated_tokens": 2.5})),
    ("bool-tokens", answer({"generated_tokens": True})),
    ("negative-tokens", answer({"generated_tokens": -1})),
    ("string-tokens", answer({"generated_tokens": "3"})),
    ("prefill-number", answer({"generated_tokens": 1, "prefill": 7})),
    ("prefill-object", answer({"generated_tokens": 1, "prefill": {"a": 1}})),
    ("finish-number", answer({"generated_tokens": 1, "finish_reason": 3})),
    ("details-list", answer(raw=json.dumps([{"generated_text": "x", "details": [1]}]))),
    ("text-number", answer(raw='[{"generated_text": 42}]')),
    ("text-lone-surrogate", answer(raw='[{"generated_text": "ok \\ud800 ' + MARK + '"}]')),
    ("error-42", answer(raw='{"error": 42}')),
    ("two-answers", answer(raw=json.dumps([{"generated_text": "a"}, {"generated_text": "b"}]))),
    ("empty-list", answer(raw="[]")),
    ("huge-int", answer(raw='[{"generated_text": "x", "details": {"generated_tokens": ' + "9" * 5000 + "}}]")),
    ("deep", answer(raw="[" * 5000 + "]" * 5000)),
    ("not-utf8", (200, {}, b'[{"generated_text": "\xff\xfe"}]')),
    ("422-error-list", model_error(422, {"error": ["a", MARK], "error_type": "validation"})),
    ("422-error-42", model_error(422, {"error": 42})),
    ("422-error-missing", model_error(422, {"message": MARK})),
    ("422-deep", model_error(422, "[" * 3000 + "]" * 3000)),
]




def chat_answer(content="Paris " + MARK, usage=None, finish="stop", raw=None):
    """A chat.completion as the engines answer it (TGI's fields), with what the test breaks."""
    body = raw if raw is not None else json.dumps({
        "object": "chat.completion", "id": "", "created": 1, "model": "m", "system_fingerprint": "3.3.6",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5} if usage is None else usage})
    return (200, {}, body.encode())


BROKEN_CHAT = [
    ("nan-usage", chat_answer(raw='{"choices": [{"message": {"content": "x"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": NaN}}')),
    ("1e999-usage", chat_answer(raw='{"choices": [{"message": {"content": "x"}}], "usage": {"completion_tokens": 1e999}}')),
    ("bool-usage", chat_answer(usage={"prompt_tokens": True, "completion_tokens": 1})),
    ("negative-usage", chat_answer(usage={"prompt_tokens": 1, "completion_tokens": -1})),
    ("string-usage", chat_answer(usage={"prompt_tokens": "3", "completion_tokens": 1})),
    ("content-number", chat_answer(content=42)),
    ("content-object", chat_answer(content={"text": MARK})),
    ("content-lone-surrogate", chat_answer(raw='{"choices": [{"message": {"content": "ok \\ud800 ' + MARK + '"}}]}')),
    ("finish-number", chat_answer(finish=3)),
    ("no-choices", chat_answer(raw='{"choices": [], "usage": {}}')),
    ("choices-object", chat_answer(raw='{"choices": {"message": {"content": "x"}}}')),
    ("no-message", chat_answer(raw='{"choices": [{"text": "' + MARK + '"}]}')),
    ("message-string", chat_answer(raw='{"choices": [{"message": "' + MARK + '"}]}')),
    ("usage-list", chat_answer(raw='{"choices": [{"message": {"content": "x"}}], "usage": [1]}')),
    ("generate-shape", answer({"generated_tokens": 1})),
    ("not-json", (200, {}, MARK.encode())),
    ("400-error-list", model_error(400, {"error": ["a", MARK]})),
    ("400-message-without-object", model_error(400, {"message": MARK})),
    ("400-error-message-number", model_error(400, {"error": {"message": 42, "detail": MARK}})),
]


def assert_502(shim, out, upstream):
    assert out["error"]["code"] == "upstream_error", out
    assert_error_shape(out, 502)
    assert out["error"]["message"] == "the model call failed; request id req-1"
    assert MARK not in shim.response["body"] and MARK not in json.dumps(shim.logs)
    assert shim.logs[-1]["upstream"] in upstream, shim.logs[-1]


@pytest.mark.parametrize("kind, canned", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_model_answer_is_502_without_its_text(shim, fake, kind, canned):
    # TGI's generate API: /invoke
    fake.queue.append(canned)
    status, out = shim.call("/invoke", {"prompt": "hi"})
    assert status == 502, out
    assert_502(shim, out, ("ValueError", "UnicodeDecodeError", "RecursionError", "ModelError/422", "AttributeError"))


@pytest.mark.parametrize("kind, canned", BROKEN_CHAT, ids=[b[0] for b in BROKEN_CHAT])
def test_broken_chat_answer_is_502_without_its_text(shim, fake, kind, canned):
    # the engines' chat API: /v1/chat/completions
    fake.queue.append(canned)
    status, out = shim.call(CHAT, {"messages": [{"role": "user", "content": "hi"}]})
    assert status == 502, out
    assert_502(shim, out, ("ValueError", "JSONDecodeError", "KeyError", "IndexError", "TypeError", "AttributeError", "ModelError/400"))


def test_tgi_validation_messages_are_strict_short_strings(shim, fake):
    fake.queue.append(tgi_error(422, "Input validation error: bad \ud800 " + "x" * 5000, "validation"))
    status, out = shim.call("/invoke", {"prompt": "hi"})
    assert (status, out["error"]["code"]) == (400, "model_rejected")
    assert out["error"]["message"].startswith("Input validation error: bad ? x") and len(out["error"]["message"]) == 1000
    # an escaped lone surrogate inside TGI's JSON as well
    fake.queue.append(model_error(422, '{"error": "bad \\ud800 value", "error_type": "validation"}'))
    status, out = shim.call("/invoke", {"prompt": "hi"})
    assert (status, out["error"]["message"]) == (400, "bad ? value")


def test_answer_over_lambdas_response_limit_is_502(shim, fake):
    fake.queue.append(chat_answer(MARK + "a" * (7 * 1024 * 1024)))
    status, out = shim.call(CHAT, {"messages": [{"role": "user", "content": "hi"}]})
    assert (status, out["error"]["code"]) == (502, "response_too_large"), out
    assert_error_shape(out, 502)
    assert "6 MB" in out["error"]["message"] and out["error"]["message"].endswith("request id req-1")
    assert MARK not in shim.response["body"] and MARK not in json.dumps(shim.logs)
    assert shim.logs[-1]["status"] == 502


def test_answer_just_under_the_limit_is_returned(shim, fake):
    fake.queue.append(answer({"generated_tokens": 9}, text="a" * 5_900_000))
    status, out = shim.call("/invoke", {"prompt": "hi"})
    assert status == 200 and len(out["generated_text"]) == 5_900_000
    # what Lambda serializes stays under its 6 MB (6,291,456-byte) response limit
    assert len(json.dumps(shim.response)) <= 6_291_456
