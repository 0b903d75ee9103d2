"""``EntraTokenSigner``: calls to the company API on Azure carry an Entra ID access token for the API's scope.

``scope`` is the API app registration's ``.default`` scope (``api://<app-id>/.default``).
The credential is any azure-identity credential, async (preferred: awaited on the
loop) or sync (run in a worker thread, since it does network I/O). The default is
the sync ``DefaultAzureCredential`` (managed identity, workload identity, env,
CLI): its async twin needs ``aiohttp``, which this project does not install.
The token is reused until shortly before ``expires_on``.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import httpx
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError

from adapters.graphql.bearer import DEFAULT_MARGIN_S, CachedBearerToken, Token
from core.errors import BackendError

NO_CREDENTIALS = (
    "This server cannot obtain an Entra ID token to call the company API; an operator must fix its identity."
)


def _default_credential() -> TokenCredential:
    from azure.identity import DefaultAzureCredential  # builds no connection until a token is asked for

    return DefaultAzureCredential()


class EntraTokenSigner:
    def __init__(
        self,
        scope: str,
        *,
        credential: TokenCredential | AsyncTokenCredential | None = None,
        margin_s: float = DEFAULT_MARGIN_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._scope = scope
        self._credential = credential
        self._cache = CachedBearerToken(self._fetch, margin_s=margin_s, clock=clock)

    async def sign(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {await self._cache.get()}"

    async def _fetch(self) -> Token:
        if self._credential is None:
            self._credential = _default_credential()
        credential: Any = self._credential
        try:
            if inspect.iscoroutinefunction(credential.get_token):
                access: AccessToken = await credential.get_token(self._scope)
            else:
                access = await anyio.to_thread.run_sync(credential.get_token, self._scope, abandon_on_cancel=True)
        except AzureError as exc:  # never azure-identity's own text: it lists every credential it tried
            raise BackendError(NO_CREDENTIALS) from exc
        if not access.token:
            raise BackendError(NO_CREDENTIALS)
        return Token(access.token, float(access.expires_on))
