"""``RequestSigner``: how a request to the company API carries the MCP server's own service identity.

Each cloud proves the server's identity differently (SigV4 on AppSync, a Google ID
token on Cloud Run, an Entra access token on Azure), so the GraphQL adapter takes
a signer and stays free of cloud SDKs. A signer sees the whole request (method,
URL, headers and body: SigV4 signs the body) and adds headers to it. The MCP
client's own token never reaches a signer: the adapter does not have it.
"""

from __future__ import annotations

from typing import Protocol

import httpx


class RequestSigner(Protocol):
    async def sign(self, request: httpx.Request) -> None:
        """Add the service credentials' headers to ``request``, which is final (body included).

        Called once per attempt, so retried requests are signed afresh. Raises a
        ``core.errors.BackendError`` when no credentials can be obtained.
        """
        ...
