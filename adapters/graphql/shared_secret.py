"""``SharedSecretSigner``: the ``RequestSigner`` for a company API in shared-secret mode (``company-mcp api``).

Signs each attempt afresh (new timestamp and nonce, so a retried read is not taken for a
replay) over the request exactly as httpx will send it: method, ``Host``, raw path and
query, the principal header and the body (see ``core.service_signature``).
``service_signer`` takes the secret from Settings or the data dir, like ``company-mcp api``.
"""

from __future__ import annotations

import httpx

from core.config import Settings
from core.service_key import service_secret
from core.service_signature import PRINCIPAL_HEADER, SignedParts, sign_headers


class SharedSecretSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    async def sign(self, request: httpx.Request) -> None:
        request.headers.update(self.headers_for(request))

    def headers_for(self, request: httpx.Request) -> dict[str, str]:
        """The signature headers for ``request`` (its body read), without touching it: pure CPU, no I/O."""
        parts = SignedParts(
            method=request.method,
            host=request.headers.get("host", request.url.netloc.decode("ascii")),
            target=request.url.raw_path.decode("ascii"),
            principal=request.headers.get(PRINCIPAL_HEADER, ""),
            body=request.content,
        )
        return sign_headers(self._secret, parts)


def service_signer(settings: Settings) -> SharedSecretSigner:
    """The signer for an API sharing this data dir's ``api-service.key`` (or the configured secret)."""
    configured = settings.api_shared_secret.get_secret_value() if settings.api_shared_secret else None
    return SharedSecretSigner(service_secret(settings.data_dir, configured))
