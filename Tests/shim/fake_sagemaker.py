"""A tiny fake SageMaker Runtime in front of a fake TGI, on 127.0.0.1 only.

It answers `POST /endpoints/<name>/invocations` the way SageMaker does for an endpoint running
Hugging Face TGI: a 200 with TGI's `[{"generated_text", "details"}]` body, TGI's own errors
(`{"error", "error_type"}`) wrapped in SageMaker's `ModelError` envelope (HTTP 424 with
`OriginalStatusCode` / `OriginalMessage`), and SageMaker's own errors (`ValidationError` for a
missing endpoint, `ThrottlingException`, `ModelNotReadyException`, `ServiceUnavailable`, ...).
Shapes follow the botocore service model for sagemaker-runtime 2017-05-13 (error codes and HTTP
statuses) and TGI's router (`validation.rs` messages, 422/424/429 statuses).

Every request is recorded (`requests`: endpoint, headers, parsed JSON body). Tests can queue
canned answers (`queue`) or let the fake TGI answer: it validates like TGI (temperature > 0,
0 < top_p < 1, at most 4 stop strings, input and total token limits with a crude tokenizer),
generates a fixed sentence, honours `max_new_tokens` and `stop` (keeping the stop string in the
text, as TGI does) and reports `details` with `prefill` (one entry per prompt token).

Chat requests (OpenAI `messages`, which both engines take on /invocations) are answered by the
engine set in `engine`: "tgi" (TGI 3.x's chat.completion: id "", system_fingerprint, eos_token
reported as "stop", stop strings kept in the text with "stop_sequence", errors 422 {"error",
"error_type"}) or "vllm" (vLLM's chat.completion with its extra fields, stop strings left out,
errors 400 {"error": {"message", "type", "param", "code"}}; its completions API answers "prompt"
requests). The fake renders messages with TinyLlama's template (`render`) to count prompt tokens, as
the model's own template would in the container; a role outside `roles` is the template's error.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = "123456789012"
SENTENCE = "Paris is the capital of France. It is known for the Eiffel Tower."


def model_error(status, tgi_body, region="us-east-1", endpoint="slm-endpoint"):
    """SageMaker's envelope for an error returned by the model container (HTTP 424)."""
    kind = "client" if 400 <= status < 500 else "server"
    text = tgi_body if isinstance(tgi_body, str) else json.dumps(tgi_body)
    return (424, {"x-amzn-ErrorType": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/"}, {
        "ErrorCode": f"{kind.upper()}_ERROR_FROM_MODEL",
        "LogStreamArn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/sagemaker/Endpoints/{endpoint}",
        "Message": f'Received {kind} error ({status}) from primary with message "{text}". See https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:group=/aws/sagemaker/Endpoints/{endpoint} in account {ACCOUNT} for more information.',
        "OriginalMessage": text,
        "OriginalStatusCode": status,
    })


def tgi_error(status, message, error_type):
    """A TGI error body wrapped as SageMaker returns it."""
    return model_error(status, {"error": message, "error_type": error_type})


