#!/usr/bin/env python3
# slmstack streaming chat function: a web app behind the AWS Lambda Web Adapter layer
# (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap runs this file; AWS_LWA_INVOKE_MODE=response_stream).
# API Gateway (REST, integration ResponseTransferMode STREAM) -> adapter -> HTTP on AWS_LWA_PORT.
#
#   GET  /healthz               the adapter's readiness check (AWS_LWA_READINESS_CHECK_PATH)
#   POST /v1/chat/completions   as the shim (index.py, the same file as handler.py), and with
#                               "stream": true Server-Sent Events in OpenAI's chunk format:
#                               data: {chat.completion.chunk} ... data: [DONE]
#
# The model streams through SageMaker's InvokeEndpointWithResponseStream: the engine's own chat API
# with "stream": true (TGI 3.x and vLLM both take OpenAI's request on /invocations and apply the
# model's chat template), whose PayloadPart bytes are the engine's Server-Sent Events
# (data: {chat.completion.chunk} ... data: [DONE]), cut anywhere, even inside a UTF-8 character, so
# bytes are buffered and split by line. The engine's chunks are read for their text, finish reason
# and usage (always asked for: stream_options.include_usage); the client gets this stack's own
# chunks (its id, MODEL_ID, finish_reason stop or length). Errors before the first byte are the
# shim's JSON errors with their status; after it, one data: {"error": ...} event (the openai client
# raises APIError on it) and no [DONE].
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import index


