"""The shim's public HTTP contract, against the fake SageMaker Runtime + TGI (fake_sagemaker.py).

Each test runs twice: on templates/lambda/handler.py as written and on its inlined form.
"""

import json
import time

import boto3
import pytest
from botocore.config import Config

from shim_support import ENDPOINT, MODEL_ID, Shim, assert_error_shape, load_shim
from fake_sagemaker import CONTAINER_TIMEOUT, fake_tokens, model_error, render, sagemaker_error, tgi_error

Q = "What is the capital of France?"
RENDERED = f"<|user|>\n{Q}</s>\n<|assistant|>\n"  # as the fake model's own template renders [user: Q]


def sent(fake, i=0):
    return fake.requests[i]["body"]


# ---------------------------------------------------------------- /invoke: the prompt as is, TGI's generate API


def test_invoke_sends_the_prompt_as_is_and_forwards_parameters(shim, fake):
    params = {"max_new_tokens": 20, "temperature": 0.7, "top_p": 0.9, "top_k": 50,
              "repetition_penalty": 1.1, "seed": 42, "stop": ["Eiffel"]}
    status, out = shim.call("/invoke", {"prompt": Q, "parameters": params})
    assert status == 200, out
    assert len(fake.requests) == 1
    req = fake.requests[0]
    assert req["path"] == f"/endpoints/{ENDPOINT}/invocations"
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["body"]["inputs"] == Q
    used = dict(params, do_sample=True)
    assert req["body"]["parameters"] == dict(used, details=True, decoder_input_details=True, return_full_text=False)
    # TGI keeps the stop string (and counts its tokens); the shim cuts it
    assert out["generated_text"] == "Paris is the capital of France. It is known for the "
    assert out["finish_reason"] == "stop"
    assert out["prompt"] == Q
    assert out["parameters"] == used
    n_in = fake_tokens(Q)
    assert out["usage"] == {"prompt_tokens": n_in, "completion_tokens": 12, "total_tokens": n_in + 12}


def test_invoke_defaults(shim, fake):
    status, out = shim.call("/invoke", {"prompt": Q})
    assert status == 200, out
    assert sent(fake)["parameters"] == {"max_new_tokens": 256, "details": True, "decoder_input_details": True, "return_full_text": False}
    assert out["generated_text"] == "Paris is the capital of France. It is known for the Eiffel Tower."
    assert out["finish_reason"] == "stop"  # TGI's eos_token
    assert out["parameters"] == {"max_new_tokens": 256}


def test_invoke_system_is_refused_with_a_hint_and_null_fields_are_absent(shim, fake):
    status, out = shim.call("/invoke", {"prompt": Q, "system": "Be brief."})
    assert (status, out["error"]["code"], out["error"]["param"]) == (400, "unsupported", "system"), out
    assert "/v1/chat/completions" in out["error"]["message"]
    assert fake.requests == []
    status, out = shim.call("/invoke", {"prompt": Q, "system": None, "parameters": {"seed": None}})
    assert status == 200, out
    assert "seed" not in sent(fake)["parameters"]


def test_temperature_zero_is_greedy_and_top_p_one_is_off(shim, fake):
    status, out = shim.call("/invoke", {"prompt": Q, "parameters": {"temperature": 0, "top_p": 1}})
    assert status == 200, out
    p = sent(fake)["parameters"]
    assert p["do_sample"] is False and "temperature" not in p and "top_p" not in p
    assert out["parameters"]["do_sample"] is False


def test_explicit_do_sample_wins_over_temperature(shim, fake):
    assert shim.call("/invoke", {"prompt": Q, "parameters": {"temperature": 1.0, "do_sample": False}})[0] == 200
    assert sent(fake)["parameters"]["do_sample"] is False and sent(fake)["parameters"]["temperature"] == 1.0


def test_length_finish_and_usage(shim, fake):
    status, out = shim.call("/invoke", {"prompt": Q, "parameters": {"max_new_tokens": 3}})
    assert status == 200, out
    assert (out["generated_text"], out["finish_reason"]) == ("Paris is the", "length")
    assert out["usage"]["completion_tokens"] == 3


def test_base64_body(shim, fake):
    status, out = shim.call("/invoke", {"prompt": Q}, b64=True)
    assert status == 200, out
    assert sent(fake)["inputs"] == Q


