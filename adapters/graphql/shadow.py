"""Shadow mode for any runtime: mirror its reads to a company API deployment (``COMPANY_MCP_SHADOW_GRAPHQL_URL``).

``wrap_with_shadow`` keeps the runtime's own backend as the primary (it answers every
call) and adds a ``GraphQLBackend`` as the shadow; ``core.shadow.ShadowBackend`` does
the comparing off the request path. The shadow's counters go to the runtime's
Prometheus registry when it has one (the fake and graphql adapters do), so
``/metrics`` shows them; mismatches are JSON log lines naming field paths only.
Readiness stays the primary's: a shadow that is down never takes the service out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.main import backend_deadline_s, check_graphql_url
from adapters.graphql.shared_secret import service_signer
from adapters.graphql.signer import RequestSigner
from core.config import Settings
from core.runtime import Runtime
from core.shadow import ShadowBackend, ShadowStats

SHADOW_SETTING = "shadow_graphql_url"


def shadow_url(settings: Settings) -> str | None:
    """The shadow API's URL, or None when shadow mode is off (read defensively until Settings has the field)."""
    value = getattr(settings, SHADOW_SETTING, None)
    return str(value) if value else None


def wrap_with_shadow(runtime: Runtime, settings: Settings, *, signer: RequestSigner | None = None) -> Runtime:
    """``runtime`` unchanged when shadow mode is off, else the same runtime with a ``ShadowBackend``."""
    url = shadow_url(settings)
    if url is None:
        return runtime
    check_graphql_url(url, signed=True)
    shadow = GraphQLBackend(url, signer=signer or service_signer(settings), call_timeout_s=backend_deadline_s(settings))
    backend = ShadowBackend(runtime.ports.backend, shadow, on_count=prometheus_counter(runtime.ports.metrics))
    previous_close = runtime.close

    async def close() -> None:
        try:
            await backend.aclose()  # the comparer and the shadow's connections
        finally:
            if previous_close is not None:
                await previous_close()

    return dataclasses.replace(runtime, ports=dataclasses.replace(runtime.ports, backend=backend), close=close)


def prometheus_counter(metrics: Any) -> Callable[[str], None] | None:
    """A hook counting ``shadow_*`` events in the sink's Prometheus registry, when the sink has one."""
    registry = getattr(metrics, "registry", None)
    if registry is None:
        return None
    from prometheus_client import CollectorRegistry, Counter

    if not isinstance(registry, CollectorRegistry):
        return None
    counters = {
        f"shadow_{name}": Counter(f"company_mcp_shadow_{name}", f"Shadow mode: reads {text}", registry=registry)
        for name, text in (
            ("compared", "compared with the shadow backend"),
            ("mismatched", "whose shadow answer differed"),
            ("dropped", "not mirrored because the queue was full or the comparer was not running"),
            ("errors", "the shadow backend failed to answer"),
        )
    }
    return lambda name: counters[name].inc() if name in counters else None


def shadow_stats(runtime: Runtime) -> ShadowStats | None:
    backend = runtime.ports.backend
    return backend.stats if isinstance(backend, ShadowBackend) else None
