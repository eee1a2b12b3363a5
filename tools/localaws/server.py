#!/usr/bin/env python3
"""moto's own server (`moto.server.main`, same arguments as `moto_server`) with the localaws fixes.

    python3 tools/localaws/server.py -H 127.0.0.1 -p PORT

Fixes come from patches.py; `LOCALAWS_DISABLE=name,name` (or `all`) leaves some out.
The names applied are printed to stderr (the server log) at start.

    python3 tools/localaws/server.py --fork-server SOCKET

runs the fork server instead (forkserver.py): moto imported once, servers forked from it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import patches  # noqa: E402


def main(argv: list[str]) -> None:
    if argv[:1] == ["--fork-server"]:
        import forkserver

        forkserver.serve(argv[1])
        return
    disabled = patches.disabled_from_env()
    applied = patches.apply_all(disabled)
    print(f"localaws: fixes applied: {', '.join(applied) or '(none)'}; "
          f"disabled: {', '.join(sorted(disabled)) or '(none)'}", file=sys.stderr, flush=True)
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
