"""A local OIDC issuer for tests: discovery + JWKS over real HTTP, and tokens of any shape.

``LocalIssuer`` runs a small Starlette app under uvicorn in a background thread on
127.0.0.1 (a free port). It serves, for any issuer path under its URL,
``<path>/.well-known/openid-configuration`` (so ``issuer_for("tenant-a/v2.0")`` works like
an Entra or Cognito issuer), the JWKS at ``/jwks``, and an attacker's key set and
certificate at ``/attacker/*`` (a test asserts that nothing ever fetched them).

It signs with named keys: ``rs256``, ``ps256`` (an RSA key declared PS256), ``es256``
(P-256), ``rsa-noalg`` (an RSA key published without ``alg``), and ``attacker`` (never
published). ``documents`` adds JSON routes (to serve another issuer's keys). It can rotate
keys, go down (``"503"``, ``"garbage"``, ``"hang"``, or
``stop()`` for refused connections), and counts requests per endpoint.

    issuer = LocalIssuer().start()
    token = issuer.mint(sub="alice", scope="companies:read", headers={"jku": issuer.attacker_jwks_url})
    issuer.stop()
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_AUDIENCE = "https://mcp.example.test/mcp"
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
Mode = Literal["up", "503", "garbage", "hang"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class FakeClock:
    """Unix time that moves only when told to; callable like ``time.time``."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@functools.cache
def _pooled_key(name: str, kind: str) -> PrivateKey:
    # Key generation is slow; tests share one key per name (rotation makes fresh ones).
    return _generate(kind)


