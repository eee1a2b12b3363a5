"""The local AWS's server processes: start one (or have the fork server fork it), tell whether a PID is ours,
stop it, find a free port and whether a process holds it. Used by localaws.py (Linux /proc where available)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import forkserver  # no moto import at module level

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.py"
STOP_TIMEOUT = 10.0


def log(msg: str) -> None:
    print(f"localaws: {msg}", file=sys.stderr, flush=True)


def is_our_server(pid: int, port: int | str) -> bool:
    """True when `pid` is alive and is our server.py serving `port`: started with `-p PORT`, or forked
    by the fork server (which keeps the parent's command line and names itself localaws-PORT)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return False
    args = [a.decode(errors="replace") for a in argv if a]
    if not any(a.endswith("localaws/server.py") for a in args):
        return False
    if any(args[i] == "-p" and args[i + 1] == str(port) for i in range(len(args) - 1)):
        return True
    return "--fork-server" in args and comm == f"localaws-{port}"[:15]


def _spawn(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen | forkserver.Forked:
    """Start server.py: forked by the fork server named in $LOCALAWS_FORK_SERVER when there is one."""
    sock_path = os.environ.get("LOCALAWS_FORK_SERVER", "")
    if sock_path and os.path.exists(sock_path):
        try:
            return forkserver.request(sock_path, argv, env, log_path, HERE)
        except (OSError, ValueError, KeyError) as exc:
            log(f"fork server {sock_path} did not answer ({exc}); starting a process instead")
    with open(log_path, "ab") as logfh:
        return subprocess.Popen([sys.executable, str(SERVER), *argv], stdin=subprocess.DEVNULL, stdout=logfh,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=str(HERE))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def terminate(pid: int, timeout: float = STOP_TIMEOUT, proc: subprocess.Popen | forkserver.Forked | None = None) -> None:
    """SIGTERM, wait up to `timeout`, then SIGKILL; reaps `proc` when it is our child."""
    def gone() -> bool:
        if proc is not None and proc.poll() is not None:
            return True
        return not _alive(pid)

    if gone():
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gone():
            return
        time.sleep(0.05)
    log(f"pid {pid} ignored SIGTERM for {timeout:.0f}s; sending SIGKILL")
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not gone():
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listens_on(pid: int, port: int) -> bool:
    """True when process `pid` holds the socket listening on 127.0.0.1:`port` (Linux /proc).

    Two launchers can pick the same free port at once; the loser's health check would then be
    answered by the winner's server. Elsewhere (no /proc) this cannot tell and says True.
    """
    try:
        inodes = set()
        with open("/proc/net/tcp") as table:
            for line in table.readlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.split(":")[1], 16) == port:
                    inodes.add(inode)
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return True
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False
