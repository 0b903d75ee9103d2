"""Feature flags from Azure App Configuration, read over its data-plane REST API.

The flags are App Configuration feature flags: key ``.appconfig.featureflag/<id>`` (``mutations``,
``mutations_<tool>``), content type ``application/vnd.microsoft.appconfig.ff+json``, value
``{"id": ..., "enabled": true|false, "conditions": {"client_filters": []}}``. One
``GET {endpoint}/kv?key=.appconfig.featureflag/*&label=...`` per refresh (paged), through the
``azure-appconfiguration`` SDK, which signs with the managed identity's Entra token (scope
``https://azconfig.io/.default``) or, given a connection string, with HMAC-SHA256 (a store with local
auth on, or a local stand-in). The SDK is synchronous; its calls run in a worker thread.

Not ``azure-appconfiguration-provider``: on a failed refresh it keeps serving the old values, which
would keep writes on while the store cannot be read. Here the flags are kept for
``COMPANY_MCP_AZURE_FLAGS_REFRESH_S`` and then read again; a failed read (refused, timed out,
401/403, a malformed flag) is ``FlagsUnavailable`` and the mutation gate denies writes until a read
succeeds. A flag with client filters (targeting, time windows) counts as off: this server cannot
evaluate them per caller, and partly on is not on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import anyio
import anyio.to_thread
from azure.appconfiguration import AzureAppConfigurationClient
from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError

from core.ports import FlagsUnavailable
from core.refreshed_flags import RefreshedFlags

FLAG_PREFIX = ".appconfig.featureflag/"
NO_LABEL = "\0"  # App Configuration's filter for key-values without a label


def parse_feature_flag(key: str, value: str | None) -> tuple[str, bool]:
    """One feature-flag key-value -> ``(id, enabled)``. Raises ``FlagsUnavailable`` when malformed."""
    flag_id = key.removeprefix(FLAG_PREFIX)
    try:
        data = json.loads(value or "")
    except ValueError:
        raise FlagsUnavailable(f"the feature flag {flag_id!r} is not JSON") from None
    enabled = data.get("enabled") if isinstance(data, dict) else None
    if not isinstance(enabled, bool):
        raise FlagsUnavailable(f"the feature flag {flag_id!r} has no boolean 'enabled'")
    conditions = data.get("conditions") or {}
    filters = conditions.get("client_filters") if isinstance(conditions, dict) else None
    return flag_id, enabled and not filters


def flags_from_settings(settings: Iterable[Any]) -> dict[str, bool]:
    return dict(parse_feature_flag(setting.key, setting.value) for setting in settings)


def appconfig_client(
    *,
    endpoint: str | None,
    connection_string: str | None,
    credential: TokenCredential | None,
    timeout_s: float,
) -> AzureAppConfigurationClient:
    """By connection string (HMAC) when given, else by endpoint with the Entra credential."""
    options: dict[str, Any] = {"connection_timeout": timeout_s, "read_timeout": timeout_s, "retry_total": 1}
    if connection_string:
        return AzureAppConfigurationClient.from_connection_string(connection_string, **options)
    if not endpoint or credential is None:
        raise ValueError("App Configuration needs an endpoint and a credential, or a connection string")
    return AzureAppConfigurationClient(endpoint, credential, **options)


class AppConfigurationFlags:
    """The FlagSource over App Configuration. The constructor does no I/O; ``client`` is injectable."""

    def __init__(
        self,
        client: AzureAppConfigurationClient,
        *,
        label: str | None = None,
        refresh_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._label = label or NO_LABEL
        self._cache = RefreshedFlags(self._fetch, interval_s=refresh_s, clock=clock)

    async def get_flags(self) -> Mapping[str, bool]:
        return await self._cache.get_flags()

    async def _fetch(self) -> dict[str, bool]:
        # The SDK's client is synchronous: its read runs in a worker thread, abandoned if the call is cancelled.
        return await anyio.to_thread.run_sync(self._read, abandon_on_cancel=True)

    def _read(self) -> dict[str, bool]:
        try:
            found = self._client.list_configuration_settings(key_filter=FLAG_PREFIX + "*", label_filter=self._label)
            return flags_from_settings(found)
        except AzureError as exc:  # never the service's text: only the failure's kind
            status = getattr(exc, "status_code", None)
            detail = f"HTTP {status}" if status else type(exc).__name__
            raise FlagsUnavailable(f"App Configuration could not be read ({detail})") from exc

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self._client.close)
