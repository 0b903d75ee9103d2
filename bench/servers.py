"""Start the servers under test as subprocesses and wait for their startup lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

READY = re.compile(r"(?:company-mcp|company-api|bare) ready .*?url=(?P<url>\S+)")


@dataclass
class Running:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    started_s: float  # process start to startup line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start(name: str, argv: list[str], env: dict[str, str], log: Path) -> Running:
    began = time.perf_counter()
    handle = log.open("w")
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=handle)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        match = READY.search(log.read_text())
        if match:
            return Running(name, process, match.group("url"), time.perf_counter() - began)
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log.read_text()[-2000:]}")
        time.sleep(0.01)
    process.kill()
    raise RuntimeError(f"{name} did not start:\n{log.read_text()[-2000:]}")


def product_env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANY_MCP_")}
    env.update({"COMPANY_MCP_DATA_DIR": str(data_dir), "COMPANY_MCP_AUTH": "dev"})
    env.update({f"COMPANY_MCP_{k.upper()}": v for k, v in settings.items()})
    return env


def start_product(data_dir: Path, log: Path, *args: str, **settings: str) -> Running:
    argv = [sys.executable, "-m", "cli.main", "serve", "--port", "0", *args]
    return start("company-mcp", argv, product_env(data_dir, **settings), log)


def start_bare(store: Path, log: Path) -> Running:
    return start("bare-sdk", [sys.executable, "-m", "bench.bare_server", str(store), "0"], dict(os.environ), log)


def start_api(data_dir: Path, log: Path) -> Running:
    """The reference company GraphQL API over the data dir's store. Our server signs with the data dir's
    api-service.key; the peer (a generic GraphQL client) cannot sign, so unsigned reads from loopback are on."""
    argv = [sys.executable, "-m", "cli.main", "api", "--port", "0", "--allow-unsigned-loopback-reads"]
    return start("company-api", argv, product_env(data_dir), log)


def mint_token(data_dir: Path, url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "token", "--url", url, "--ttl", "2h"],
        env=product_env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
