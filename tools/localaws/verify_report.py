"""verify.py's report (a Check per resource, the stack-level problems) and its boto3 clients."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError


@dataclass
class Check:
    logical_id: str
    resource_type: str
    physical_id: str | None
    ok: bool
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    stack: str
    mode: str
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # stack-level problems
    snapshot: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "mode": self.mode, "ok": self.ok, "problems": self.problems,
                "checks": [c.__dict__ for c in self.checks]}

    def to_text(self) -> str:
        lines = [f"{'OK  ' if self.ok else 'FAIL'} stack {self.stack} ({self.mode}): "
                 f"{sum(c.ok for c in self.checks)}/{len(self.checks)} checks passed"]
        for p in self.problems:
            lines.append(f"  FAIL {p}")
        for c in self.checks:
            head = f"  {'ok  ' if c.ok else 'FAIL'} {c.logical_id:28} {c.resource_type:42} {c.physical_id or '-'}"
            lines.append(head)
            for p in c.problems:
                lines.append(f"         - {p}")
        return "\n".join(lines)


class Clients:
    """boto3 clients from one session, created on first use."""

    def __init__(self, session: boto3.Session | None = None) -> None:
        self.session = session or boto3.Session()
        self._c: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._c:
            self._c[service] = self.session.client(service)
        return self._c[service]


def _missing(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or any(w in code for w in ("NotFound", "NoSuch", "Invalid", "ValidationError", "ValidationException"))
