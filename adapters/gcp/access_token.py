"""``GoogleAccessToken``: an OAuth access token of this service's account, for Google's REST APIs.

Parameter Manager, Cloud Monitoring and Cloud Logging are called over REST with httpx (their Python
clients are gRPC-first, beta, or pull grpcio and protobuf for three calls); google-auth finds the
credentials (the metadata server on Cloud Run, else Application Default Credentials) and refreshes them
in a worker thread, only when the cached token is near its expiry. Injected credentials serve tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.auth.transport import Request

from adapters.graphql.bearer import DEFAULT_MARGIN_S, CachedBearerToken, Token

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_ASSUMED_LIFETIME = timedelta(minutes=10)  # a token without an expiry is reused this long


class AccessTokenUnavailable(Exception):
    """No access token: the message names the error class only (google-auth's text may name files, accounts)."""


def default_request() -> Request:
    from google.auth.transport.requests import Request as RequestsRequest

    return RequestsRequest()


class GoogleAccessToken:
    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        request: Request | None = None,
        scopes: tuple[str, ...] = (CLOUD_PLATFORM_SCOPE,),
        margin_s: float = DEFAULT_MARGIN_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._request = request
        self._scopes = scopes
        self._clock = clock
        self._cache = CachedBearerToken(self._fetch, margin_s=margin_s, clock=clock)

    async def get(self) -> str:
        return await self._cache.get()

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.get()}"}

    async def _fetch(self) -> Token:
        try:
            return await anyio.to_thread.run_sync(self._refresh, abandon_on_cancel=True)
        except GoogleAuthError as exc:
            raise AccessTokenUnavailable(f"no Google access token ({type(exc).__name__})") from exc

    def _refresh(self) -> Token:
        transport = self._request or default_request()
        if self._credentials is None:
            import google.auth

            self._credentials, _ = google.auth.default(scopes=list(self._scopes), request=transport)
        credentials = self._credentials
        if not credentials.valid:
            credentials.refresh(transport)
        if not credentials.token:
            raise AccessTokenUnavailable("no Google access token (empty)")
        return Token(str(credentials.token), self._expires_at(credentials.expiry))

    def _expires_at(self, expiry: datetime | None) -> float:
        if expiry is None:
            return self._clock() + _ASSUMED_LIFETIME.total_seconds()
        return (expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)).timestamp()
