"""``company-mcp verify URL``: does a deployed endpoint keep this version's promises? A pass/fail table.

Each promise is one check, named in the output. Exit 0 only when none fails
(``n/a`` is for what an endpoint may legitimately not expose, such as ``/readyz``
behind a gateway), 1 when one fails, 2 on a usage error. The write probe is a
``create_collection`` named ``verify-probe``: with writes blocked it changes
nothing; with ``--expect-writes`` it is created once and found again (idempotent).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio
import httpx

from core.model import READ_SCOPE, WRITE_SCOPE
from pilot.errors import PilotUsageError
from pilot.options import VERIFY_TOKEN_ENV
from pilot.targets import TargetSession, TargetSpec, innermost, open_target, parse_target

Status = Literal["pass", "fail", "n/a"]
PROBE_COLLECTION = "verify-probe"
PROMISES = {
    "auth_required": "no token: 401 with WWW-Authenticate naming resource_metadata and scope",
    "resource_metadata": "RFC 9728 protected resource metadata: resource, issuer, scopes_supported",
    "tool_schemas": "the nine tools with this version's input and output schemas and annotations",
    "writes_blocked": "a write is refused with mutations_disabled (and changes nothing)",
    "writes_idempotent": "writes are allowed, and a repeated create returns the same collection",
    "result_cap": "a list asked for 500 items returns at most 100 and says capped",
    "quota": "a rate-limited tool reports its quota (limit, remaining, reset_s)",
    "typed_errors": "bad input gets typed errors: unknown argument -> validation with field; unknown id -> not_found",
    "readiness": "/readyz answers with the state of store, flags and audit (n/a when not exposed)",
}
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
_LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


@dataclass(frozen=True, slots=True)
class Check:
    promise: str
    status: Status
    detail: str


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def check_auth(http: httpx.AsyncClient, url: str) -> tuple[Check, str | None]:
    """The 401 challenge; returns the resource_metadata URL it names, if any."""
    try:
        response = await http.post(url, json=_LIST_TOOLS, headers=_MCP_HEADERS)
    except httpx.HTTPError as exc:
        return Check("auth_required", "fail", f"cannot connect: {type(exc).__name__}"), None
    if response.status_code != 401:
        return Check("auth_required", "fail", f"answered {response.status_code} without a token (expected 401)"), None
    challenge = response.headers.get("www-authenticate", "")
    params = dict(_CHALLENGE_PARAM.findall(challenge))
    missing = [p for p in ("resource_metadata", "scope") if p not in params]
    if not challenge.lower().startswith("bearer") or missing:
        shown = challenge[:200] or "(none)"
        return Check("auth_required", "fail", f"401 but WWW-Authenticate lacks {missing or 'Bearer'}: {shown}"), None
    detail = f'401, Bearer challenge with resource_metadata and scope="{params["scope"]}"'
    return Check("auth_required", "pass", detail), params["resource_metadata"]


async def check_metadata(http: httpx.AsyncClient, url: str, named: str | None) -> Check:
    where = named or _origin(url) + "/.well-known/oauth-protected-resource" + (urlsplit(url).path or "")
    try:
        response = await http.get(where)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        return Check("resource_metadata", "fail", f"{where}: {type(exc).__name__}")
    if not isinstance(body, dict):
        return Check("resource_metadata", "fail", f"{where}: HTTP {response.status_code}, no JSON document")
    problems = []
    if str(body.get("resource", "")).rstrip("/") != url.rstrip("/"):
        problems.append(f"resource is {body.get('resource')!r}, not {url!r}")
    if not body.get("authorization_servers"):
        problems.append("no authorization_servers")
    scopes = set(body.get("scopes_supported") or [])
    if not {READ_SCOPE, WRITE_SCOPE} <= scopes:
        problems.append(f"scopes_supported is {sorted(scopes)}")
    if problems:
        return Check("resource_metadata", "fail", f"{where}: " + "; ".join(problems))
    return Check("resource_metadata", "pass", f"{where}: issuer {body['authorization_servers'][0]}, scopes ok")


def expected_tools() -> dict[str, dict[str, Any]]:
    """This version's listing, computed from the tool declarations (always current, no snapshot file to drift)."""
    from core.tools.registry import all_tools

    return {
        spec.name: spec.to_mcp_tool().model_dump(mode="json", by_alias=True, exclude_none=True) for spec in all_tools()
    }


