"""The fake adapter's builder: Settings -> local adapters -> Runtime (called by ``adapters.bootstrap``).

Everything lives in ``COMPANY_MCP_DATA_DIR``: the SQLite store, ``flags.json``,
``audit.jsonl`` with its checkpoint and key, and the cursor key. No cloud SDK is imported on this path.
"""

from __future__ import annotations

import getpass
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from adapters.fake.audit import JsonlAuditSink, provision_audit_key
from adapters.fake.flags import JsonFileFlags
from adapters.fake.metrics import PrometheusMetrics
from adapters.ratelimit import LimitsRateLimiter
from companydata.sqlite_store import SqliteStore
from core.config import Settings
from core.model import local_principal
from core.ports import Backend, Ports
from core.runtime import Runtime

STORE_FILE = "companies.sqlite"


@dataclass(frozen=True, slots=True)
class DataDir:
    root: Path

    @property
    def store(self) -> Path:
        return self.root / STORE_FILE

    @property
    def flags(self) -> Path:
        return self.root / "flags.json"

    @property
    def audit(self) -> Path:
        return self.root / "audit.jsonl"

    @property
    def cursor_key(self) -> Path:
        return self.root / "cursor.key"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)


def cursor_secret(settings: Settings, data: DataDir) -> bytes:
    """One key per data dir, so every process serving it accepts the others' cursors."""
    if settings.cursor_secret:
        return settings.cursor_secret.encode()
    try:
        return data.cursor_key.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    tmp = data.cursor_key.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    try:
        os.link(tmp, data.cursor_key)  # atomic: the first process to create it wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return data.cursor_key.read_bytes()


def local_runtime(settings: Settings, backend: Backend, *, backend_probe: str) -> Runtime:
    """The local guard ports around ``backend``: flags.json, audit.jsonl, Prometheus metrics, rate limits."""
    data = DataDir(settings.data_dir)
    data.ensure()
    flags = JsonFileFlags(data.flags)
    audit_key = provision_audit_key(data.audit)  # <data_dir>/audit.key, beside audit.jsonl and audit.checkpoint
    audit = JsonlAuditSink(data.audit, audit_key)
    metrics = PrometheusMetrics()
    limiter = LimitsRateLimiter(settings.redis_url)
    ports = Ports(backend=backend, flags=flags, audit=audit, metrics=metrics, rate_limiter=limiter)
    return Runtime(
        ports=ports,
        cursor_secret=cursor_secret(settings, data),
        audit_key=audit_key,
        readiness={
            backend_probe: backend.ping,
            "flags": flags.get_flags,
            "audit": audit.ping,
            "rate_limits": limiter.ping,
        },
        metrics_text=metrics.render,
        local_principal=local_principal(getpass.getuser()),
        close=backend.aclose,
    )


def ensure_default_store(settings: Settings) -> None:
    """Build a default store on first start, telling the user what is happening."""
    from companydata.seed import seed_sqlite

    data = DataDir(settings.data_dir)
    if data.store.exists():
        return
    data.ensure()
    print(
        f"company-mcp: no company store in {data.root}; building a default one with "
        f"{settings.seed_companies:,} companies (one time, a few seconds; "
        "`company-mcp seed --companies N` builds another size)",
        file=sys.stderr,
        flush=True,
    )
    seed_sqlite(data.store, settings.seed_companies, progress=sys.stderr.isatty())


def build_fake_runtime(settings: Settings) -> Runtime:
    ensure_default_store(settings)
    store = SqliteStore(DataDir(settings.data_dir).store, discovery_delay_s=settings.discovery_delay_s)
    return local_runtime(settings, store, backend_probe="store")
