"""moto's own server with the fixes applied: what `server.py -H HOST -p PORT` runs, and each server forked by
forkserver.py (apart from server.py so that neither of the two imports the other)."""
from __future__ import annotations

import sys

import patches
import speedups


def run(argv: list[str]) -> None:
    """Apply the fixes LOCALAWS_DISABLE leaves in, name them on stderr (the server log), then serve."""
    speedups.apply_all()
    disabled = patches.disabled_from_env()
    applied = patches.apply_all(disabled)
    print(f"localaws: fixes applied: {', '.join(applied) or '(none)'}; "
          f"disabled: {', '.join(sorted(disabled)) or '(none)'}", file=sys.stderr, flush=True)
    from moto.server import main as serve

    serve(argv)
