"""A local token issuer for ``COMPANY_MCP_AUTH=dev``: one RSA key on disk, its JWKS, and ``mint``.

The key lives in ``<directory>/dev-issuer-key.pem`` (mode 0600). It is made on first use
and published with a hard link, which fails if the file exists: two processes racing to
create it both end up with the winner's key, and no reader ever sees a half-written file.
The ``kid`` is the key's RFC 7638 thumbprint, so it is stable across restarts.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from core.model import ALL_SCOPES

KEY_FILE = "dev-issuer-key.pem"
ALGORITHM = "RS256"
DEV_CLIENT_ID = "company-mcp-dev"

_TTL_RE = re.compile(r"^(\d+)([smhd]?)$")
_TTL_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """``"30d"``, ``"12h"``, ``"15m"``, ``"45s"`` or plain seconds ``"3600"`` -> seconds (> 0)."""
    match = _TTL_RE.match(text.strip().lower())
    seconds = int(match.group(1)) * _TTL_UNITS[match.group(2)] if match else 0
    if seconds <= 0:
        raise ValueError(
            f"invalid TTL {text!r}: use a positive number of seconds, or a number followed by "
            "s, m, h or d (e.g. 3600, 15m, 12h, 30d)"
        )
    return seconds


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rfc7638_thumbprint(public_jwk: dict[str, Any]) -> str:
    """SHA-256 thumbprint of an RSA JWK: its required members, sorted, without whitespace."""
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


class DevIssuer:
    """The dev issuer's key and tokens. The constructor does no I/O; the key is loaded on first use."""

    def __init__(self, directory: Path) -> None:
        self._path = Path(directory) / KEY_FILE
        self._key: rsa.RSAPrivateKey | None = None
        self._public_jwk: dict[str, Any] | None = None

    @property
    def key_path(self) -> Path:
        return self._path

    @property
    def kid(self) -> str:
        return self._jwk()["kid"]

    def jwks(self) -> dict[str, Any]:
        """The public key set (never the private key)."""
        return {"keys": [dict(self._jwk())]}

    def discovery(self, issuer_url: str) -> dict[str, Any]:
        """The OIDC discovery document for ``issuer_url``. There is no authorization or token endpoint:
        tokens are minted locally (``company-mcp token``)."""
        issuer = issuer_url.removesuffix("/")
        return {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "scopes_supported": sorted(ALL_SCOPES),
            "claims_supported": ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "client_id"],
        }

    def mint(
        self,
        issuer: str,
        audience: str,
        subject: str,
        scopes: list[str],
        ttl_s: int,
        *,
        now: int | None = None,
    ) -> str:
        """An RS256 access token (RFC 9068 shape) signed with the dev key."""
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, not {ttl_s}")
        issued = int(time.time()) if now is None else now
        claims = {
            "iss": issuer.removesuffix("/"),
            "aud": audience,
            "sub": subject,
            "client_id": DEV_CLIENT_ID,
            "scope": " ".join(scopes),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_s,
            "jti": secrets.token_urlsafe(16),
        }
        headers = {"kid": self.kid, "typ": "at+jwt"}
        return jwt.encode(claims, self._private_key(), algorithm=ALGORITHM, headers=headers)

    def _jwk(self) -> dict[str, Any]:
        if self._public_jwk is None:
            jwk = RSAAlgorithm.to_jwk(self._private_key().public_key(), as_dict=True)
            public = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}
            self._public_jwk = {**public, "kid": rfc7638_thumbprint(public), "alg": ALGORITHM, "use": "sig"}
        return self._public_jwk

    def _private_key(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            self._key = _load_or_create(self._path)
        return self._key


def _load_or_create(path: Path) -> rsa.RSAPrivateKey:
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # Atomic, and never replaces: the first process to link wins and everyone uses its key.
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