def test_tgi_object_answer_is_accepted(shim, fake):
    fake.as_list = False
    status, out = shim.call("/invoke", {"prompt": Q, "parameters": {"max_new_tokens": 3}})
    assert (status, out["generated_text"]) == (200, "Paris is the")


def test_user_stop_strings_are_all_sent_and_cut(shim, fake):
    stops = ["a1", "b2", "c3", "d4"]
    assert shim.call("/invoke", {"prompt": Q, "parameters": {"stop": stops}})[0] == 200
    assert sent(fake)["parameters"]["stop"] == stops
    assert shim.call("/invoke", {"prompt": Q, "parameters": {"stop": "France"}})[0] == 200
    assert sent(fake, 1)["parameters"]["stop"] == ["France"]
    assert shim.response and json.loads(shim.response["body"])["generated_text"] == "Paris is the capital of "


# ---------------------------------------------------------------- bad requests: 4xx, SageMaker not called

BAD = [
    # (route, body or raw text, status, code, message starts with)
    ("/invoke", "not json", 400, "invalid_json", "body:"),
    ("/invoke", "", 400, "invalid_json", "body:"),
    ("/invoke", "[" * 100000, 400, "invalid_json", "body:"),
    ("/invoke", "[1, 2]", 400, "invalid_type", "body: expected an object"),
    ("/invoke", '"prompt"', 400, "invalid_type", "body: expected an object"),
    ("/invoke", {}, 400, "missing_field", "prompt:"),
    ("/invoke", {"prompt": None}, 400, "missing_field", "prompt:"),
    ("/invoke", {"prompt": ""}, 400, "invalid_value", "prompt: expected a non-empty string"),
    ("/invoke", {"prompt": 5}, 400, "invalid_type", "prompt: expected a string"),
    ("/invoke", {"prompt": ["a"]}, 400, "invalid_type", "prompt: expected a string"),
    ("/invoke", {"prompt": "x", "system": 1}, 400, "invalid_type", "system: expected a string"),
    ("/invoke", {"prompt": "x", "temperature": 1}, 400, "unknown_field", "temperature: unknown field"),
    ("/invoke", {"prompt": "x", "parameters": []}, 400, "invalid_type", "parameters: expected an object"),
    ("/invoke", {"prompt": "x", "parameters": {"best_of": 2}}, 400, "unknown_field", "parameters.best_of: unknown field"),
    ("/invoke", {"prompt": "x", "parameters": {"details": True}}, 400, "unknown_field", "parameters.details"),
    ("/invoke", {"prompt": "x", "parameters": {"temperature": -0.1}}, 400, "out_of_range", "parameters.temperature: expected a number in [0, 2]"),
    ("/invoke", {"prompt": "x", "parameters": {"temperature": 2.01}}, 400, "out_of_range", "parameters.temperature"),
    ("/invoke", {"prompt": "x", "parameters": {"temperature": "hot"}}, 400, "invalid_type", "parameters.temperature: expected a number"),
    ("/invoke", {"prompt": "x", "parameters": {"temperature": True}}, 400, "invalid_type", "parameters.temperature"),
    ("/invoke", '{"prompt": "x", "parameters": {"temperature": NaN}}', 400, "out_of_range", "parameters.temperature"),
    ("/invoke", '{"prompt": "x", "parameters": {"top_k": Infinity}}', 400, "invalid_type", "parameters.top_k"),
    ("/invoke", {"prompt": "x", "parameters": {"top_p": 0}}, 400, "out_of_range", "parameters.top_p: expected a number in (0, 1]"),
    ("/invoke", {"prompt": "x", "parameters": {"top_p": 1.5}}, 400, "out_of_range", "parameters.top_p"),
    ("/invoke", {"prompt": "x", "parameters": {"max_new_tokens": 0}}, 400, "out_of_range", "parameters.max_new_tokens: expected an integer in [1, 512]"),
    ("/invoke", {"prompt": "x", "parameters": {"max_new_tokens": 513}}, 400, "out_of_range", "parameters.max_new_tokens"),
    ("/invoke", {"prompt": "x", "parameters": {"max_new_tokens": 10.5}}, 400, "invalid_type", "parameters.max_new_tokens: expected an integer"),
    ("/invoke", {"prompt": "x", "parameters": {"max_new_tokens": "10"}}, 400, "invalid_type", "parameters.max_new_tokens"),
    ("/invoke", {"prompt": "x", "parameters": {"top_k": 0}}, 400, "out_of_range", "parameters.top_k"),
    ("/invoke", {"prompt": "x", "parameters": {"repetition_penalty": 0}}, 400, "out_of_range", "parameters.repetition_penalty: expected a number in (0, 10]"),
    ("/invoke", {"prompt": "x", "parameters": {"seed": -1}}, 400, "out_of_range", "parameters.seed"),
    ("/invoke", {"prompt": "x", "parameters": {"do_sample": "yes"}}, 400, "invalid_type", "parameters.do_sample: expected a boolean"),
    ("/invoke", {"prompt": "x", "parameters": {"stop": []}}, 400, "invalid_type", "parameters.stop"),
    ("/invoke", {"prompt": "x", "parameters": {"stop": ["a", "b", "c", "d", "e"]}}, 400, "invalid_type", "parameters.stop"),
    ("/invoke", {"prompt": "x", "parameters": {"stop": [""]}}, 400, "invalid_type", "parameters.stop"),
    ("/invoke", {"prompt": "x", "parameters": {"stop": 5}}, 400, "invalid_type", "parameters.stop"),
    ("/v1/chat/completions", "{", 400, "invalid_json", "body:"),
    ("/v1/chat/completions", "7", 400, "invalid_type", "body:"),
    ("/v1/chat/completions", {}, 400, "missing_field", "messages:"),
    ("/v1/chat/completions", {"messages": []}, 400, "invalid_value", "messages: expected at least one message"),
    ("/v1/chat/completions", {"messages": "hi"}, 400, "invalid_type", "messages: expected an array"),
    ("/v1/chat/completions", {"messages": ["hi"]}, 400, "invalid_type", "messages[0]: expected an object"),
    ("/v1/chat/completions", {"messages": [{"role": "user"}]}, 400, "missing_field", "messages[0].content:"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}, 400, "invalid_type", "messages[0].content: expected a string"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "x"}]}, 400, "invalid_value", "messages[1].role: expected one of system, user, assistant"),
    ("/v1/chat/completions", {"messages": [{"role": "tool", "content": "x"}]}, 400, "invalid_value", "messages[0].role"),
    ("/v1/chat/completions", {"messages": [{"content": "x"}]}, 400, "invalid_value", "messages[0].role"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "stream": True}, 400, "unsupported", "stream: expected false"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "stream": "no"}, 400, "invalid_type", "stream: expected a boolean"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "n": 2}, 400, "out_of_range", "n: expected an integer in [1, 1]"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "model": 5}, 400, "invalid_type", "model: expected a string"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "logit_bias": {}}, 400, "unknown_field", "logit_bias: unknown field"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "top_k": 5}, 400, "unknown_field", "top_k: unknown field"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}, 400, "out_of_range", "max_tokens: expected an integer in [1, 512]"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 4096}, 400, "out_of_range", "max_tokens"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "temperature": 3}, 400, "out_of_range", "temperature: expected a number in [0, 2]"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "top_p": -1}, 400, "out_of_range", "top_p"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "seed": "1"}, 400, "invalid_type", "seed: expected an integer"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "stop": [1]}, 400, "invalid_type", "stop"),
]


