"""``GoogleIdTokenSigner``: calls to the company API on Cloud Run carry a Google-signed ID token.

The token's audience is the API's URL (Cloud Run's IAM invoker check wants exactly
that). It goes in two headers: ``X-Serverless-Authorization`` for Cloud Run's IAM check, which
removes the token's signature before the request reaches the container, and ``Authorization``,
which Cloud Run then passes through unchanged, for the API's own check (``companydata.api.google_auth``).
Credentials come from the environment as google-auth finds them (a service-account key file, else the
metadata server on Cloud Run/GCE), or are injected: any google-auth ``Credentials`` that yield ID tokens,
for example ``google.oauth2.service_account.IDTokenCredentials(..., target_audience=...)``. google-auth is
synchronous and its refresh does network I/O, so it runs in a worker thread, and only when the cached token
is about to expire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import anyio.to_thread
import httpx
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.auth.transport import Request
from google.oauth2.id_token import fetch_id_token_credentials

from adapters.graphql.bearer import DEFAULT_MARGIN_S, CachedBearerToken, Token
from core.errors import BackendError

NO_CREDENTIALS = (
    "This server cannot obtain a Google ID token to call the company API; an operator must fix its identity."
)
# If a token comes without an expiry, reuse it this long (Google ID tokens last an hour).
_ASSUMED_LIFETIME = timedelta(minutes=10)


def _default_request() -> Request:
    from google.auth.transport.requests import Request as RequestsRequest  # needs ``requests``; only when used

    return RequestsRequest()


class GoogleIdTokenSigner:
    def __init__(
        self,
        audience: str,
        *,
        credentials: Credentials | None = None,
        request: Request | None = None,
        margin_s: float = DEFAULT_MARGIN_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._audience = audience
        self._credentials = credentials
        self._request = request
        self._clock = clock
        self._cache = CachedBearerToken(self._fetch, margin_s=margin_s, clock=clock)

    async def sign(self, request: httpx.Request) -> None:
        bearer = f"Bearer {await self._cache.get()}"
        # Cloud Run's IAM check takes X-Serverless-Authorization when present (and strips its signature), and then
        # passes Authorization to the container untouched, so the API can verify the token itself.
        request.headers["X-Serverless-Authorization"] = bearer
        request.headers["Authorization"] = bearer

    async def _fetch(self) -> Token:
        try:
            # Abandoned (not awaited) if the call's deadline passes; the refresh then lands in the credentials.
            return await anyio.to_thread.run_sync(self._refresh, abandon_on_cancel=True)
        except GoogleAuthError as exc:  # never google-auth's own text: it may name files and accounts
            raise BackendError(NO_CREDENTIALS) from exc

    def _refresh(self) -> Token:
        """In a worker thread: find credentials (first time), refresh them, read the token."""
        transport = self._request or _default_request()
        if self._credentials is None:
            self._credentials = fetch_id_token_credentials(self._audience, request=transport)
        credentials = self._credentials
        credentials.refresh(transport)
        if not credentials.token:
            raise BackendError(NO_CREDENTIALS)
        return Token(str(credentials.token), self._expires_at(credentials.expiry))

    def _expires_at(self, expiry: datetime | None) -> float:
        if expiry is None:
            return self._clock() + _ASSUMED_LIFETIME.total_seconds()
        return (expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)).timestamp()  # google-auth: naive UTC
