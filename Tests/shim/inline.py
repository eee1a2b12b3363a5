"""The transform the Swift synth applies before inlining the shim as CloudFormation `Code.ZipFile`.

Mirrors `LambdaSource.inlined` (Sources/StackModel/Service/LambdaSource.swift): split at "\\n";
drop every line that is empty or whitespace-only, and every line whose first character after
leading spaces and tabs is `#`; keep every other line byte for byte (indentation included);
join with "\\n" and end with one "\\n".
"""

import pathlib
import re

#: The synth's limit on inlined code, in characters, when LambdaSource.swift cannot be read.
ZIPFILE_LIMIT = 4096
SWIFT_SOURCE = pathlib.Path(__file__).resolve().parents[2] / "Sources" / "StackModel" / "Service" / "LambdaSource.swift"


def inline(source: str) -> str:
    """Return `source` as the synth inlines it."""
    kept = []
    for line in source.split("\n"):
        rest = line.lstrip(" \t")
        if rest and not rest.isspace() and not rest.startswith("#"):
            kept.append(line)
    return "\n".join(kept) + "\n"


def synth_limit():
    """The limit the Swift synth enforces (`LambdaSource.inlineLimit`), or None if it has none."""
    if not SWIFT_SOURCE.exists():
        return ZIPFILE_LIMIT
    found = re.search(r"static let inlineLimit\s*=\s*([0-9_]+)", SWIFT_SOURCE.read_text())
    return int(found.group(1).replace("_", "")) if found else None