@pytest.mark.parametrize("route, body, status, code, message", BAD, ids=[f"{i}:{b[0].split('/')[-1]}:{b[3]}" for i, b in enumerate(BAD)])
def test_bad_request(shim, fake, route, body, status, code, message):
    kw = {"raw": body} if isinstance(body, str) else {"body": body}
    got, out = shim.call(route, **kw)
    assert (got, out["error"]["code"]) == (status, code), out
    assert_error_shape(out, status)
    assert out["error"]["message"].startswith(message), out
    # the field the message names is OpenAI's "param"
    assert out["error"]["param"] == message.split(":")[0], out
    assert fake.requests == []
    assert shim.logs[-1]["status"] == status and shim.logs[-1]["error"] == code


def test_max_tokens_at_the_cap_is_accepted(shim, fake):
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 512})
    assert status == 200, out
    assert sent(fake)["max_tokens"] == 512


def test_unknown_route_and_method(shim, fake):
    status, out = shim.call("/v1/completions", {"prompt": "x"})
    assert (status, out["error"]["code"], out["error"]["param"]) == (404, "not_found", None)
    assert_error_shape(out, 404)
    status, out = shim.call("/invoke", None, method="GET")
    assert (status, out["error"]["code"]) == (405, "method_not_allowed")
    assert_error_shape(out, 405)
    assert shim.response["headers"]["Allow"] == "POST"
    assert fake.requests == []