def check_tools(listed: list[dict[str, Any]]) -> Check:
    from core.normalize import diff

    expected, actual = expected_tools(), {str(t.get("name")): t for t in listed}
    problems = []
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    if missing:
        hint = " (does the token have both scopes?)" if set(missing) <= _write_tools() else ""
        problems.append(f"missing {', '.join(missing)}{hint}")
    if extra:
        problems.append(f"unexpected {', '.join(extra)}")
    for name in sorted(set(expected) & set(actual)):
        for key in ("inputSchema", "outputSchema", "annotations"):
            differences = diff(expected[name].get(key), actual[name].get(key), limit=1)
            if differences:
                problems.append(f"{name}.{key} differs at {differences[0].path or '(whole)'}")
    if problems:
        return Check("tool_schemas", "fail", "; ".join(problems[:4]) + (" ..." if len(problems) > 4 else ""))
    return Check("tool_schemas", "pass", f"{len(expected)} tools; names, schemas and annotations match this version")


def _write_tools() -> set[str]:
    from core.catalog import WRITE_TOOLS

    return set(WRITE_TOOLS)


async def check_writes(session: TargetSession, expect_writes: bool) -> Check:
    arguments = {"name": PROBE_COLLECTION, "description": "company-mcp verify probe; safe to delete"}
    first = await session.call("create_collection", arguments)
    if not expect_writes:
        if first.error_type == "mutations_disabled":
            reason = first.result.get("error", {}).get("reason") if isinstance(first.result, dict) else None
            return Check("writes_blocked", "pass", f"mutations_disabled (reason {reason})")
        if first.kind == "ok":
            return Check("writes_blocked", "fail", f"the write succeeded: writes are allowed ({PROBE_COLLECTION!r})")
        return Check("writes_blocked", "fail", f"expected mutations_disabled, got {first.error_type}")
    if first.kind != "ok":
        return Check("writes_idempotent", "fail", f"the write was refused: {first.error_type}")
    second = await session.call("create_collection", arguments)
    first_id, second_id = _collection_id(first.result), _collection_id(second.result)
    same = second.kind == "ok" and first_id is not None and first_id == second_id
    if not same or second.result.get("created") is not False:
        return Check(
            "writes_idempotent", "fail", "a repeated create did not return the same collection (created=false)"
        )
    return Check("writes_idempotent", "pass", f"created={first.result.get('created')}, then the same collection again")


def _collection_id(result: Any) -> str | None:
    collection = result.get("collection") if isinstance(result, dict) else None
    value = collection.get("id") if isinstance(collection, dict) else None
    return value if isinstance(value, str) else None


async def check_cap(session: TargetSession) -> Check:
    answer = await session.call("search_companies", {"limit": 500})
    if answer.kind != "ok":
        return Check("result_cap", "fail", f"search_companies limit=500 answered {answer.error_type}")
    count, capped = len(answer.result.get("items", [])), answer.result.get("capped")
    if count > 100 or capped is not True:
        return Check("result_cap", "fail", f"{count} items, capped={capped} (expected at most 100 and capped=true)")
    return Check("result_cap", "pass", f"{count} items, capped=true")


async def check_quota(session: TargetSession) -> Check:
    answer = await session.call("ai_search", {"prompt": "software companies", "limit": 1})
    if answer.error_type == "rate_limited":
        retry = answer.result.get("error", {}).get("retry_after_s") if isinstance(answer.result, dict) else None
        return Check("quota", "pass", f"rate limited right now (retry_after_s={retry}): the limit holds")
    quota = answer.result.get("quota") if answer.kind == "ok" and isinstance(answer.result, dict) else None
    if not isinstance(quota, dict) or not all(isinstance(quota.get(k), int) for k in ("limit", "remaining", "reset_s")):
        return Check("quota", "fail", f"ai_search answered {answer.error_type or 'without a quota'}")
    return Check("quota", "pass", f"ai_search quota: {quota['remaining']} of {quota['limit']} left")


