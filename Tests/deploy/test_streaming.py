"""Streaming chat answers end to end on the local AWS, judged by real clients.

A stack deployed by `slmstack deploy` without streaming is updated in place with `--streaming on`
(deploy uploads the streaming function's package to the assets bucket first); then the unmodified
`openai` client (`stream=True`, `stream_options.include_usage`), `curl -N` and `slmstack invoke
--stream` read the chat route: API Gateway's STREAM integration (fix 45) -> the Lambda Web Adapter's
contract (fix 44) -> serve.py -> SageMaker's InvokeEndpointWithResponseStream (fix 43) with the
model's answer canned and cut into event-stream parts at awkward byte boundaries.
"""
import json
import re
import shutil
import subprocess
import sys
import urllib.request

import pytest

try:
    import openai
except ImportError:  # pragma: no cover - depends on the interpreter
    openai = None

STACK = "streamer"
MODEL = "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
PARIS = "Paris is the capital of France, known for the Eiffel Tower."
OUTPUT_URL = re.compile(r"^https://(?P<api>[^.]+)\.execute-api\.[^/]+/(?P<stage>[^/]+)/(?P<path>.*)$")


def queue(local_aws, text, **extra):
    """The model's next answer, as TGI would give it (the local AWS streams it token by token).

    moto hands queued answers to new request bodies only (the same body again gets its first
    answer), so every test here sends a prompt of its own."""
    answer = [{"generated_text": text, "details": {"finish_reason": "eos_token", "generated_tokens": len(text.split()) + 1}}]
    result = dict({"Body": json.dumps(answer), "ContentType": "application/json"}, **extra)
    body = json.dumps({"account_id": "123456789012", "region": local_aws.env["AWS_REGION"], "results": [result]}).encode()
    request = urllib.request.Request(local_aws.env["AWS_ENDPOINT_URL"] + "/moto-api/static/sagemaker/endpoint-results",
                                     data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


class Deployed:
    def __init__(self, local_aws, outputs):
        self.local_aws, self.outputs = local_aws, outputs
        m = OUTPUT_URL.match(outputs["ApiUrl"])
        self.base = f"{local_aws.env['AWS_ENDPOINT_URL']}/restapis/{m['api']}/{m['stage']}/_user_request_/"
        self.key = local_aws.client("apigateway").get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]

    def client(self):
        return openai.OpenAI(base_url=self.base + "v1", api_key=self.key, max_retries=0, timeout=120)


def outputs_of(stdout):
    return dict(line.split(None, 1) for line in stdout.split("outputs:\n", 1)[1].splitlines() if line.startswith("  "))


