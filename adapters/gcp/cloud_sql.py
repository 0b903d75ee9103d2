"""``CloudSqlIamPassword``: the password of a Cloud SQL IAM database user, an OAuth access token of its account.

With IAM database authentication the user is the service account's email without
``.gserviceaccount.com`` and the password is a current access token (an hour's life), so each new
connection asks for one (``PostgresPool``'s ``password_provider``). google-auth caches the token and
refreshes it shortly before expiry; this is called in a worker thread, never on the event loop.
"""

from __future__ import annotations

import threading

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.auth.transport import Request

from core.errors import BackendUnavailable

SQL_LOGIN_SCOPE = "https://www.googleapis.com/auth/sqlservice.login"
NO_TOKEN = "The company store's credentials could not be obtained. Retry in a moment."


def _default_request() -> Request:
    from google.auth.transport.requests import Request as RequestsRequest  # the API image ships requests

    return RequestsRequest()


class CloudSqlIamPassword:
    def __init__(self, *, credentials: Credentials | None = None, request: Request | None = None) -> None:
        self._credentials = credentials
        self._request = request
        self._lock = threading.Lock()  # one refresh at a time across the pool's connection threads

    def __call__(self) -> str:
        with self._lock:
            try:
                transport = self._request or _default_request()
                if self._credentials is None:
                    import google.auth

                    self._credentials, _ = google.auth.default(scopes=[SQL_LOGIN_SCOPE], request=transport)
                if not self._credentials.valid:  # google-auth counts a token near expiry as invalid
                    self._credentials.refresh(transport)
            except GoogleAuthError as exc:  # never google-auth's text: it may name files and accounts
                raise BackendUnavailable(NO_TOKEN) from exc
            token = self._credentials.token
        if not token:
            raise BackendUnavailable(NO_TOKEN)
        return str(token)