def sagemaker_error(status, code, message):
    """An error raised by SageMaker itself (not by the container)."""
    return (status, {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.sagemaker/"}, {"message": message})


# SageMaker's answer when the container does not answer within 60 s
CONTAINER_TIMEOUT = (424, {"x-amzn-ErrorType": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/"}, {
    "ErrorCode": "SERVER_ERROR_FROM_MODEL",
    "Message": 'Received server error (0) from primary with message "Your invocation timed out while waiting for a response from container primary. Review the latency metrics for each container in Amazon CloudWatch, resolve the issue, and try again.". See https://us-east-1.console.aws.amazon.com/cloudwatch/home in account 123456789012 for more information.',
})


def render(messages):
    """The fake model's own chat template (TinyLlama's), as the container applies it."""
    return "".join(f"<|{m['role']}|>\n{m['content']}</s>\n" for m in messages) + "<|assistant|>\n"


def vllm_error(status, message):
    """A vLLM error body (ErrorResponse) wrapped as SageMaker returns it."""
    kind = "BadRequestError" if status == 400 else "NotFoundError" if status == 404 else "InternalServerError"
    return model_error(status, {"error": {"message": message, "type": kind, "param": None, "code": status}})


def fake_tokens(text):
    """A crude tokenizer: one token per 4 UTF-8 bytes, plus BOS (real ones average ~4 bytes)."""
    return 1 + (len(text.encode()) + 3) // 4


class FakeSageMaker:
    """Start with `with FakeSageMaker() as fake:`; boto3 goes to `fake.url`."""

    def __init__(self, endpoints=("slm-endpoint",), max_input_tokens=1536, max_total_tokens=2048, as_list=True):
        self.endpoints = set(endpoints)
        self.max_input_tokens = max_input_tokens
        self.max_total_tokens = max_total_tokens
        self.as_list = as_list
        self.engine = "tgi"
        self.roles = {"system", "user", "assistant"}
        self.requests = []
        self.queue = []
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.split("/")
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                fake.requests.append({"endpoint": parts[2] if len(parts) > 2 else None, "path": self.path,
                                      "headers": dict(self.headers), "body": body})
                if fake.delay:
                    time.sleep(fake.delay)
                status, headers, out = fake.queue.pop(0) if fake.queue else fake.answer(parts, body)
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                try:
                    self.send_response(status)
                    for k, v in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (read-timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def answer(self, parts, body):
        """What SageMaker + TGI would answer to a request nobody queued an answer for."""
        if len(parts) != 4 or parts[1] != "endpoints" or parts[3] != "invocations" or parts[2] not in self.endpoints:
            return sagemaker_error(400, "ValidationError", f"Endpoint {parts[2] if len(parts) > 2 else ''} of account {ACCOUNT} not found.")
        if isinstance(body, dict) and ("messages" in body or "prompt" in body and self.engine == "vllm"):
            return self.openai(body)
        if self.engine == "vllm":
            return vllm_error(400, "1 validation error: messages Field required")
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
            return tgi_error(422, "Failed to deserialize the JSON body into the target type: missing field `inputs`", "validation")
        p = body.get("parameters") or {}

        def invalid(message):
            return tgi_error(422, "Input validation error: " + message, "validation")

        if "temperature" in p and not p["temperature"] > 0:
            return invalid("`temperature` must be strictly positive")
        if "top_p" in p and not 0 < p["top_p"] < 1:
            return invalid("`top_p` must be > 0.0 and < 1.0")
        if "top_k" in p and not p["top_k"] > 0:
            return invalid("`top_k` must be strictly positive")
        if len(p.get("stop") or []) > 4:
            return invalid(f"`stop` supports up to 4 stop sequences. Given: {len(p['stop'])}")
        n_in = fake_tokens(body["inputs"])
        max_new = p.get("max_new_tokens", 100)
        if n_in > self.max_input_tokens:
            return invalid(f"`inputs` must have less than {self.max_input_tokens} tokens. Given: {n_in}")
        if n_in + max_new > self.max_total_tokens:
            return invalid(f"`inputs` tokens + `max_new_tokens` must be <= {self.max_total_tokens}. Given: {n_in} `inputs` tokens and {max_new} `max_new_tokens`")
        words = SENTENCE.split(" ")
        text, reason = " ".join(words[:max_new]), "length" if max_new < len(words) else "eos_token"
        for s in p.get("stop") or []:
            if s in text:
                text, reason = text[: text.index(s) + len(s)], "stop_sequence"
                break
        n_out = min(max_new, len(words)) if reason != "stop_sequence" else len(text.split(" "))
        details = {
            "finish_reason": reason, "generated_tokens": n_out, "seed": p.get("seed"),
            "prefill": [{"id": i, "text": "t", "logprob": None} for i in range(n_in)] if body["parameters"].get("decoder_input_details") else [],
            "tokens": [{"id": i, "text": w, "logprob": -0.5, "special": False} for i, w in enumerate(words[:n_out])],
        }
        out = {"generated_text": text, **({"details": details} if p.get("details") else {})}
        return 200, {}, [out] if self.as_list else out

    def openai(self, body):
        """The engine's chat API (or vLLM's completions API for "prompt") on a request nobody queued an answer for."""
        tgi = self.engine == "tgi"
        chat = "messages" in body
        if chat and any(m.get("role") not in self.roles for m in body["messages"]):
            message = "Template error: Conversation roles must alternate user/assistant/user/assistant/..."
            return tgi_error(422, message, "template_error") if tgi else vllm_error(400, message)
        top_p, stop = body.get("top_p"), body.get("stop") or []
        stop = [stop] if isinstance(stop, str) else stop
        if tgi and top_p is not None and not 0 < top_p < 1:
            return tgi_error(422, "Input validation error: `top_p` must be > 0.0 and < 1.0", "validation")
        if tgi and len(stop) > 4:
            return tgi_error(422, f"Input validation error: `stop` supports up to 4 stop sequences. Given: {len(stop)}", "validation")
        n_in = fake_tokens(render(body["messages"]) if chat else body["prompt"])
        max_new = body.get("max_tokens", 100)
        if tgi and n_in > self.max_input_tokens:
            return tgi_error(422, f"Input validation error: `inputs` must have less than {self.max_input_tokens} tokens. Given: {n_in}", "validation")
        if tgi and n_in + max_new > self.max_total_tokens:
            return tgi_error(422, f"Input validation error: `inputs` tokens + `max_new_tokens` must be <= {self.max_total_tokens}. "
                                  f"Given: {n_in} `inputs` tokens and {max_new} `max_new_tokens`", "validation")
        if not tgi and n_in + max_new > self.max_total_tokens:
            return vllm_error(400, f"This model's maximum context length is {self.max_total_tokens} tokens. However, you requested "
                                   f"{n_in + max_new} tokens ({n_in} in the messages, {max_new} in the completion). "
                                   "Please reduce the length of the messages or completion.")
        words = SENTENCE.split(" ")
        text, reason, stop_reason = " ".join(words[:max_new]), "length" if max_new < len(words) else "stop", None
        for s in stop:
            if s in text:
                text, reason, stop_reason = text[: text.index(s) + (len(s) if tgi else 0)], "stop_sequence" if tgi else "stop", s
                break
        n_out = min(max_new, len(words)) if stop_reason is None else len(text.split(" "))
        usage = {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}
        if tgi:
            return 200, {}, {"object": "chat.completion", "id": "", "created": int(time.time()), "model": "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
                             "system_fingerprint": "3.3.6-sha-0000000",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None, "finish_reason": reason}],
                             "usage": usage}
        choice = {"index": 0, "logprobs": None, "finish_reason": reason, "stop_reason": stop_reason}
        if chat:
            choice["message"] = {"role": "assistant", "content": text, "refusal": None, "tool_calls": [], "reasoning_content": None}
        else:
            choice["text"] = text
        return 200, {}, {"id": "chatcmpl-0f" if chat else "cmpl-0f", "object": "chat.completion" if chat else "text_completion",
                         "created": int(time.time()), "model": "/opt/ml/model", "choices": [choice], "service_tier": None,
                         "system_fingerprint": None, "usage": dict(usage, prompt_tokens_details=None), "kv_transfer_params": None}