@pytest.fixture(scope="module")
def deployed(local_aws):
    first = local_aws.run("deploy", "--yes", "--stack-name", STACK, timeout=300)
    assert first.returncode == 0, first.stderr
    upgraded = local_aws.run("deploy", "--yes", "--stack-name", STACK, "--streaming", "on", timeout=300)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "UPDATE_COMPLETE" in upgraded.stdout
    assert re.search(r"Lambda package lambda/stream-[0-9A-F]{8}\.zip \(\d+ bytes\) is in https://", upgraded.stdout), upgraded.stdout
    assert re.search(r"\+ Add\s+StreamFunction\s+AWS::Lambda::Function", upgraded.stdout), upgraded.stdout
    yield Deployed(local_aws, outputs_of(upgraded.stdout))
    local_aws.run("destroy", "--yes", "--stack-name", STACK, timeout=300)


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_openai_client_streams_chunks_with_usage(deployed):
    queue(deployed.local_aws, PARIS)
    chunks = list(deployed.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Capital of France?"}], stream=True,
        stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[0].choices[0].delta.content == ""
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == PARIS
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 5, "one chunk per token, not one in all"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    usage = chunks[-1]
    assert usage.choices == [] and usage.usage.completion_tokens == len(PARIS.split()) + 1
    assert usage.usage.prompt_tokens > 0 and usage.usage.total_tokens == usage.usage.prompt_tokens + usage.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])
    assert {c.id for c in chunks} == {chunks[0].id} and {c.model for c in chunks} == {MODEL}
    assert all(c.object == "chat.completion.chunk" for c in chunks)


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_stop_string_is_cut_and_max_tokens_says_length(deployed):
    queue(deployed.local_aws, "One. Two. Three.")
    chunks = list(deployed.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Count"}], stream=True, stop=[" Two"]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "One."
    queue(deployed.local_aws, "a b c d e f g h")
    chunks = list(deployed.client().chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Letters"}], stream=True, max_tokens=3))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "a b c"
    assert chunks[-1].choices[0].finish_reason == "length"


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_a_model_stream_error_mid_answer_raises_in_the_client(deployed):
    queue(deployed.local_aws, PARIS, StreamError={"AfterBytes": 200, "Exception": "ModelStreamError"})
    got = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in deployed.client().chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True):
            got.append(chunk)
    assert got and got[0].choices[0].delta.role == "assistant", "the answer had begun"
    assert "request id" in str(caught.value.message)


@pytest.mark.skipif(openai is None, reason="SKIPPED: the openai package is not installed (tools/requirements-test.txt pins it)")
def test_non_streamed_chat_and_the_other_routes_still_answer(deployed):
    queue(deployed.local_aws, "Bonjour.")
    answer = deployed.client().chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello in French"}])
    assert answer.object == "chat.completion" and answer.choices[0].message.content == "Bonjour."
    assert [m.id for m in deployed.client().models.list().data] == [MODEL]
    with pytest.raises(openai.BadRequestError) as caught:
        list(deployed.client().chat.completions.create(model=MODEL, messages=[], stream=True))
    assert caught.value.param == "messages"


def test_curl_reads_server_sent_events(deployed):
    if shutil.which("curl") is None:
        print("\nSKIPPED: curl is not installed", file=sys.stderr)
        pytest.skip("SKIPPED: curl is not installed")
    queue(deployed.local_aws, PARIS)
    body = json.dumps({"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "Capital?"}]})
    done = subprocess.run(["curl", "-sS", "-N", "-D", "-", deployed.base + "v1/chat/completions", "-H", f"Authorization: Bearer {deployed.key}",
                           "-H", "Content-Type: application/json", "-d", body], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    head, _, events = done.stdout.partition("\n\n")  # text mode: CRLF arrive as LF
    assert head.startswith("HTTP/1.1 200") and "text/event-stream" in head.lower()
    lines = [line for line in events.split("\n") if line]
    assert lines, done.stdout
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    deltas = [json.loads(line[6:])["choices"][0]["delta"].get("content", "") for line in lines[:-1]]
    assert "".join(deltas) == PARIS


def test_slmstack_invoke_stream_prints_the_answer(deployed):
    queue(deployed.local_aws, PARIS)
    streamed = deployed.local_aws.run("invoke", "--stream", "Capital of France, by invoke?", "--stack-name", STACK)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout == PARIS + "\n"
    queue(deployed.local_aws, PARIS, StreamError={"AfterBytes": 150, "Exception": "ModelStreamError"})
    broken = deployed.local_aws.run("invoke", "--stream", "Capital of France, again?", "--stack-name", STACK)
    assert broken.returncode == 1 and "the answer stopped:" in broken.stderr, broken.stdout + broken.stderr


def test_terraform_refuses_streaming_in_one_line(local_aws):
    refused = local_aws.run("synth", "--format", "terraform", "--streaming", "on", "--out", "/nonexistent/never-written")
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "CloudFormation" in lines[0] and "ChatCompletionsMethod" in lines[0], refused.stderr


def test_a_template_without_its_package_beside_it_is_refused_before_any_call(local_aws, tmp_path):
    synth = local_aws.run("synth", "--streaming", "on", "--stack-name", "packaged", "--out", str(tmp_path))
    assert synth.returncode == 0, synth.stderr
    package = next((tmp_path / "cloudformation" / "lambda").glob("stream-*.zip"))
    package.unlink()
    refused = local_aws.run("deploy", "--yes", "--stack-name", "packaged", "--template", str(tmp_path / "cloudformation" / "packaged.template.json"),
                            env=local_aws.environ(AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    assert refused.returncode == 2 and f"lambda/{package.name} is not beside it" in refused.stderr, refused.stderr
