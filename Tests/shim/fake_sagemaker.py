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
