"""On stdio too, a write call the SDK refuses before any tool runs leaves exactly one blocked record."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.support import audit_records, server_env


def rpc(id_: int, method: str, params: dict[str, Any] | None = None) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params or {}})


def exchange(data_dir: Path, lines: list[str], wanted: set[int]) -> dict[int, dict[str, Any]]:
    """Send ``lines`` to a stdio server and collect the answers to ``wanted`` before closing its stdin (the SDK
    drops answers still in flight when its input ends)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--transport", "stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_env(data_dir),
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    received: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [received.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    for line in lines:
        process.stdin.write(line + "\n")
    process.stdin.flush()
    answers: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + 60
    while not wanted <= answers.keys() and time.monotonic() < deadline:
        try:
            message = json.loads(received.get(timeout=1))
        except queue.Empty:
            continue
        if "id" in message:
            answers[message["id"]] = message
    process.stdin.close()
    assert process.wait(30) == 0
    return answers


def test_malformed_write_calls_over_stdio_are_audited(data_dir: Path) -> None:
    lines = [
        rpc(
            1,
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
        ),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        rpc(2, "tools/call", {"name": "create_collection", "arguments": "not an object"}),
        rpc(3, "tools/call", {"name": "add_to_collection", "arguments": ["a", "list"]}),
        rpc(4, "tools/call", {"name": "create_collection", "arguments": {"name": "well formed"}}),
        rpc(5, "tools/call", {"name": "search_companies", "arguments": "a read, not audited"}),
    ]
    answers = exchange(data_dir, lines, wanted={1, 2, 3, 4, 5})
    assert {2, 3, 5} <= {i for i, a in answers.items() if "error" in a}, answers  # refused by the SDK
    assert answers[4]["result"]["isError"] is True  # the pipeline's answer: writes are off
    records = [(r["tool"], r["decision"], r["reason"]) for r in audit_records(data_dir)]
    assert sorted(records) == sorted(
        [  # one each; the server handles the calls concurrently
            ("create_collection", "blocked", "protocol_rejected"),
            ("add_to_collection", "blocked", "protocol_rejected"),
            ("create_collection", "blocked", "mutations_disabled:setting:allow_mutations"),
        ]
    )
