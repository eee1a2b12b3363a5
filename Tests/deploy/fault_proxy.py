"""A loopback fault-injecting HTTP proxy for the local AWS (stdlib only).

    proxy = FaultProxy("http://127.0.0.1:5000", rate=0.2, seed=7)
    proxy.start()                      # listens on 127.0.0.1:<free port>, serves in a background thread
    ... point the client at proxy.url (--endpoint-url / AWS_ENDPOINT_URL) ...
    proxy.stop()                       # or: with FaultProxy(...) as proxy:

Every request is forwarded as received: method, path and query, headers in their order with their
values (the Host header is kept exactly as the client sent it: SigV4 signs it), and the body.
The answer goes back with its status, headers and body. Hop-by-hop headers (Connection,
Keep-Alive, Transfer-Encoding, Expect) are not forwarded; a chunked request body is de-chunked and
sent with Content-Length (neither header is ever signed).

Before forwarding, a request may get a fault instead:

  throttle  HTTP 400 Throttling. Query-protocol requests (a form body with `Action=`) get
            `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>…`; JSON and REST
            requests get `{"__type":"ThrottlingException","message":"Rate exceeded"}` with
            `x-amzn-ErrorType: ThrottlingException`.
  500       HTTP 500 with the service's own error shape (`InternalFailure`).
  503       HTTP 503 with a plain-text body, as a load balancer in front of a service sends it
            (so only the status says it is retryable).
  reset     the request is read, then the socket is closed with SO_LINGER 0 (a TCP RST) before
            any byte of a response.
  delay     a pause (2 s by default), then the request is forwarded normally.

Which requests get a fault is decided by a seeded RNG, so a run is reproducible. The schedule is
stratified: requests are taken in blocks of max(len(kinds), round(len(kinds) / rate)); in each
block one request per kind, at positions drawn from the RNG, gets that kind. So the rate holds
over every block and every kind shows up once a block has gone by (a plain coin flip per request
leaves a kind out of a 50-request run more often than a test can afford). rate=1.0 faults every
request, the kinds in a shuffled order.

`rules` inject targeted faults regardless of the rate: `Rule(match=b"Action=ExecuteChangeSet",
kind="delay", seconds=3)` (bytes in the body or path) or `Rule(operation="DescribeEndpoint",
kind="reset")`; `rule.arrived` is set when a matching request has been read and `rule.done` when
its fault was served (for a delay: after forwarding and answering, or failing to answer a client
that went away).

Rules (or `kinds`) may also name the answering faults of fault_answers.py: html200 (a captive
portal's page with HTTP 200), midbody (the answer cut after half its body), drip (the answer one
byte every `seconds`, 0.1 s by default) and redirect (a 307 to another host, the Catcher, which
records what reaches it: `proxy.catcher.requests`). `host=` binds the proxy to another address
(a non-loopback one, to test plain HTTP to a host that is not this machine's loopback).

capture=("CreateChangeSet",) keeps the bodies of those operations as forwarded (proxy.captured).

keep_alive=False answers every request with `Connection: close`, so each request comes on a fresh
connection. A reset on a reused keep-alive connection is not always what a client sees: libcurl
(under URLSession) silently re-sends the request on a new connection. A request that arrives
without all its body bytes is never forwarded.

Counters (read with `proxy.stats()`): requests received, requests forwarded, faults by kind,
operations received and operations forwarded (answered by the server) by name, time the server
spent answering, errors inside the proxy's handlers (the count and the last traceback) (`Action=` of a query body, the `X-Amz-Target` of JSON, else `METHOD /path`),
answers that could not be written because the client had gone, upstream failures (answered 502).

The HTTP side (reading, forwarding, writing answers) is in fault_handler.py.

Bounded: bodies are limited to 64 MiB, a chunked body to 100,000 chunks, each upstream call times
out after fault_handler.UPSTREAM_TIMEOUT (360 s, past the clients' own clocks), a delay is cut short
by stop(), and stop() joins the serving thread with a timeout.
"""
from __future__ import annotations

import collections
import http.server
import random
import threading
import urllib.parse
from dataclasses import dataclass, field

import fault_answers
from fault_answers import ANSWER_KINDS
from fault_handler import ProxyHandler, ProxyServer

KINDS = ("throttle", "500", "503", "reset", "delay")


