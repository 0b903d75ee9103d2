"""Feature flags from Parameter Manager: the newest enabled version of one JSON parameter.

Parameter Manager (REST v1) holds versioned configuration; an operator flips a flag by adding a version
(or disabling the newest one to fall back to the one before). Each refresh lists the parameter's
versions, takes the newest enabled one by ``createTime`` and renders it (``:render``), whose
``renderedPayload`` is the JSON ``{"mutations": false, "mutations_create_collection": true, ...}``.
It is preferred over Runtime Configurator, which Google has deprecated (README "GCP runtime").

Values are kept for ``flags_refresh_s``. Anything but a well-formed answer (no token, refused
connection, timeout, non-200, no enabled version, a payload that is not a JSON object of booleans) is
``FlagsUnavailable`` and the mutation gate denies writes: a value older than the interval is never served.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import httpx

from adapters.gcp.access_token import AccessTokenUnavailable, GoogleAccessToken
from adapters.gcp.config import GcpSettings
from core.ports import FlagsUnavailable
from core.refreshed_flags import RefreshedFlags

_MAX_PAGES = 20  # 20 pages of versions is thousands of flips; more means something is wrong


def parse_flag_document(data: bytes) -> dict[str, bool]:
    """A version's JSON -> ``{key: bool}``. Raises ``FlagsUnavailable`` when it is not an object of booleans."""
    try:
        document = json.loads(data)
    except ValueError:
        raise FlagsUnavailable("the flag parameter's newest version is not JSON") from None
    if not isinstance(document, dict):
        raise FlagsUnavailable("the flag parameter must hold a JSON object of flags")
    bad = sorted(str(key) for key, value in document.items() if not isinstance(value, bool))
    if bad:
        raise FlagsUnavailable(f"the flags {bad[:5]} are not true or false")
    return dict(document)


def newest_enabled(versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    # createTime is RFC 3339 in UTC ("Z"): strings of one shape order as the instants do.
    enabled = [v for v in versions if not v.get("disabled") and isinstance(v.get("name"), str)]
    return max(enabled, key=lambda v: str(v.get("createTime", "")), default=None)


class ParameterManagerFlags:
    """The FlagSource over Parameter Manager. The constructor does no I/O.

    ``http`` is an injected ``httpx.AsyncClient`` (left open by ``aclose``); ``clock`` is monotonic seconds.
    """

    def __init__(
        self,
        settings: GcpSettings,
        token: GoogleAccessToken,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        settings.parameter_parts()  # refuse a malformed name at start-up
        self.parameter = str(settings.flags_parameter)
        self._base = f"{settings.parameter_endpoint()}/v1"
        self._token = token
        self._timeout = settings.flags_timeout_s
        self._http = http
        self._owns_http = http is None
        self._cache = RefreshedFlags(self._fetch, interval_s=settings.flags_refresh_s, clock=clock)
        self.version: str | None = None  # the version the current flags came from

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
            with anyio.fail_after(self._timeout * 2):
                headers = await self._token.headers()
                version = newest_enabled(await self._versions(headers))
                if version is None:
                    raise FlagsUnavailable("the flag parameter has no enabled version")
                rendered = await self._get(f"{self._base}/{version['name']}:render", headers, {})
        except AccessTokenUnavailable as exc:
            raise FlagsUnavailable(f"Parameter Manager cannot be called: {exc}") from exc
        except (httpx.HTTPError, TimeoutError) as exc:
            raise FlagsUnavailable(f"Parameter Manager did not answer ({type(exc).__name__})") from exc
        payload = rendered.get("renderedPayload") or (rendered.get("payload") or {}).get("data")
        if not isinstance(payload, str):
            raise FlagsUnavailable("the flag parameter's newest version has no payload")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise FlagsUnavailable("the flag parameter's payload is not base64") from None
        flags = parse_flag_document(data)
        self.version = str(version["name"])
        return flags

    async def _versions(self, headers: dict[str, str]) -> list[dict[str, Any]]:
        versions: list[dict[str, Any]] = []
        params: dict[str, str] = {"pageSize": "1000"}
        for _ in range(_MAX_PAGES):
            page = await self._get(f"{self._base}/{self.parameter}/versions", headers, params)
            listed = page.get("parameterVersions", [])
            if not isinstance(listed, list):
                raise FlagsUnavailable("Parameter Manager answered an unexpected shape")
            versions += [v for v in listed if isinstance(v, dict)]
            token = page.get("nextPageToken")
            if not token:
                return versions
            params = {**params, "pageToken": str(token)}
        raise FlagsUnavailable("the flag parameter has too many versions to list")

    async def _get(self, url: str, headers: dict[str, str], params: dict[str, str]) -> dict[str, Any]:
        assert self._http is not None
        response = await self._http.get(url, headers=headers, params=params, timeout=self._timeout)
        if response.status_code != 200:
            raise FlagsUnavailable(f"Parameter Manager answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise FlagsUnavailable("Parameter Manager answered something that is not JSON") from None
        if not isinstance(body, dict):
            raise FlagsUnavailable("Parameter Manager answered an unexpected shape")
        return body