# ---------------------------------------------------------------- errors from SageMaker / TGI


def test_tgi_length_error_is_413(shim, fake):
    # a stack whose endpoint was started with smaller limits than the shim was told
    fake.max_input_tokens = 8
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out["error"]["code"]) == (413, "prompt_too_long")
    assert out["error"]["message"] == f"prompt: Input validation error: `inputs` must have less than 8 tokens. Given: {fake_tokens(Q)}"
    fake.max_input_tokens, fake.max_total_tokens = 1536, 20
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}], "max_tokens": 10})
    assert (status, out["error"]["code"]) == (413, "prompt_too_long")
    assert "`inputs` tokens + `max_new_tokens` must be <= 20" in out["error"]["message"]
    assert len(fake.requests) == 2


def test_tgi_validation_error_is_400_with_tgis_message(shim, fake):
    fake.queue.append(tgi_error(422, "Input validation error: `stop` supports up to 4 stop sequences. Given: 5", "validation"))
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out) == (400, {"error": {"code": "model_rejected", "message": "Input validation error: `stop` supports up to 4 stop sequences. Given: 5",
                                             "type": "invalid_request_error", "param": None}})
    fake.queue.append(model_error(422, "plain text from the model"))
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out["error"]["code"], out["error"]["message"]) == (400, "model_rejected", "plain text from the model")


SECRET = "CUDA error at /opt/tgi/server.py:123 secret-internal-detail"
UPSTREAM = [
    ("tgi-429-overloaded", lambda: tgi_error(429, "Model is overloaded " + SECRET, "overloaded"), 429, "throttled"),
    ("throttling", lambda: sagemaker_error(400, "ThrottlingException", "Rate exceeded " + SECRET), 429, "throttled"),
    ("not-ready", lambda: sagemaker_error(429, "ModelNotReadyException", "Model not ready " + SECRET), 503, "model_unavailable"),
    ("service-unavailable", lambda: sagemaker_error(503, "ServiceUnavailable", SECRET), 503, "model_unavailable"),
    ("container-timeout", lambda: CONTAINER_TIMEOUT, 504, "timeout"),
    ("tgi-424-generation", lambda: tgi_error(424, "Request failed during generation: " + SECRET, "generation"), 502, "upstream_error"),
    ("tgi-500", lambda: tgi_error(500, "Incomplete generation " + SECRET, "incomplete_generation"), 502, "upstream_error"),
    ("internal-failure", lambda: sagemaker_error(500, "InternalFailure", SECRET), 502, "upstream_error"),
    ("internal-dependency", lambda: sagemaker_error(530, "InternalDependencyException", SECRET), 502, "upstream_error"),
    ("not-json", lambda: (200, {}, SECRET.encode()), 502, "upstream_error"),
    ("not-tgi-shape", lambda: (200, {}, {"predictions": [SECRET]}), 502, "upstream_error"),
]


@pytest.mark.parametrize("kind, answer, status, code", UPSTREAM, ids=[u[0] for u in UPSTREAM])
def test_upstream_errors_are_mapped_without_internal_text(shim, fake, kind, answer, status, code):
    fake.queue.append(answer())
    got, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}]})
    assert (got, out["error"]["code"]) == (status, code), out
    assert_error_shape(out, status)
    assert out["error"]["message"].endswith("request id req-1")
    assert "secret" not in shim.response["body"] and "secret" not in json.dumps(shim.logs)
    assert len(fake.requests) == 1
    if status == 503:
        assert "slmstack status" in out["error"]["message"]


def test_missing_endpoint_is_503_paused_with_a_hint(shim, fake, stack_env):
    # a pause deletes the endpoint and leaves the shim's environment as it is
    stack_env.setenv("ENDPOINT_NAME", "deleted-endpoint")
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out["error"]["code"]) == (503, "paused")
    assert out["error"]["message"] == "the model endpoint does not exist: the stack is paused, see `slmstack status`; resume it and retry"
    assert shim.logs[-1]["upstream"] == "ValidationError/None"
    assert len(fake.requests) == 1


def test_read_timeout_is_504(shim, fake):
    config = shim.module.SM.meta.config
    assert (config.read_timeout, config.connect_timeout, config.retries["total_max_attempts"]) == (25, 2, 1)
    shim.module.SM = boto3.client("sagemaker-runtime", endpoint_url=fake.url, config=Config(read_timeout=0.3, retries={"total_max_attempts": 1}))
    fake.delay = 1.0
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out) == (504, {"error": {"code": "timeout", "message": "the model did not answer in time; request id req-1", "type": "server_error", "param": None}})