async def check_errors(session: TargetSession) -> Check:
    bad = await session.call("search_companies", {"verify_unknown_argument": 1})
    error = bad.result.get("error", {}) if isinstance(bad.result, dict) else {}
    if bad.error_type != "validation" or error.get("field") != "verify_unknown_argument":
        return Check("typed_errors", "fail", f"unknown argument answered {bad.error_type} (field {error.get('field')})")
    missing = await session.call("get_company", {"company_id": "cmp_verify_missing"})
    if missing.error_type != "not_found":
        return Check("typed_errors", "fail", f"unknown company id answered {missing.error_type or missing.kind}")
    return Check("typed_errors", "pass", "validation with field for an unknown argument; not_found for an unknown id")


async def check_readiness(http: httpx.AsyncClient, url: str) -> Check:
    where = _origin(url) + "/readyz"
    try:
        response = await http.get(where)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return Check("readiness", "n/a", f"{where} is not exposed here")
    if not isinstance(body, dict) or "checks" not in body:
        return Check("readiness", "n/a", f"{where}: HTTP {response.status_code}, not a readiness document")
    checks = body.get("checks") or {}
    failed = sorted(name for name, state in checks.items() if state != "ok")
    if response.status_code != 200 or failed:
        return Check("readiness", "fail", f"not ready: {', '.join(failed) or body.get('status')}")
    return Check("readiness", "pass", f"ready: {', '.join(sorted(checks))}")


async def run_checks(spec: TargetSpec, token: str | None, expect_writes: bool, timeout_s: float) -> list[Check]:
    url = spec.url or spec.raw
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as http:
        auth, named = await check_auth(http, url)
        checks = [auth, await check_metadata(http, url, named)]
        tool_checks = await _session_checks(spec, token, expect_writes, timeout_s)
        checks += tool_checks
        checks.append(await check_readiness(http, url))
    return checks


async def _session_checks(spec: TargetSpec, token: str | None, expect_writes: bool, timeout_s: float) -> list[Check]:
    names = ["tool_schemas", "writes_idempotent" if expect_writes else "writes_blocked"]
    names += ["result_cap", "quota", "typed_errors"]
    try:
        async with open_target(spec, token, timeout_s=timeout_s) as session:
            results = [check_tools(await session.list_tools()), await check_writes(session, expect_writes)]
            results += [await check_cap(session), await check_quota(session), await check_errors(session)]
            return results
    except Exception as exc:  # no session: every promise that needs one is unverified, which is a failure
        cause = innermost(exc)
        hint = "" if token else " (no --token given)"
        detail = f"could not open an MCP session: {type(cause).__name__}: {str(cause)[:160]}{hint}"
        return [Check(name, "fail", detail) for name in names]


def render_table(url: str, checks: list[Check]) -> str:
    width = max(len(c.promise) for c in checks)
    lines = [f"verify {url}", "", f"{'promise'.ljust(width)}  result  detail"]
    lines += [f"{c.promise.ljust(width)}  {c.status.upper().ljust(6)}  {c.detail}" for c in checks]
    failed = [c.promise for c in checks if c.status == "fail"]
    lines += ["", f"FAILED: {', '.join(failed)}" if failed else "all promises hold"]
    return "\n".join(lines) + "\n"


def verify_main(args: argparse.Namespace) -> int:
    try:
        spec = parse_target(args.url)
        if spec.kind != "url":
            raise PilotUsageError("verify needs the endpoint's URL (http[s]://host/mcp)")
        if args.timeout <= 0:
            raise PilotUsageError("--timeout must be above 0")
    except PilotUsageError as exc:
        print(f"company-mcp verify: error: {exc}", file=sys.stderr)
        return 2
    token = args.token or os.environ.get(VERIFY_TOKEN_ENV)
    checks = anyio.run(run_checks, spec, token, args.expect_writes, args.timeout)
    if args.json:
        print(json.dumps([{**asdict(c), "means": PROMISES[c.promise]} for c in checks], indent=2))
    else:
        print(render_table(spec.raw, checks), end="")
    return 1 if any(c.status == "fail" for c in checks) else 0
