"""The AWS scalars of the reference server, and ``python -m companydata.api`` / ``run_api`` as a process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from companydata.api.scalars import _datetime_text, _email_text, used_aws_scalars, with_scalar_declarations
from companydata.api.schema import load_sdl
from core.service_signature import sign_request

from .support import SERVICE_SECRET

READY = re.compile(r"company-api ready store=(?P<store>\S+) url=(?P<url>http://127\.0\.0\.1:(?P<port>\d+)/graphql)")


def test_aws_datetime() -> None:
    assert _datetime_text("2026-03-01T12:00:00Z") == "2026-03-01T12:00:00Z"
    assert _datetime_text("2026-03-01T12:00:00.123+05:30") == "2026-03-01T12:00:00.123+05:30"
    assert _datetime_text(datetime(2026, 3, 1, 12, tzinfo=UTC)) == "2026-03-01T12:00:00Z"
    assert _datetime_text(datetime(2026, 3, 1, 13, 0, 0, 5000, tzinfo=timezone(timedelta(hours=1)))) == (
        "2026-03-01T12:00:00.005Z"
    )
    for bad in ("2026-03-01", "2026-03-01T12:00:00", "yesterday", 1_700_000_000, datetime(2026, 3, 1)):
        with pytest.raises(ValueError):
            _datetime_text(bad)


def test_aws_email() -> None:
    assert _email_text("ceo@acme.io") == "ceo@acme.io"
    for bad in ("ceo", "ceo@", "@acme.io", "a b@acme.io", "a@b@c", 7):
        with pytest.raises(ValueError):
            _email_text(bad)


def test_scalar_declarations_for_graphql_core() -> None:
    assert used_aws_scalars(load_sdl()) == {"AWSDateTime", "AWSEmail"}
    assert with_scalar_declarations(load_sdl()).startswith("scalar AWSDateTime\nscalar AWSEmail\n")
    with pytest.raises(ValueError, match="AWSPhone"):
        with_scalar_declarations("type Query { phone: AWSPhone }")


def test_the_api_process_prints_its_ready_line_and_serves(api_store_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANY_")}
    env["COMPANY_API_SHARED_SECRET"] = SERVICE_SECRET.decode()  # how a container gets it
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "companydata.api", "--store", f"sqlite:{api_store_path}", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=handle,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        match = None
        while match is None:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            match = READY.search(log.read_text())
            time.sleep(0.05)
        assert match["store"] == "sqlite"
        assert int(match["port"]) > 0
        body = json.dumps({"query": '{ get_company(company_id: "cmp_00000001") { id } }'}).encode()
        signed = sign_request(SERVICE_SECRET, method="POST", url=match["url"], body=body, principal=None)
        response = httpx.post(match["url"], content=body, headers={"content-type": "application/json", **signed})
        assert response.json() == {"data": {"get_company": {"id": "cmp_00000001"}}}
        unsigned = httpx.post(match["url"], content=body, headers={"content-type": "application/json"})
        assert unsigned.status_code == 401
        base = match["url"].removesuffix("/graphql")
        assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
    finally:
        process.terminate()
        assert process.wait(20) == 0  # a SIGTERM drain is a normal end
    assert "Traceback" not in log.read_text()


def test_the_api_process_refuses_a_missing_store(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "companydata.api", "--store", str(tmp_path / "none.sqlite"), "--port", "0"],
        env={**os.environ, "COMPANY_API_SHARED_SECRET": SERVICE_SECRET.decode()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "No SQLite store" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_api_process_needs_a_secret_or_a_key_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPANY_")}
    argv = [sys.executable, "-m", "companydata.api", "--store", str(tmp_path / "none.sqlite"), "--port", "0"]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "COMPANY_API_SHARED_SECRET" in result.stderr and "Traceback" not in result.stderr
    key = tmp_path / "keys" / "api-service.key"
    result = subprocess.run([*argv, "--key-file", str(key)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "No SQLite store" in result.stderr  # past the secret: made on first use
    assert key.stat().st_mode & 0o777 == 0o600