def test_sagemaker_timeout_from_the_stack_answers_504_before_lambda_stops(source, stack_env, fake, capsys):
    # a 4 s Lambda timeout gives SAGEMAKER_TIMEOUT=1: the shim must answer 504 well inside it
    stack_env.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", fake.url)
    stack_env.setenv("SAGEMAKER_TIMEOUT", "1")
    shim = Shim(load_shim(source), capsys)
    config = shim.module.SM.meta.config
    assert (config.read_timeout, config.connect_timeout) == (1, 1)
    fake.delay = 2.5
    started = time.monotonic()
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out) == (504, {"error": {"code": "timeout", "message": "the model did not answer in time; request id req-1", "type": "server_error", "param": None}})
    assert time.monotonic() - started < 2.0


def test_unreachable_endpoint_is_502(shim, fake, stack_env):
    shim.module.SM = boto3.client("sagemaker-runtime", endpoint_url="http://127.0.0.1:9", config=Config(retries={"total_max_attempts": 1}))
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out["error"]["code"]) == (502, "upstream_error")
    assert shim.logs[-1]["upstream"] == "EndpointConnectionError"


# ---------------------------------------------------------------- PAUSED and misconfiguration


def test_paused_answers_503_without_calling_sagemaker(shim, fake, stack_env):
    stack_env.setenv("PAUSED", "true")
    status, out = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": Q}]})
    assert (status, out["error"]["code"]) == (503, "paused")
    # bad requests are still told what is wrong
    assert shim.call("/invoke", {"prompt": ""})[0] == 400
    assert fake.requests == []
    stack_env.setenv("PAUSED", "false")
    assert shim.call("/invoke", {"prompt": Q})[0] == 200


def test_broken_stack_configuration_is_500_without_details(shim, fake, stack_env):
    stack_env.setenv("ENGINE", "tgi3")
    status, out = shim.call("/invoke", {"prompt": Q})
    assert (status, out) == (500, {"error": {"code": "internal_error", "message": "request id req-1", "type": "server_error", "param": None}})
    assert shim.logs[-1]["exception"] == "KeyError"
    assert fake.requests == []


# ---------------------------------------------------------------- logging


MARK = "zebra-marker-4711"


def test_one_log_line_without_prompt_or_completion(shim, fake, caplog):
    status, _ = shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": MARK}]}, request_id="abc")
    assert status == 200
    assert len(shim.logs) == 1
    line = shim.logs[0]
    n_in = fake_tokens(render([{"role": "user", "content": MARK}]))
    assert line["request_id"] == "abc" and line["route"] == "/v1/chat/completions" and line["status"] == 200
    assert line["prompt_tokens"] == n_in and line["completion_tokens"] == 13 and line["total_tokens"] == n_in + 13
    assert type(line["latency_ms"]) is int and line["latency_ms"] >= 0
    assert "prompt" not in line and "completion" not in line
    assert MARK not in json.dumps(shim.logs) and MARK not in caplog.text
    assert "Paris" not in json.dumps(shim.logs)


@pytest.mark.parametrize("value", ["false", "TRUE", "1", "yes", ""])
def test_log_prompts_needs_exactly_true(shim, fake, stack_env, value):
    stack_env.setenv("LOG_PROMPTS", value)
    assert shim.call("/invoke", {"prompt": MARK})[0] == 200
    shim.call("/invoke", {"prompt": MARK, "parameters": {"temperature": 9}})
    assert len(shim.logs) == 1 and MARK not in json.dumps(shim.logs)


def test_log_prompts_true_logs_prompt_and_completion(shim, fake, stack_env):
    stack_env.setenv("LOG_PROMPTS", "true")
    assert shim.call("/invoke", {"prompt": MARK, "parameters": {"max_new_tokens": 2}})[0] == 200
    (line,) = shim.logs
    assert line["prompt"] == MARK and line["completion"] == "Paris is"
    assert shim.call("/v1/chat/completions", {"messages": [{"role": "user", "content": MARK}], "max_tokens": 1})[0] == 200
    assert shim.logs[-1]["prompt"] == [{"role": "user", "content": MARK}] and shim.logs[-1]["completion"] == "Paris"
