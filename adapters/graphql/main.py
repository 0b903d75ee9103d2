"""Composition root of the cloud-neutral ``graphql`` adapter: Settings -> GraphQLBackend + local ports -> Runtime.

The backend is any deployment of the company API (``--graphql-url``). Flags, audit,
metrics and rate limits are the local ones the fake adapter builds (flags.json,
audit.jsonl, Prometheus, ``LimitsRateLimiter``): importing ``adapters.fake``
modules is fine here because this adapter runs locally and is cloud-neutral; the
aws/azure/gcp adapters call ``build_graphql_runtime`` with their signer and swap
in their own ports. No cloud SDK is imported on this path.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from adapters.fake.main import local_runtime
from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.shared_secret import service_signer
from adapters.graphql.signer import RequestSigner
from core.config import Settings
from core.errors import ConfigError
from core.loopback import is_loopback
from core.runtime import Runtime

# The backend's own deadline stays inside core's per-call deadline, so a slow API is reported by the adapter
# (which also frees its connection slot) rather than cut off by the guard.
BACKEND_SHARE_OF_CALL_DEADLINE = 0.8
MAX_BACKEND_DEADLINE_S = 8.0


def check_graphql_url(url: str | None, *, signed: bool) -> str:
    """The API's URL, refused when unusable or unsafe for the credentials a signer would put on it."""
    if not url:
        raise ConfigError(
            "the graphql adapter needs the company API's URL: pass --graphql-url URL or set COMPANY_MCP_GRAPHQL_URL"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"COMPANY_MCP_GRAPHQL_URL must be an http(s) URL with a host, not {url[:200]!r}")
    if parts.username is not None or parts.password is not None:
        # httpx would turn them into a Basic Authorization header: the only credentials sent are the signer's.
        raise ConfigError("COMPANY_MCP_GRAPHQL_URL must not contain credentials (user:password@)")
    if signed and parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError("COMPANY_MCP_GRAPHQL_URL must use https when requests carry service credentials")
    return url


def backend_deadline_s(settings: Settings) -> float:
    return min(MAX_BACKEND_DEADLINE_S, settings.call_timeout_s * BACKEND_SHARE_OF_CALL_DEADLINE)


def build_graphql_runtime(settings: Settings, *, signer: RequestSigner | None = None) -> Runtime:
    """Without a cloud's ``signer``, requests are HMAC-signed with the data dir's service key, as
    ``company-mcp api`` on the same data dir expects (see ``shared_secret``)."""
    url = check_graphql_url(settings.graphql_url, signed=True)
    signer = signer or service_signer(settings)
    backend = GraphQLBackend(url, signer=signer, call_timeout_s=backend_deadline_s(settings))
    return local_runtime(settings, backend, backend_probe="api")
