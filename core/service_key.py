"""The local service key: the shared secret ``company-mcp api`` and the graphql adapter both take from one data dir.

``<data_dir>/api-service.key`` holds 32 random bytes (URL-safe base64 text, so it can be copied
into ``COMPANY_MCP_API_SHARED_SECRET`` on another machine), mode 0600, created on first use by
whichever process comes first (written to a private temporary file, then hard-linked into
place, so a reader never sees a partial key and two starters agree on one key). A key that
others may read, or too short, is refused rather than used: anyone able to read it could act
as the MCP server. A configured secret (``COMPANY_MCP_API_SHARED_SECRET`` /
``COMPANY_API_SHARED_SECRET``) wins over the file, for an API on another machine.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from core.errors import ConfigError
from core.service_signature import MIN_SECRET_BYTES

SERVICE_KEY_FILE = "api-service.key"
SECRET_ENV = "COMPANY_API_SHARED_SECRET"  # also read by Settings as api_shared_secret


def service_key_path(data_dir: Path) -> Path:
    return data_dir / SERVICE_KEY_FILE


def service_secret(data_dir: Path, configured: str | None = None) -> bytes:
    """The configured secret when set, else the data dir's key (created if missing)."""
    if configured:
        secret = configured.encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"the company API's shared secret (COMPANY_MCP_API_SHARED_SECRET or {SECRET_ENV}) "
                f"must be at least {MIN_SECRET_BYTES} bytes."
            )
        return secret
    return load_or_create_key(service_key_path(data_dir))


def load_or_create_key(path: Path) -> bytes:
    if not path.exists():
        _create(path)
    info = path.stat()
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} is readable by others: run `chmod 600 {path}` (or delete it to make a new key).")
    key = path.read_bytes().strip()  # tolerate an editor's trailing newline
    if len(key) < MIN_SECRET_BYTES:
        raise ConfigError(f"{path} holds fewer than {MIN_SECRET_BYTES} bytes: delete it to make a new key.")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_urlsafe(MIN_SECRET_BYTES).encode())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # the first process to link wins; everyone uses its key
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
