"""Real xapian-tcpsrv processes on free loopback ports, for the sharded backend's tests.

Each server runs in its own process group: xapian-tcpsrv forks a child per
connection, so stopping or killing a shard means signalling the whole group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from helpers import ROOT

START_TIMEOUT = 10.0  # seconds for a server to accept connections


def require_tcpsrv() -> str:
    """The xapian-tcpsrv binary, installed by the project's script when missing."""
    found = shutil.which("xapian-tcpsrv")
    if found:
        return found
    script = ROOT / "scripts" / "ensure-xapian-tools.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    found = shutil.which("xapian-tcpsrv")
    if found:
        return found
    why = f"xapian-tcpsrv unavailable: {done.stderr.strip() or done.returncode}"
    if os.environ.get("CI") or os.geteuid() == 0:
        pytest.fail(why)
    pytest.skip(why + " (not root, not CI)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class ShardServer:
    """One xapian-tcpsrv over one folder: a writable database, or (`stub`) a shard folder
    that `newsbot index` builds generations in and switches (layout.py)."""

    def __init__(self, binary: str, path: Path, stub: bool = False) -> None:
        self.binary = binary
        self.path = path
        self.stub = stub
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> ShardServer:
        import xapian

        from retrieval.index.backends.shards import layout

        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.stub:
            layout.initialise(self.path)
        else:
            xapian.WritableDatabase(str(self.path), xapian.DB_CREATE_OR_OPEN).close()
        self.proc = subprocess.Popen(
            [
                self.binary,
                *([] if self.stub else ["--writable"]),
                "--quiet",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.port),
                str(self.path),
            ],
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"xapian-tcpsrv on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def _signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """Kill the server and every connection it forked."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)


class ShardServers:
    """Servers started by one test; all killed when it ends."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.binary = require_tcpsrv()
        self.servers: list[ShardServer] = []

    def start(self, count: int, stub: bool = False) -> list[ShardServer]:
        started = []
        for _ in range(count):
            path = self.root / f"shard{len(self.servers)}"
            server = ShardServer(self.binary, path, stub)
            self.servers.append(server)
            started.append(server.start())
        return started

    def close(self) -> None:
        for server in self.servers:
            server.resume()
            server.kill()
