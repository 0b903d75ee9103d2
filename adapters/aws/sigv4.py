"""``SigV4Signer``: signs company-API requests for AppSync's IAM authorization (SigV4, service ``appsync``).

The signature covers the method, path, ``host``, ``content-type``, the end user's
``X-Company-Principal``, ``x-amz-date`` (and the session token, when there is
one) and the SHA-256 of the body, so none can be altered in transit. Other
headers are left unsigned on purpose: proxies may rewrite them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio
import anyio.to_thread
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials, RefreshableCredentials
from botocore.exceptions import BotoCoreError
from botocore.session import get_session

from core.errors import BackendError

CredentialsProvider = Callable[[], Credentials | None]

SIGNED_HEADERS = ("host", "content-type", "x-company-principal")
_AUTH_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")
NO_CREDENTIALS = "This server has no usable AWS credentials to call the company API; an operator must fix its role."


def session_credentials() -> Credentials | None:
    """botocore's default chain (env, profile, container or instance role). May do network I/O."""
    return get_session().get_credentials()


@contextmanager
def map_aws_errors() -> Iterator[None]:
    try:
        yield
    except BotoCoreError as exc:  # no credentials, a failed role refresh, ...: never botocore's own text
        raise BackendError(NO_CREDENTIALS) from exc


class SigV4Signer:
    """``credentials_provider`` is called once, off the event loop; tests pass static ``Credentials``."""

    def __init__(
        self, region: str, *, credentials_provider: CredentialsProvider | None = None, service: str = "appsync"
    ) -> None:
        self._region = region
        self._service = service
        self._provider = credentials_provider or session_credentials
        self._credentials: Credentials | None = None
        self._lock = anyio.Lock()

    async def sign(self, request: httpx.Request) -> None:
        frozen = await self._frozen()
        headers = {name: request.headers[name] for name in SIGNED_HEADERS if name in request.headers}
        aws_request = AWSRequest(method=request.method, url=str(request.url), data=request.content, headers=headers)
        with map_aws_errors():
            SigV4Auth(frozen, self._service, self._region).add_auth(aws_request)
        for name in _AUTH_HEADERS:
            if name in aws_request.headers:
                request.headers[name] = aws_request.headers[name]

    async def _frozen(self) -> ReadOnlyCredentials:
        with map_aws_errors():
            if self._credentials is None:
                async with self._lock:
                    if self._credentials is None:
                        self._credentials = await anyio.to_thread.run_sync(self._provider)
                if self._credentials is None:
                    raise BackendError(NO_CREDENTIALS)
            credentials = self._credentials
            if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed():
                # A role refresh calls STS or the metadata service: keep it off the event loop.
                return await anyio.to_thread.run_sync(credentials.get_frozen_credentials)
            return credentials.get_frozen_credentials()
