#!/usr/bin/env python3
"""moto's own server (`moto.server.main`, same arguments as `moto_server`) with the localaws fixes.

    python3 tools/localaws/server.py -H 127.0.0.1 -p PORT

Fixes come from patches.py (applied by moto_main.py); `LOCALAWS_DISABLE=name,name` (or `all`) leaves some out.
The names applied are printed to stderr (the server log) at start.

    python3 tools/localaws/server.py --fork-server SOCKET

runs the fork server instead (forkserver.py): moto imported once, servers forked from it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_main  # noqa: E402  (imports patches: every fix registered, also in the fork server before it forks)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--fork-server"]:
        import forkserver

        forkserver.serve(argv[1])
        return
    moto_main.run(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
