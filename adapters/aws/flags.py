"""Feature flags from AWS AppConfig, read through the AppConfig agent (Lambda extension or sidecar).

The agent serves the deployed configuration on a local HTTP endpoint,
``GET {agent}/applications/{app}/environments/{env}/configurations/{profile}``, and does the
polling, session tokens and caching against AppConfig itself. For a feature-flag profile
(type ``AWS.AppConfig.FeatureFlags``) the body is the flags' retrieval-time form: one object per
flag key holding ``enabled`` and the flag's attributes, e.g.
``{"mutations": {"enabled": false}, "mutations_create_collection": {"enabled": true}}``.

Results are kept for the poll interval, so a flip reaches the mutation gate within (agent poll
interval + ``poll_interval_s``). Anything but a well-formed answer (connection refused,
timeout, non-200, not JSON, a flag without a boolean ``enabled``) is ``FlagsUnavailable``, and
the gate denies writes: no stale value is served once the interval has passed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import httpx

from adapters.aws.config import AwsSettings
from core.ports import FlagsUnavailable
from core.refreshed_flags import RefreshedFlags


def parse_feature_flags(body: bytes) -> dict[str, bool]:
    """Retrieval-time feature flags -> ``{key: enabled}``. Raises ``FlagsUnavailable`` when malformed."""
    try:
        data = json.loads(body)
    except ValueError:
        raise FlagsUnavailable("the AppConfig flags are not JSON") from None
    if not isinstance(data, dict):
        raise FlagsUnavailable("the AppConfig flags must be a JSON object of flags")
    flags: dict[str, bool] = {}
    for key, flag in data.items():
        enabled = flag.get("enabled") if isinstance(flag, dict) else None
        if not isinstance(enabled, bool):
            raise FlagsUnavailable(f"the AppConfig flag {key!r} has no boolean 'enabled' (not a feature-flag profile?)")
        flags[key] = enabled
    return flags


class AppConfigFlags:
    """The FlagSource over the AppConfig agent. The constructor does no I/O.

    ``http`` is an injected ``httpx.AsyncClient`` (left open by ``aclose``); without one a client is
    made on first use and closed by ``aclose``. ``clock`` is monotonic seconds (tests move it).
    """

    def __init__(
        self,
        settings: AwsSettings,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = settings.appconfig_url.rstrip("/")
        self.url = (
            f"{base}/applications/{quote(settings.appconfig_application, safe='')}"
            f"/environments/{quote(settings.appconfig_environment, safe='')}"
            f"/configurations/{quote(settings.appconfig_profile, safe='')}"
        )
        self._timeout = settings.flags_timeout_s
        self._http = http
        self._owns_http = http is None
        self._cache = RefreshedFlags(self._fetch, interval_s=settings.flags_poll_interval_s, clock=clock)

    async def get_flags(self) -> Mapping[str, bool]:
        return await self._cache.get_flags()

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _fetch(self) -> dict[str, bool]:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, trust_env=False)
        try:
            response = await self._http.get(self.url, timeout=self._timeout)
        except httpx.HTTPError as exc:  # refused, reset, timed out: the agent is not answering
            raise FlagsUnavailable(f"the AppConfig agent did not answer ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise FlagsUnavailable(f"the AppConfig agent answered HTTP {response.status_code}")
        return parse_feature_flags(response.content)