class Chat(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # the Server header reaches the client through the adapter: no Python version in it
    server_version, sys_version = "slmstack", ""

    def log_message(self, *args):
        # the one JSON line per request is the log
        pass

    def do_GET(self):
        if self.path.split("?")[0] == "/healthz":
            return self.whole(200, {"status": "ok"})
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

    def whole(self, status, out, headers={}):
        body = json.dumps(out, allow_nan=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, method):
        t0 = time.time()
        context = {}
        try:
            context = json.loads(self.headers.get("x-amzn-request-context") or "{}")
        except ValueError:
            pass
        rid = str(context.get("requestId") or "-")
        log = {"request_id": rid, "route": self.path.split("?")[0], "method": method, "stream": False}
        n = int(self.headers.get("Content-Length") or 0)
        event = {"resource": log["route"], "httpMethod": method, "body": self.rfile.read(n).decode("utf-8", "replace") if n else ""}
        status = 200
        try:
            q = index.prepare(event, log, os.environ)
            if q["stream"]:
                log["stream"] = True
                status = self.stream(q, rid, log)
            else:
                status, out = index.complete(q, rid, log, os.environ)
                self.whole(status, out)
        except index.Fail as e:
            status, code, param, message = e.args
            log["error"] = code
            self.whole(status, index.error(status, code, param, message), index.retry_after(status, code))
        except Exception as e:
            # a bug: type name in the log, nothing out
            log["exception"] = type(e).__name__
            status = 500
            self.whole(500, index.error(500, "internal_error", None, "request id " + rid))
        log.update(status=status, latency_ms=round(1000 * (time.time() - t0)))
        print(json.dumps(log), flush=True)

    def stream(self, q, rid, log):
        env = os.environ
        try:
            r = index.SM.invoke_endpoint_with_response_stream(
                EndpointName=env["ENDPOINT_NAME"], **index.component(q), ContentType="application/json", Accept="text/event-stream",
                Body=json.dumps(dict(q["body"], stream=True, stream_options={"include_usage": True})))
        except Exception as e:
            index.model_failed(e, q["field"], rid, log)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        head = {"id": "chatcmpl-" + rid, "object": "chat.completion.chunk", "created": int(time.time()), "model": q["model"]}
        extra = {"usage": None} if q["usage"] else {}

        def send(data):
            data = data.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def chunk(delta, finish=None):
            send("data: " + json.dumps(dict(head, choices=[{"index": 0, "delta": delta, "finish_reason": finish}], **extra)) + "\n\n")

        chunk({"role": "assistant", "content": ""})
        cut = Cut(q["stops"])
        n_out, n_in, why, text, done, seen = 0, 0, "", "", False, 0
        try:
            for line in lines(r["Body"]):
                ev = event(line)
                if ev == "[DONE]":
                    break
                if ev is None:
                    continue
                piece, finish, usage = ev
                if usage:
                    n_in, n_out = usage
                if finish:
                    why = finish
                if done or not piece:
                    # after a stop string: read on for the usage, send nothing
                    continue
                seen += 1
                piece, done = cut.add(piece)
                text += piece
                if piece:
                    chunk({"content": piece})
            tail = "" if done else cut.flush()
            if tail:
                text += tail
                chunk({"content": tail})
        except Exception as e:
            try:
                index.model_failed(e, q["field"], rid, log)
            except index.Fail as f:
                status, code, param, message = f.args
                log["error"] = code
                send("data: " + json.dumps(index.error(status, code, param, message)) + "\n\n")
                send("")
                return 200
        chunk({}, "stop" if done or why != "length" else "length")
        # without the engine's usage: the text events seen stand for the tokens
        usage = index.counts(n_in or q["least"], n_out or seen)
        log.update(usage)
        if env.get("LOG_PROMPTS") == "true":
            log["completion"] = text
        if q["usage"]:
            send("data: " + json.dumps(dict(head, choices=[], usage=usage)) + "\n\n")
        send("data: [DONE]\n\n")
        send("")
        return 200


class StreamFailed(Exception):
    pass


# The engine's SSE lines from the PayloadPart events, whole and decoded; a stream error raises.
def lines(events):
    buf = b""
    for ev in events:
        if "PayloadPart" in ev:
            buf += ev["PayloadPart"].get("Bytes") or b""
            *done, buf = buf.split(b"\n")
            for line in done:
                yield line.rstrip(b"\r").decode("utf-8", "replace")
        else:
            # ModelStreamError or InternalStreamFailure: the stream is over
            raise StreamFailed(next(iter(ev), "unknown"))
    if buf:
        yield buf.decode("utf-8", "replace")


# One engine event: "[DONE]"; (text, finish reason or None, (prompt, completion tokens) or None) for
# a chat.completion.chunk; None for anything else (blank lines, comments such as keep-alives). TGI
# sends the role in every delta, content "" for a special token, the usage in a last chunk with no
# choices; vLLM a first chunk with the role only, the last token with its finish_reason and
# stop_reason, then the usage chunk. An error event (TGI's {"error": {"message", "http_status_code"}},
# vLLM's {"error": {...}} or older {"object": "error", ...}) raises.
def event(line):
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return data
    ev = json.loads(data)
    if type(ev) is not dict:
        raise ValueError
    if "error" in ev or ev.get("object") == "error":
        raise StreamFailed("model")
    text, finish = "", None
    for c in ev.get("choices") or []:
        text += (c.get("delta") or {}).get("content") or ""
        finish = c.get("finish_reason") or finish
    u = ev.get("usage")
    usage = (u["prompt_tokens"], u["completion_tokens"]) if type(u) is dict else None
    if type(text) is not str or type(finish or "") is not str or usage and not all(type(n) is int and 0 <= n < 2**31 for n in usage):
        raise ValueError
    return text, finish, usage


# Holds back text that may be the start of a stop string, and ends the answer at one: TGI keeps
# the stop string in its text, OpenAI clients expect it gone.
class Cut:
    def __init__(self, stops):
        self.stops = [s for s in stops if s]
        self.held = ""

    def add(self, text):
        self.held += text
        hits = [self.held.index(s) for s in self.stops if s in self.held]
        if hits:
            out, self.held = self.held[:min(hits)], ""
            return out, True
        keep = max((k for s in self.stops for k in range(1, len(s)) if self.held.endswith(s[:k])), default=0)
        out, self.held = self.held[:len(self.held) - keep], self.held[len(self.held) - keep:]
        return out, False

    def flush(self):
        out, self.held = self.held, ""
        return out


def main():
    port = int(os.environ.get("AWS_LWA_PORT") or os.environ.get("PORT") or 8080)
    server = ThreadingHTTPServer(("127.0.0.1", port), Chat)
    print(json.dumps({"listening": port}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
