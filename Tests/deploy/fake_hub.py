"""A local fake of the Hugging Face Hub's file API, as huggingface_hub calls it, for `slmstack stage-model`.

    GET /api/models/<owner>/<name>/revision/<rev>        {"id", "sha", "siblings": [{"rfilename"}]}
    GET /api/models/<owner>/<name>/tree/<sha>?recursive=true
                                                         [{"type": "file", "path", "size", "oid", "lfs"?: {"oid", "size"}}],
                                                         paginated with Link: <…>; rel="next"
    GET /<owner>/<name>/resolve/<sha>/<path>             the bytes (Range supported, 206); LFS files answer 302
                                                         to a CDN URL on another host name (localhost vs 127.0.0.1)
                                                         that needs no token, as the real Hub's signed CDN URLs

A gated model answers 401 without a token and 403 with a wrong one. Files are deterministic pseudo-random
bytes with real SHA-256s. `failures` makes range requests at a start offset drop their connection (that many
times: the client retries), to interrupt an upload half-way.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

PAGE = 3  # tree entries per page: small, so pagination is exercised


def _bytes(seed: str, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


class Model:
    def __init__(self, model_id: str, files: dict[str, bytes], lfs: set[str], token: str | None = None):
        self.id = model_id
        self.files = files
        self.lfs = lfs
        self.token = token
        self.sha = hashlib.sha1(model_id.encode()).hexdigest()

    def tree(self) -> list[dict]:
        entries = []
        for path in sorted(self.files):
            data = self.files[path]
            entry = {"type": "file", "path": path, "size": len(data),
                     "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
            if path in self.lfs:
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        return entries


def chat_model(model_id: str, weights_mib: float, token: str | None = None) -> Model:
    """A model with the files a chat model has on the Hub, serving and not."""
    weights = _bytes(model_id + "/model.safetensors", int(weights_mib * 1024 * 1024))
    files = {
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}).encode(),
        "tokenizer.json": json.dumps({"version": "1.0", "model": {"type": "BPE"}}).encode() * 50,
        "tokenizer_config.json": json.dumps({"chat_template": "{{ messages }}"}).encode(),
        "generation_config.json": b'{"max_length": 2048}',
        "model.safetensors": weights,
        "pytorch_model.bin": _bytes(model_id + "/bin", 300_000),
        "onnx/model.onnx": _bytes(model_id + "/onnx", 1000),
        "README.md": b"# a model\n",
        ".gitattributes": b"*.safetensors filter=lfs\n",
    }
    return Model(model_id, files, lfs={"model.safetensors", "pytorch_model.bin", "onnx/model.onnx"}, token=token)


class FakeHub:
    """The server, its models, and what it was asked."""

    def __init__(self, models: list[Model]):
        self.models = {m.id: m for m in models}
        self.requests: list[dict] = []
        self.failures: dict[int, int] = {}
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                hub._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.cdn = f"http://localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # --- handling ---

    def _send(self, h, status, body=b"", headers=None):
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _json(self, h, value, headers=None):
        self._send(h, 200, json.dumps(value).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _authorized(self, h, model) -> bool:
        if model.token is None:
            return True
        auth = h.headers.get("Authorization")
        if auth is None:
            self._send(h, 401, b'{"error":"Access to model is restricted. You must have access to it and be authenticated to access it."}')
            return False
        if auth != f"Bearer {model.token}":
            self._send(h, 403, b'{"error":"Access to model is restricted and you are not in the authorized list."}')
            return False
        return True

    def _handle(self, h):
        url = urlparse(h.path)
        path = unquote(url.path)
        with self.lock:
            self.requests.append({"path": path, "host": h.headers.get("Host", ""), "auth": h.headers.get("Authorization"),
                                  "range": h.headers.get("Range")})
        if m := re.fullmatch(r"/api/models/([^/]+/[^/]+)/revision/([^/]+)", path):
            model = self.models.get(m.group(1))
            if model is None:
                return self._send(h, 404, b'{"error":"Repository not found"}')
            if not self._authorized(h, model):
                return
            if m.group(2) not in ("main", model.sha):
                return self._send(h, 404, b'{"error":"Invalid rev id"}')
            return self._json(h, {"id": model.id, "sha": model.sha, "siblings": [{"rfilename": p} for p in sorted(model.files)]})
        if m := re.fullmatch(r"/api/models/([^/]+/[^/]+)/tree/([^/]+)", path):
            model = self.models.get(m.group(1))
            if model is None:
                return self._send(h, 404, b"{}")
            if not self._authorized(h, model):
                return
            entries = model.tree() if parse_qs(url.query).get("recursive") == ["true"] else [e for e in model.tree() if "/" not in e["path"]]
            cursor = int(parse_qs(url.query).get("cursor", ["0"])[0])
            page = entries[cursor:cursor + PAGE]
            headers = {}
            if cursor + PAGE < len(entries):
                headers["Link"] = f'<{self.url}/api/models/{model.id}/tree/{m.group(2)}?recursive=true&cursor={cursor + PAGE}>; rel="next"'
            return self._json(h, page, headers)
        if m := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            model = self.models.get(m.group(1))
            if model is None or m.group(3) not in model.files:
                return self._send(h, 404, b"Entry not found")
            if not self._authorized(h, model):
                return
            data = model.files[m.group(3)]
            if m.group(3) in model.lfs:
                digest = hashlib.sha256(data).hexdigest()
                return self._send(h, 302, headers={"Location": f"{self.cdn}/cdn/{model.sha}/{digest}?X-Amz-Signature=fake&file={m.group(3)}"})
            return self._serve(h, data)
        if m := re.fullmatch(r"/cdn/([0-9a-f]+)/([0-9a-f]+)", path):
            for model in self.models.values():
                for name, data in model.files.items():
                    if model.sha == m.group(1) and hashlib.sha256(data).hexdigest() == m.group(2):
                        return self._serve(h, data)
            return self._send(h, 404, b"")
        self._send(h, 404, b"")

    def _serve(self, h, data):
        wanted = h.headers.get("Range")
        if not wanted:
            return self._send(h, 200, data)
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted)
        start = int(m.group(1))
        end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
        with self.lock:
            fail = self.failures.get(start, 0) > 0
            if fail:
                self.failures[start] -= 1
        if fail:
            # The connection drops half-way through the answer.
            h.send_response(206)
            h.send_header("Content-Length", str(end - start + 1))
            h.end_headers()
            h.wfile.write(data[start:start + 1000])
            h.wfile.flush()
            h.close_connection = True
            h.connection.shutdown(2)
            return
        self._send(h, 206, data[start:end + 1], {"Content-Range": f"bytes {start}-{end}/{len(data)}"})

    def served(self, host_prefix: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["host"].startswith(host_prefix)]
