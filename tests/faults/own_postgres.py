"""A PostgreSQL server of the test's own: started, killed, frozen and restarted by the test (never the shared one).

Runs the machine's PostgreSQL binaries as the ``postgres`` user (initdb refuses root; set on the process
itself rather than through ``runuser``, which stops itself when its child is stopped) on a free loopback
port, with its data in a temporary folder. ``kill`` is an immediate shutdown (what a crash or a lost node
looks like to clients: connections cut, new ones refused); ``freeze`` stops every server process with
SIGSTOP (connections hang), ``thaw`` resumes them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import IN_CI

AS_POSTGRES: dict[str, object] = {"user": "postgres", "group": "postgres", "extra_groups": []}


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnPostgres:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="company-mcp-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"  # the Unix socket and its lock file, written by the postgres user
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.root / "postgres.log"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(list(argv), check=False, capture_output=True, timeout=120, **AS_POSTGRES)

    def init(self) -> None:
        for folder in (self.data, self.sockets):
            folder.mkdir()
            shutil.chown(folder, "postgres", "postgres")
        done = self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.decode()[-1000:]}")

    def start(self, timeout_s: float = 30) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.sockets),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=60",
            ],
            stdout=handle,
            stderr=handle,
            **AS_POSTGRES,
        )
        deadline = time.monotonic() + timeout_s
        while not self.accepting():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"own PostgreSQL did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def accepting(self) -> bool:
        done = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "1"],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def _server_pids(self) -> list[int]:
        postmaster = self._postmaster_pid()
        if postmaster is None:
            return []
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False)
        return [postmaster, *(int(pid) for pid in children.stdout.split())]

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """Immediate shutdown: every connection is cut, new ones are refused."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        if self.process is not None:
            self.process.wait(timeout=30)

    def freeze(self) -> None:
        for pid in self._server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def remove(self) -> None:
        self.thaw()
        if self.process is not None and self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    bin_dir = _binaries()
    if bin_dir is None:
        if IN_CI:
            pytest.fail("PostgreSQL server binaries are required in CI")
        pytest.skip("no PostgreSQL server binaries on this machine")
    server = OwnPostgres(bin_dir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