def _generate(kind: str) -> PrivateKey:
    if kind == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class SigningKey:
    name: str
    alg: str
    private: PrivateKey
    publish_alg: bool = True

    @property
    def kid(self) -> str:
        core = self.public_jwk_core()
        return f"{self.name}-{(core.get('n') or core['x'])[:12]}"

    def public_jwk_core(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        jwk.pop("key_ops", None)
        return jwk

    def public_jwk(self) -> dict[str, Any]:
        jwk = {**self.public_jwk_core(), "kid": self.kid, "use": "sig"}
        if self.publish_alg:
            jwk["alg"] = self.alg
        return jwk

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class LocalIssuer:
    """A real-HTTP OIDC issuer on loopback. ``start()`` returns self; ``stop()`` ends the server thread."""

    def __init__(self, *, audience: str = DEFAULT_AUDIENCE, clock: Callable[[], float] = time.time) -> None:
        self.audience = audience
        self.clock = clock
        self._port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        """Back to the initial keys, mode and counters (a shared server between tests)."""
        self.keys: dict[str, SigningKey] = {
            "rs256": SigningKey("rs256", "RS256", _pooled_key("rs256", "RSA")),
            "ps256": SigningKey("ps256", "PS256", _pooled_key("ps256", "RSA")),
            "es256": SigningKey("es256", "ES256", _pooled_key("es256", "EC")),
            "rsa-noalg": SigningKey("rsa-noalg", "RS256", _pooled_key("rsa-noalg", "RSA"), publish_alg=False),
            "attacker": SigningKey("attacker", "RS256", _pooled_key("attacker", "RSA")),
        }
        self.published: list[str] = ["rs256", "ps256", "es256", "rsa-noalg"]
        self.default_key = "rs256"
        self.mode: Mode = "up"
        self.hang_s = 30.0
        self.discovery_issuer: str | None = None  # set to make discovery name another issuer
        self.documents: dict[str, Callable[[], dict[str, Any]]] = {}  # extra JSON routes, e.g. another JWKS
        self.jwks_requests = 0
        self.discovery_requests = 0
        self.attacker_requests = 0
        self._rotations = 0

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> LocalIssuer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        self._port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/{path:path}", self._handle)])
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", loop="asyncio", http="h11", ws="none", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the local issuer did not start")
            time.sleep(0.01)
        return self

    @property
    def running(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        """Stop serving; connections are then refused. ``start()`` again reuses the same port."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> LocalIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def issuer(self) -> str:
        return self.url

    def issuer_for(self, path: str) -> str:
        """Another issuer served here, e.g. ``issuer_for("tenant-a/v2.0")``; discovery works for it too."""
        return f"{self.url}/{path.strip('/')}"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/jwks"

    @property
    def attacker_jwks_url(self) -> str:
        return f"{self.url}/attacker/jwks"

    @property
    def attacker_cert_url(self) -> str:
        return f"{self.url}/attacker/cert.pem"

    # -- keys ------------------------------------------------------------------------------------------

    def kid(self, name: str | None = None) -> str:
        return self.keys[name or self.default_key].kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.keys[name].public_jwk() for name in self.published]}

    def rotate(self, *, keep_old: bool = True, kind: Literal["RSA", "EC"] = "RSA") -> str:
        """Publish a fresh key and sign with it from now on; returns its name."""
        self._rotations += 1
        name = f"rotated-{self._rotations}"
        self.keys[name] = SigningKey(name, "ES256" if kind == "EC" else "RS256", _generate(kind))
        self.published = [*self.published, name] if keep_old else [name]
        self.default_key = name
        return name

    def go_down(self, mode: Mode = "503") -> None:
        self.mode = mode

    def come_up(self) -> None:
        self.mode = "up"

    # -- tokens ----------------------------------------------------------------------------------------

    def claims(self, *, now: float | None = None, ttl: int = 300, **claims: Any) -> dict[str, Any]:
        """Default claims (ours, valid for ``ttl``) overridden by ``claims``; a ``None`` value removes one."""
        issued = int(self.clock() if now is None else now)
        base: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user-1",
            "aud": self.audience,
            "scope": "companies:read",
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl,
            "jti": secrets.token_hex(8),
        }
        base.update(claims)
        return {k: v for k, v in base.items() if v is not None}

    def header(self, key: SigningKey, alg: str, headers: dict[str, Any] | None) -> dict[str, Any]:
        merged: dict[str, Any] = {"kid": key.kid, "typ": "JWT", **(headers or {})}
        return {k: v for k, v in {**merged, "alg": alg}.items() if v is not None}

    def mint(
        self,
        *,
        key: str | None = None,
        alg: str | None = None,
        headers: dict[str, Any] | None = None,
        now: float | None = None,
        ttl: int = 300,
        **claims: Any,
    ) -> str:
        """A token signed by ``key`` (default: the current signing key) with ``alg`` (default: the key's)."""
        signing = self.keys[key or self.default_key]
        algorithm = alg or signing.alg
        header = self.header(signing, algorithm, headers)
        header.pop("alg")
        return jwt.encode(self.claims(now=now, ttl=ttl, **claims), signing.private, algorithm, headers=header)

    def mint_unsigned(self, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """``alg: none`` with an empty signature (PyJWT refuses to make one; so do we, by hand)."""
        header = self.header(self.keys[self.default_key], "none", headers)
        return f"{self._segment(header)}.{self._segment(self.claims(**claims))}."

    def mint_hs256_with_public_key(self, *, key: str = "rs256", **claims: Any) -> str:
        """The key-confusion attack: HS256 keyed with the RSA public key (PEM), a published kid in the header."""
        header = self.header(self.keys[key], "HS256", None)
        signing_input = f"{self._segment(header)}.{self._segment(self.claims(**claims))}"
        mac = hmac.new(self.keys[key].public_pem(), signing_input.encode("ascii"), hashlib.sha256).digest()
        return f"{signing_input}.{_b64url(mac)}"

    @staticmethod
    def _segment(obj: dict[str, Any]) -> str:
        return _b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))

    # -- HTTP ------------------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        if path in self.documents:
            return await self._serve(self.documents[path])
        if path.startswith("/attacker/"):
            self.attacker_requests += 1
            if path.endswith("jwks"):
                return JSONResponse({"keys": [self.keys["attacker"].public_jwk()]})
            return Response(self.keys["attacker"].public_pem(), media_type="application/x-pem-file")
        if path.endswith(DISCOVERY_SUFFIX):
            self.discovery_requests += 1
            return await self._serve(lambda: self._discovery(self.url + path.removesuffix(DISCOVERY_SUFFIX)))
        if path == "/jwks":
            self.jwks_requests += 1
            return await self._serve(self.jwks)
        return Response(status_code=404)

    def _discovery(self, issuer: str) -> dict[str, Any]:
        return {
            "issuer": self.discovery_issuer or issuer,
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
        }

    async def _serve(self, body: Callable[[], dict[str, Any]]) -> Response:
        if self.mode == "503":
            return Response("down", status_code=503)
        if self.mode == "garbage":
            return Response("<html>not json</html>", media_type="text/html")
        if self.mode == "hang":
            await asyncio.sleep(self.hang_s)
        return JSONResponse(body())
