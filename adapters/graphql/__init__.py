"""The cloud-neutral adapter over the company GraphQL API; the aws, azure and gcp adapters reuse it with a signer.

Imports no cloud SDK, even transitively: each cloud's signer lives in its own folder.
"""

from __future__ import annotations

from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.errors import TransientBackendError
from adapters.graphql.main import build_graphql_runtime, check_graphql_url
from adapters.graphql.signer import RequestSigner

__all__ = ["GraphQLBackend", "RequestSigner", "TransientBackendError", "build_graphql_runtime", "check_graphql_url"]