@dataclass
class Rule:
    """A targeted fault: requests whose body or path contains `match` (or whose operation name is
    `operation`) get `kind`, up to `times` of them."""

    kind: str
    match: bytes = b""
    seconds: float = 2.0
    times: int = 1
    hits: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    operation: str = ""

    def matches(self, operation: str, path: str, body: bytes) -> bool:
        if self.operation:
            return operation == self.operation
        return bool(self.match) and (self.match in body or self.match in path.encode("latin-1"))


class FaultProxy:
    """See the module docstring."""

    def __init__(self, upstream: str, rate: float = 0.0, kinds=KINDS, seed: int = 0, delay: float = 2.0,
                 rules: list[Rule] | None = None, keep_alive: bool = True, capture: tuple[str, ...] = (),
                 host: str = "127.0.0.1"):
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"upstream must be http://host:port, got {upstream!r}")
        unknown = [k for k in list(kinds) + [r.kind for r in rules or []] if k not in KINDS + ANSWER_KINDS]
        if unknown or not kinds:
            raise ValueError(f"kinds must be a non-empty subset of {KINDS + ANSWER_KINDS}, got {kinds!r}")
        self.host = host
        self.catcher: fault_answers.Catcher | None = None
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be in [0, 1], got {rate}")
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self.rate = rate
        self.kinds = tuple(kinds)
        self.delay = delay
        self.rules = list(rules or [])
        self.keep_alive = keep_alive
        self.capture = frozenset(capture)
        self.captured: dict[str, list[bytes]] = collections.defaultdict(list)  # operation -> forwarded bodies
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._block: list[str | None] = []
        self._stopping = threading.Event()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0
        self.forwarded = 0
        self.client_gone = 0
        self.upstream_errors = 0
        self.handler_errors = 0
        self.last_error = ""
        self.upstream_seconds = 0.0  # time spent waiting for the server's answers (forwarded requests)
        self.faults: collections.Counter[str] = collections.Counter()
        self.operations: collections.Counter[str] = collections.Counter()
        self.forwarded_operations: collections.Counter[str] = collections.Counter()
        self.log: list[tuple[float, str, str]] = []  # (monotonic time, operation, fault kind or "")

    # ------------------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        assert self._server is not None, "proxy not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "FaultProxy":
        proxy = self

        class Handler(ProxyHandler):
            pass

        Handler.proxy = proxy
        if "redirect" in self.kinds or any(r.kind == "redirect" for r in self.rules):
            self.catcher = fault_answers.Catcher()
        server = ProxyServer((self.host, 0), Handler)
        server.proxy = proxy
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stops serving; cuts pending delays short; idempotent."""
        self._stopping.set()
        if self.catcher is not None:
            self.catcher.stop()
        server, self._server = self._server, None
        if server is None:
            return
        try:
            server.shutdown()
        finally:
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout)

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stats(self) -> dict:
        with self._lock:
            return {"requests": self.requests, "forwarded": self.forwarded, "client_gone": self.client_gone,
                    "upstream_errors": self.upstream_errors, "upstream_seconds": self.upstream_seconds,
                    "handler_errors": self.handler_errors, "last_error": self.last_error,
                    "faults": dict(self.faults), "operations": dict(self.operations),
                    "forwarded_operations": dict(self.forwarded_operations)}

    # ------------------------------------------------------------------------- decisions
    def _decide(self, operation: str, path: str, body: bytes) -> tuple[str | None, float, Rule | None]:
        """(fault kind or None, delay seconds, matching rule); counts the request."""
        with self._lock:
            self.requests += 1
            for rule in self.rules:
                if rule.hits < rule.times and rule.matches(operation, path, body):
                    rule.hits += 1
                    self.faults[rule.kind] += 1
                    return rule.kind, rule.seconds, rule
            kind = self._next_scheduled()
            if kind is not None:
                self.faults[kind] += 1
            return kind, self.delay, None

    def _next_scheduled(self) -> str | None:
        if self.rate <= 0.0:
            return None
        if not self._block:
            size = max(len(self.kinds), round(len(self.kinds) / self.rate))
            block: list[str | None] = [None] * size
            for kind, position in zip(self.kinds, self._rng.sample(range(size), len(self.kinds))):
                block[position] = kind
            self._block = block
        return self._block.pop(0)

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)
