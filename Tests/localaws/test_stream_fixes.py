"""Fix 43 (tools/localaws/stream_patches.py): InvokeEndpointWithResponseStream answers as a TGI container on AWS.

The client is boto3's own `sagemaker-runtime` client (botocore parses the event stream), plus one raw
signed POST read by a small decoder written here from the event-stream format. Each test uses a region
of its own: moto's answer queue is per account and region, so a failed test leaves nothing behind
for the next one.
"""
from __future__ import annotations

import json
import re
import struct
import urllib.request
import zlib
from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError

from localaws_support import NO_RETRY, LocalAws, started, unique

ANSWER = " Paris, naïve café — 東京 ✓ done."  # multi-byte characters of 2, 3 and 3 bytes
PROMPT = "What is the capital of France?"


# ------------------------------------------------------------------------------------ helpers
def _client(la: LocalAws, service: str, region: str, secret: str | None = None, **config: Any) -> Any:
    cfg = NO_RETRY.merge(Config(**config)) if config else NO_RETRY
    return la.session(secret).client(service, region_name=region, endpoint_url=la.endpoint, config=cfg)


def _endpoint(la: LocalAws, region: str) -> str:
    sm = _client(la, "sagemaker", region)
    role = la.client("iam").create_role(RoleName=unique("sm"), AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    model, config, name = unique("model"), unique("config"), unique("endpoint")
    sm.create_model(ModelName=model, ExecutionRoleArn=role["Role"]["Arn"],
                    PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:x"})
    sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1, "InstanceType": "ml.g5.xlarge"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return name


def _queue(la: LocalAws, region: str, *results: dict[str, Any]) -> None:
    body = json.dumps({"account_id": "123456789012", "region": region, "results": list(results)}).encode()
    req = urllib.request.Request(f"{la.endpoint}/moto-api/static/sagemaker/endpoint-results", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 201


def _tgi(text: str, **details: Any) -> dict[str, Any]:
    return {"Body": json.dumps([{"generated_text": text, "details": {"finish_reason": "eos_token", **details}}]),
            "ContentType": "application/json"}


def _stream(rt: Any, name: str, request: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    r = rt.invoke_endpoint_with_response_stream(EndpointName=name, ContentType="application/json",
                                                Accept="text/event-stream", Body=json.dumps(request))
    return r, list(r["Body"])


def _sse_events(raw: bytes) -> list[dict[str, Any]]:
    """TGI's stream: `data: <compact JSON>\\n\\n` blocks, nothing else."""
    text = raw.decode("utf-8")
    assert text.endswith("\n\n"), text[-20:]
    blocks = text[:-2].split("\n\n")
    assert all(b.startswith("data: ") and "\n" not in b for b in blocks), blocks
    return [json.loads(b[len("data: "):]) for b in blocks]


def decode(raw: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Event-stream messages by hand: big-endian prelude and CRC32s checked, string headers only."""
    out, pos = [], 0
    while pos < len(raw):
        total, hlen, pcrc = struct.unpack(">III", raw[pos:pos + 12])
        assert zlib.crc32(raw[pos:pos + 8]) == pcrc, "prelude CRC"
        assert zlib.crc32(raw[pos:pos + total - 4]) == struct.unpack(">I", raw[pos + total - 4:pos + total])[0], "message CRC"
        headers, h, end = {}, pos + 12, pos + 12 + hlen
        while h < end:
            n = raw[h]
            name = raw[h + 1:h + 1 + n].decode()
            assert raw[h + 1 + n] == 7, "string header"
            (vlen,) = struct.unpack(">H", raw[h + 2 + n:h + 4 + n])
            headers[name] = raw[h + 4 + n:h + 4 + n + vlen].decode()
            h += 4 + n + vlen
        out.append((headers, raw[end:pos + total - 4]))
        pos += total
    return out


def _signed_post(la: LocalAws, region: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    url = la.endpoint + path
    req = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(la.session().get_credentials(), "sagemaker", region).add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=dict(req.headers), method="POST"), timeout=30) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


# ------------------------------------------------------------------------------------ the fix
def test_sagemaker_runtime_response_stream(localaws: LocalAws, tmp_path) -> None:
    region = "eu-west-1"
    request = {"inputs": PROMPT, "parameters": {"details": True, "return_full_text": False, "do_sample": True,
                                                "seed": 7, "max_new_tokens": 64}, "stream": True}
    with started(tmp_path, disable="sagemaker_runtime_response_stream") as la:
        name = _endpoint(la, region)
        with pytest.raises(ClientError) as raised:  # moto alone has no such route
            _stream(_client(la, "sagemaker-runtime", region), name, request)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    name = _endpoint(localaws, region)
    _queue(localaws, region, _tgi(ANSWER, input_length=9))
    r, events = _stream(_client(localaws, "sagemaker-runtime", region), name, request)
    assert r["ContentType"] == "text/event-stream"
    assert r["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    assert events and all(list(e) == ["PayloadPart"] for e in events)
    parts = [e["PayloadPart"]["Bytes"] for e in events]
    raw = b"".join(parts)

    # the bytes are TGI's SSE exactly: rebuilt from the parsed events with serde_json's spelling
    sse = _sse_events(raw)
    rebuilt = "".join("data: " + json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n\n" for e in sse)
    assert raw == rebuilt.encode("utf-8")
    assert "\\u" not in raw.decode() and "東京" in raw.decode()

    # parts split where a client must buffer: inside a UTF-8 character, mid-line, several lines in one
    ends = [sum(map(len, parts[:i + 1])) for i in range(len(parts) - 1)]
    assert any(0x80 <= raw[end] <= 0xBF for end in ends), "no part boundary inside a multi-byte character"
    assert any(raw[end - 1:end] != b"\n" for end in ends)
    assert any(p.count(b"\n") >= 3 for p in parts)
    with pytest.raises(UnicodeDecodeError):
        for p in parts:
            p.decode("utf-8")

    # every event has TGI's shape and key order; the last carries the text and the details
    for i, e in enumerate(sse, 1):
        assert list(e) == ["index", "token", "generated_text", "details"] and e["index"] == i
        assert list(e["token"]) == ["id", "text", "logprob", "special"]
        assert isinstance(e["token"]["id"], int) and isinstance(e["token"]["logprob"], float) and e["token"]["logprob"] < 0
    assert all(e["generated_text"] is None and e["details"] is None and not e["token"]["special"] for e in sse[:-1])
    assert "".join(e["token"]["text"] for e in sse[:-1]) == ANSWER
    assert sse[0]["token"]["text"] == " Paris," and sse[-1]["token"] == {**sse[-1]["token"], "id": 2, "text": "</s>", "special": True}
    assert sse[-1]["generated_text"] == ANSWER
    assert sse[-1]["details"] == {"finish_reason": "eos_token", "generated_tokens": len(sse), "seed": 7, "input_length": 9}

    # a line-buffering reader (as the shim reads it) sees the same events
    buffer, seen = b"", []
    for p in parts:
        buffer += p
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.startswith(b"data:"):
                seen.append(json.loads(line[5:].decode("utf-8")))
    assert seen == sse and buffer == b""


def test_stream_exact_bytes_as_tgi(localaws: LocalAws) -> None:
    """TGI's defaults on SageMaker: no details unless asked, the prompt first in generated_text, no seed when greedy."""
    region = "eu-west-2"
    name = _endpoint(localaws, region)
    rt = _client(localaws, "sagemaker-runtime", region)
    _queue(localaws, region, _tgi(" Paris."), _tgi(" Paris."), _tgi(" one two three four"))
    _, events = _stream(rt, name, {"inputs": PROMPT, "parameters": {"do_sample": False}, "stream": True})
    raw = b"".join(e["PayloadPart"]["Bytes"] for e in events)
    assert re.fullmatch(
        rb'data: \{"index":1,"token":\{"id":\d+,"text":" Paris\.","logprob":-\d\.\d+,"special":false\},'
        rb'"generated_text":null,"details":null\}\n\n'
        rb'data: \{"index":2,"token":\{"id":2,"text":"</s>","logprob":-\d\.\d+,"special":true\},'
        rb'"generated_text":"What is the capital of France\? Paris\.","details":null\}\n\n', raw), raw
    _, events = _stream(rt, name, {"inputs": PROMPT, "parameters": {"details": True, "do_sample": False}, "stream": True})
    last = _sse_events(b"".join(e["PayloadPart"]["Bytes"] for e in events))[-1]
    assert last["details"] == {"finish_reason": "eos_token", "generated_tokens": 2, "seed": None, "input_length": 7}
    # max_new_tokens below the answer's length: cut, finish_reason length
    _, events = _stream(rt, name, {"inputs": PROMPT, "parameters": {"details": True, "max_new_tokens": 2,
                                                                    "return_full_text": False}, "stream": True})
    sse = _sse_events(b"".join(e["PayloadPart"]["Bytes"] for e in events))
    assert [e["token"]["text"] for e in sse] == [" one", " two"] and sse[-1]["generated_text"] == " one two"
    assert sse[-1]["details"]["finish_reason"] == "length" and sse[-1]["details"]["generated_tokens"] == 2


def test_stream_non_stream_raw_and_default(localaws: LocalAws) -> None:
    region = "eu-central-1"
    name = _endpoint(localaws, region)
    rt = _client(localaws, "sagemaker-runtime", region)
    tgi = _tgi(ANSWER, generated_tokens=9)
    raw_sse = 'data: {"error":"Request failed during generation: boom","error_type":"generation"}\n\n'
    _queue(localaws, region, tgi, {"Body": raw_sse, "ContentType": "text/event-stream"})

    # no "stream": TGI's JSON list, as queued, still in PayloadParts
    r, events = _stream(rt, name, {"inputs": PROMPT, "parameters": {"details": True}})
    assert r["ContentType"] == "application/json"
    assert b"".join(e["PayloadPart"]["Bytes"] for e in events) == tgi["Body"].encode()
    assert len(events) > 1

    r, events = _stream(rt, name, {"inputs": PROMPT + "?", "stream": True})
    assert r["ContentType"] == "text/event-stream"
    assert b"".join(e["PayloadPart"]["Bytes"] for e in events) == raw_sse.encode()

    # nothing queued: moto's static answer, as its InvokeEndpoint gives it
    plain = rt.invoke_endpoint(EndpointName=name, ContentType="application/json", Body=b'{"inputs":"a"}')
    r, events = _stream(rt, name, {"inputs": "b", "stream": True})
    assert b"".join(e["PayloadPart"]["Bytes"] for e in events) == plain["Body"].read() == b"body"
    assert (r["ContentType"], r["InvokedProductionVariant"], r["CustomAttributes"]) == \
        (plain["ContentType"], plain["InvokedProductionVariant"], plain["CustomAttributes"])


def test_stream_errors_mid_stream(localaws: LocalAws) -> None:
    region = "ap-southeast-2"
    name = _endpoint(localaws, region)
    rt = _client(localaws, "sagemaker-runtime", region)
    sse = "".join(f'data: {{"index":{i},"token":{{"id":{i},"text":" é{i}","logprob":-0.5,"special":false}},'
                  f'"generated_text":null,"details":null}}\n\n' for i in range(1, 4))
    _queue(localaws, region,
           {"Body": sse, "ContentType": "text/event-stream",
            "StreamError": {"AfterBytes": 150, "ErrorCode": "ModelInvocationTimeExceeded", "Message": "too slow"}},
           {"Body": sse, "ContentType": "text/event-stream", "StreamError": {"Exception": "InternalStreamFailure"}})
    r = rt.invoke_endpoint_with_response_stream(EndpointName=name, Body=b'{"inputs":"x","stream":true}')
    got = b""
    with pytest.raises(EventStreamError) as raised:
        for event in r["Body"]:
            got += event["PayloadPart"]["Bytes"]
    assert got == sse.encode()[:150]
    assert raised.value.response["Error"] == {"Code": "ModelStreamError", "Message": "too slow"}

    r = rt.invoke_endpoint_with_response_stream(EndpointName=name, Body=b'{"inputs":"y","stream":true}')
    with pytest.raises(EventStreamError) as raised:
        list(r["Body"])
    assert raised.value.response["Error"]["Code"] == "InternalStreamFailure"


def test_stream_event_framing_by_hand(localaws: LocalAws) -> None:
    region = "ca-central-1"
    name = _endpoint(localaws, region)
    body = "data: {\"x\":\"ü\"}\n\n" * 40
    _queue(localaws, region, {"Body": body, "ContentType": "text/event-stream",
                              "StreamError": {"AfterBytes": 500, "ErrorCode": "StreamBroken", "Message": "reset"}})
    status, headers, raw = _signed_post(localaws, region, f"/endpoints/{name}/invocations-response-stream",
                                        b'{"inputs":"hi","stream":true}')
    assert status == 200 and headers["content-type"] == "application/vnd.amazon.eventstream"
    assert headers["x-amzn-sagemaker-content-type"] == "text/event-stream"
    messages = decode(raw)
    *parts, error = messages
    assert all(h == {":event-type": "PayloadPart", ":content-type": "application/octet-stream", ":message-type": "event"}
               for h, _ in parts)
    assert list(parts[0][0]) == [":event-type", ":content-type", ":message-type"]
    assert b"".join(p for _, p in parts) == body.encode()[:500]
    assert error[0] == {":exception-type": "ModelStreamError", ":content-type": "application/json", ":message-type": "exception"}
    assert json.loads(error[1]) == {"Message": "reset", "ErrorCode": "StreamBroken"}
    # a flipped payload byte breaks the message CRC (the decoder really checks it)
    bad = bytearray(raw)
    bad[12 + struct.unpack(">I", raw[4:8])[0]] ^= 1  # the first payload byte
    with pytest.raises(AssertionError, match="message CRC"):
        decode(bytes(bad))


def test_stream_unknown_endpoint_like_invoke(localaws: LocalAws) -> None:
    region = "us-west-2"
    rt = _client(localaws, "sagemaker-runtime", region)
    missing = unique("gone")
    errors = []
    for call in (lambda: rt.invoke_endpoint(EndpointName=missing, Body=b"{}"),
                 lambda: rt.invoke_endpoint_with_response_stream(EndpointName=missing, Body=b'{"stream":true}')):
        with pytest.raises(ClientError) as raised:
            call()
        errors.append((raised.value.response["ResponseMetadata"]["HTTPStatusCode"], raised.value.response["Error"]))
    assert errors[0] == errors[1] == (400, {"Code": "ValidationError", "Message": f"Endpoint {missing} of account 123456789012 not found."})


def test_stream_signature_and_iam(localaws: LocalAws) -> None:
    region = "us-east-2"
    name = _endpoint(localaws, region)
    body = b'{"inputs":"z","stream":true}'
    # a bad signature is refused as on every route
    bad = _client(localaws, "sagemaker-runtime", region, secret="not-the-secret")
    for call in (bad.invoke_endpoint, bad.invoke_endpoint_with_response_stream):
        with pytest.raises(ClientError, match="SignatureDoesNotMatch") as raised:
            call(EndpointName=name, Body=body)
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # unsigned: refused the same way as InvokeEndpoint (no stream is served)
    unsigned = _client(localaws, "sagemaker-runtime", region, signature_version=UNSIGNED)
    statuses = []
    for call in (unsigned.invoke_endpoint, unsigned.invoke_endpoint_with_response_stream):
        with pytest.raises(ClientError) as raised:
            call(EndpointName=name, Body=body)
        statuses.append(raised.value.response["ResponseMetadata"]["HTTPStatusCode"])
    assert statuses[0] == statuses[1] >= 400
    # authorized as sagemaker:InvokeEndpoint, the action AWS documents for this operation
    iam = localaws.client("iam")
    keys = {}
    for action in ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"):
        user = unique("u")
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}))
        k = iam.create_access_key(UserName=user)["AccessKey"]
        keys[action] = localaws.session().client(
            "sagemaker-runtime", region_name=region, endpoint_url=localaws.endpoint, config=NO_RETRY,
            aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
    r = keys["sagemaker:InvokeEndpoint"].invoke_endpoint_with_response_stream(EndpointName=name, Body=body)
    assert list(r["Body"])
    with pytest.raises(ClientError, match="AccessDenied"):
        keys["sagemaker:InvokeEndpointWithResponseStream"].invoke_endpoint_with_response_stream(EndpointName=name, Body=body)
