"""The streaming function's parts (templates/lambda/serve.py) on their own: the engine's stream read
back from PayloadPart bytes cut anywhere, stop strings held back and cut, TGI's and vLLM's chat
chunks decoded.

The whole path (adapter, API Gateway streaming, SageMaker's event stream, the openai client) is
tested against the local AWS in Tests/localaws/test_openai_streaming.py.
"""
import json
import sys

import pytest

from shim_support import HANDLER, ROOT, load_shim

SERVE = ROOT / "templates" / "lambda" / "serve.py"


@pytest.fixture
def serve(monkeypatch, stack_env):
    monkeypatch.setitem(sys.modules, "index", load_shim(HANDLER.read_text()))
    return load_shim(SERVE.read_text(), name="serve")


def tgi_stream(pieces, finish="eos_token"):
    out = b""
    for i, text in enumerate(pieces):
        last = i == len(pieces) - 1
        ev = {"index": i + 1, "token": {"id": i, "text": text, "logprob": -0.5, "special": False},
              "generated_text": "".join(pieces) if last else None,
              "details": {"finish_reason": finish, "generated_tokens": len(pieces), "seed": None, "input_length": 9} if last else None}
        out += b"data:" + json.dumps(ev, ensure_ascii=False).encode() + b"\n\n"
    return out


def test_lines_are_whole_wherever_the_parts_are_cut(serve):
    raw = tgi_stream([" Paris", " é", "🙂", " ok"])
    expected = raw.decode().split("\n")[:-1]
    for cut in range(1, len(raw)):
        parts = [{"PayloadPart": {"Bytes": raw[:cut]}}, {"PayloadPart": {"Bytes": raw[cut:]}}]
        assert list(serve.lines(parts)) == expected, cut
    # one byte per part: every multi-byte character is split
    assert list(serve.lines({"PayloadPart": {"Bytes": raw[i:i + 1]}} for i in range(len(raw)))) == expected


def test_a_stream_error_event_ends_the_lines(serve):
    events = [{"PayloadPart": {"Bytes": b"data:{}\n"}}, {"ModelStreamError": {"Message": "boom", "ErrorCode": "ModelStreamError"}}]
    got = []
    with pytest.raises(serve.StreamFailed):
        for line in serve.lines(events):
            got.append(line)
    assert got == ["data:{}"]


def test_event_reads_tgi_chat_chunks(serve):
    head = '"object":"chat.completion.chunk","id":"","created":1,"model":"m","system_fingerprint":"3.3.6-sha-0"'
    assert serve.event("") is None and serve.event(":") is None and serve.event("event: x") is None
    assert serve.event("data: [DONE]") == "[DONE]" and serve.event("data:[DONE]") == "[DONE]"
    assert serve.event('data: {' + head + ',"choices":[{"index":0,"delta":{"role":"assistant","content":" Hi"},"logprobs":null,'
                       '"finish_reason":null}],"usage":null}') == (" Hi", None, None)
    # the EOS token: special, its content "", with the finish reason
    assert serve.event('data:{' + head + ',"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,'
                       '"finish_reason":"stop"}],"usage":null}') == ("", "stop", None)
    assert serve.event('data: {' + head + ',"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}') == ("", None, (7, 3))
    with pytest.raises(serve.StreamFailed):
        serve.event('data: {"error":{"message":"Request failed during generation","http_status_code":422}}')


def test_event_reads_vllm_chat_chunks(serve):
    head = '"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m"'
    assert serve.event('data: {' + head + ',"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}') \
        == ("", None, None)
    assert serve.event('data: {' + head + ',"choices":[{"index":0,"delta":{"content":"é"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}') \
        == ("é", "length", None)
    assert serve.event('data: {' + head + ',"choices":[],"usage":{"prompt_tokens":5,"total_tokens":6,"completion_tokens":1}}') == ("", None, (5, 1))
    for error in ('{"error":{"message":"x","type":"BadRequestError","param":null,"code":400}}',
                  '{"object":"error","message":"x","type":"BadRequestError","param":null,"code":400}'):
        with pytest.raises(serve.StreamFailed):
            serve.event("data: " + error)


@pytest.mark.parametrize("line", [
    'data: [1]', 'data: {"choices":[{"delta":{"content":5}}]}', 'data: {"choices":[{"delta":{},"finish_reason":3}]}',
    'data: {"choices":[],"usage":{"prompt_tokens":NaN,"completion_tokens":1}}', 'data: {"choices":[],"usage":{"prompt_tokens":true,"completion_tokens":1}}',
    'data: {"choices":[],"usage":{"prompt_tokens":1}}', 'data: {"choices":"x"}', 'data: not json',
])
def test_event_refuses_what_is_no_chunk(serve, line):
    with pytest.raises(Exception):
        serve.event(line)


@pytest.mark.parametrize("tokens, stops, expected, stopped", [
    ([" Paris", " is", "</", "s>", " more"], ["</s>"], [" Paris", " is", "", ""], True),
    ([" a<", "b", " c"], ["</s>"], [" a", "<b", " c"], False),
    ([" x", "EN", "D tail"], ["END"], [" x", "", ""], True),
    (["ab", "c"], [], ["ab", "c"], False),
])
def test_cut_holds_back_what_may_start_a_stop_string(serve, tokens, stops, expected, stopped):
    cut = serve.Cut(stops)
    out, done = [], False
    for t in tokens:
        piece, done = cut.add(t)
        out.append(piece)
        if done:
            break
    assert out == expected and done == stopped
    assert "".join(out) + cut.flush() == "".join(tokens).split(stops[0])[0] if stops else "".join(tokens)
