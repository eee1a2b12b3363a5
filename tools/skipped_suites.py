#!/usr/bin/env python3
"""Prints one line naming every suite `make test` skipped, and why, from the runners' logs.

    tools/skipped_suites.py SWIFT_TEST_LOG PYTEST_LOG

Swift tests announce a skip with a `SKIPPED: <why>` line (and Swift Testing reports `Suite … skipped`);
pytest's `-rs` summary lists `SKIPPED [n] path:line: <why>`. Each distinct reason is named once.
"""
from __future__ import annotations

import pathlib
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
PYTEST_SKIP = re.compile(r"^SKIPPED \[(\d+)\] ([^:]+):\d+: (.*)$")
SWIFT_SUITE_SKIP = re.compile(r'Suite "?([^"]+?)"? skipped(?:: "?(.*?)"?)?$')


def reasons(swift_log: str, pytest_log: str) -> list[str]:
    found: dict[str, str] = {}
    for line in swift_log.splitlines():
        line = ANSI.sub("", line).strip()
        if line.startswith("SKIPPED:"):
            found.setdefault(line[len("SKIPPED:"):].strip(), "swift")
        elif match := SWIFT_SUITE_SKIP.search(line):
            found.setdefault(f"{match.group(1)}: {match.group(2) or 'skipped'}", "swift")
    for line in pytest_log.splitlines():
        match = PYTEST_SKIP.match(ANSI.sub("", line).strip())
        if match:
            count, path, why = match.groups()
            found.setdefault(f"{path} ({count} tests): {why.removeprefix('Skipped: ')}", "pytest")
    return list(found)


def main(argv: list[str]) -> int:
    logs = [pathlib.Path(p).read_text(errors="replace") if pathlib.Path(p).exists() else "" for p in argv[1:3]]
    while len(logs) < 2:
        logs.append("")
    found = reasons(*logs)
    if found:
        print(f"SKIPPED SUITES ({len(found)}): " + " | ".join(found))
    else:
        print("skipped suites: none")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
