"""Attacks on the real HTTP server, with JWKS served over HTTP by a local issuer.

Each attack carries a write call (allowed on this server): if any got through, a collection
would exist and the audit log would have a record. Neither may happen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.issuer import LocalIssuer
from tests.support import ServerProcess, audit_records, start_server

RESOURCE = "https://mcp.example.test/mcp"
WRITE_CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "create_collection", "arguments": {"name": "pwned"}},
}
LIST_CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(audience=RESOURCE) as running:
        yield running


def oidc_server(data_dir: Path, issuer_url: str, *args: str) -> ServerProcess:
    return start_server(
        data_dir, "--allow-mutations", *args, auth="oidc", oidc_issuer=issuer_url, resource_url=RESOURCE
    )


@pytest.fixture
def server(data_dir: Path, issuer: LocalIssuer) -> Iterator[ServerProcess]:
    issuer.reset()
    process = oidc_server(data_dir, issuer.url)
    yield process
    process.stop()


def post(server: ServerProcess, body: dict[str, Any], token: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = dict(ACCEPT)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(server.url, json=body, headers=headers, timeout=10, **kwargs)


def collections(data_dir: Path) -> int:
    import sqlite3

    with sqlite3.connect(data_dir / "companies.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM collections").fetchone()[0])


def attacks(issuer: LocalIssuer) -> dict[str, str | None]:
    now = time.time()
    write = {"scope": "companies:read companies:write"}
    attacker_jwk = issuer.keys["attacker"].public_jwk()
    return {
        "no token": None,
        "malformed": "not-a-jwt",
        "three garbage segments": "aaa.bbb.ccc",
        "alg none": issuer.mint_unsigned(**write),
        "HS256 keyed with the RSA public key": issuer.mint_hs256_with_public_key(**write),
        "unknown kid": issuer.mint(headers={"kid": "no-such-key"}, **write),
        "valid header, wrong signature": issuer.mint(key="attacker", headers={"kid": issuer.kid("rs256")}, **write),
        "expired": issuer.mint(now=now - 3600, ttl=300, **write),
        "nbf in the future": issuer.mint(nbf=int(now) + 600, **write),
        "wrong issuer": issuer.mint(iss="https://evil.example", **write),
        "wrong audience": issuer.mint(aud="https://evil.example/mcp", **write),
        "no audience": issuer.mint(aud=None, **write),
        "audience of another resource": issuer.mint(aud="https://mcp.example.test/admin", **write),
        "missing sub": issuer.mint(sub=None, **write),
        "jku to an attacker key set": issuer.mint(key="attacker", headers={"jku": issuer.attacker_jwks_url}, **write),
        "x5u to an attacker certificate": issuer.mint(
            key="attacker", headers={"x5u": issuer.attacker_cert_url}, **write
        ),
        "embedded attacker jwk": issuer.mint(key="attacker", headers={"jwk": attacker_jwk}, **write),
    }


def test_every_attack_is_refused_runs_nothing_and_leaves_no_audit_record(
    server: ServerProcess, issuer: LocalIssuer, data_dir: Path
) -> None:
    cases = attacks(issuer)
    assert len(cases) >= 15
    for name, token in cases.items():
        response = post(server, WRITE_CALL, token)
        assert response.status_code == 401, (name, response.status_code, response.text)
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ") and 'scope="companies:read"' in challenge, name
        assert "resource_metadata=" in challenge, name
    assert issuer.attacker_requests == 0  # jku / x5u were never followed
    assert collections(data_dir) == 0
    assert audit_records(data_dir) == []
    log = "\n".join(server.log_lines())
    assert '"tool_call"' not in log  # no tool ran
    for token in cases.values():
        if token and len(token) > 20:
            signature = token.split(".")[-1]
            assert token not in log and (not signature or signature not in log)  # never a token in the logs


def test_an_oversized_token_is_a_4xx_never_5xx(server: ServerProcess, issuer: LocalIssuer, data_dir: Path) -> None:
    huge = issuer.mint(padding="x" * 17_000, scope="companies:read companies:write")
    response = post(server, WRITE_CALL, huge)
    assert 400 <= response.status_code < 500
    assert collections(data_dir) == 0 and audit_records(data_dir) == []


def test_a_token_in_the_query_string_is_refused(server: ServerProcess, issuer: LocalIssuer, data_dir: Path) -> None:
    token = issuer.mint(scope="companies:read companies:write")
    response = httpx.post(server.url, params={"access_token": token}, json=WRITE_CALL, headers=ACCEPT)
    assert response.status_code == 400
    both = httpx.post(
        server.url,
        params={"access_token": token},
        json=WRITE_CALL,
        headers={**ACCEPT, "Authorization": f"Bearer {token}"},
    )
    assert both.status_code == 400
    assert collections(data_dir) == 0


def test_a_token_replayed_after_exp_on_a_kept_alive_connection_is_refused(
    server: ServerProcess, issuer: LocalIssuer
) -> None:
    token = issuer.mint(ttl=2, scope="companies:read")
    with httpx.Client(headers={**ACCEPT, "Authorization": f"Bearer {token}"}, timeout=10) as client:
        first = client.post(server.url, json=LIST_CALL)
        assert first.status_code == 200 and first.json()["result"]["tools"]
        time.sleep(3.1)
        replay = client.post(server.url, json=LIST_CALL)
    assert replay.status_code == 401


def test_jwks_endpoint_down_fails_closed(data_dir: Path, issuer: LocalIssuer) -> None:
    issuer.reset()
    issuer.go_down("503")
    process = oidc_server(data_dir, issuer.url)
    try:
        token = issuer.mint(scope="companies:read companies:write")
        response = post(process, WRITE_CALL, token)
        assert response.status_code in (401, 503)
        assert collections(data_dir) == 0 and audit_records(data_dir) == []
    finally:
        issuer.come_up()
        process.stop()


def test_metadata_names_the_issuer_and_every_scope(server: ServerProcess, issuer: LocalIssuer) -> None:
    metadata = httpx.get(server.base + "/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["resource"] == RESOURCE
    assert [url.rstrip("/") for url in metadata["authorization_servers"]] == [issuer.url]
    assert metadata["scopes_supported"] == ["companies:read", "companies:write"]


def test_a_read_only_token_sees_no_write_tools_and_a_write_call_is_forbidden_and_audited(
    server: ServerProcess, issuer: LocalIssuer, data_dir: Path
) -> None:
    token = issuer.mint(scope="companies:read")
    tools = post(server, LIST_CALL, token).json()["result"]["tools"]
    assert {t["name"] for t in tools} == {
        "search_companies",
        "get_company",
        "ai_search",
        "list_collections",
        "get_collection",
        "get_email_discovery",
    }
    result = post(server, WRITE_CALL, token).json()["result"]
    assert result["isError"] is True
    assert result["structuredContent"]["error"] == {
        "type": "forbidden",
        "message": result["structuredContent"]["error"]["message"],
        "required_scope": "companies:write",
    }
    (record,) = audit_records(data_dir)
    assert (record["decision"], record["reason"], record["tool"]) == ("blocked", "forbidden", "create_collection")
    assert record["principal"] == f"{issuer.url}|user-1"
    assert collections(data_dir) == 0


def test_a_write_token_with_mutations_disabled_is_blocked_and_audited(data_dir: Path, issuer: LocalIssuer) -> None:
    issuer.reset()
    process = start_server(data_dir, auth="oidc", oidc_issuer=issuer.url, resource_url=RESOURCE)
    try:
        token = issuer.mint(scope="companies:read companies:write")
        result = post(process, WRITE_CALL, token).json()["result"]
        assert result["structuredContent"]["error"]["type"] == "mutations_disabled"
    finally:
        process.stop()
    (record,) = audit_records(data_dir)
    assert record["reason"] == "mutations_disabled:setting:allow_mutations"
    assert collections(data_dir) == 0


def test_two_issuers_with_the_same_sub_are_two_principals(data_dir: Path, issuer: LocalIssuer) -> None:
    issuer.reset()
    first_issuer, second_issuer = issuer.issuer_for("tenant-a"), issuer.issuer_for("tenant-b")
    first, second = oidc_server(data_dir, first_issuer), oidc_server(data_dir, second_issuer)
    try:
        scope = "companies:read companies:write"
        token_a = issuer.mint(iss=first_issuer, sub="same-user", scope=scope)
        token_b = issuer.mint(iss=second_issuer, sub="same-user", scope=scope)
        created = post(first, WRITE_CALL, token_a).json()["result"]["structuredContent"]
        assert created["created"] is True
        listed = post(
            second,
            {**LIST_CALL, "method": "tools/call", "params": {"name": "list_collections", "arguments": {}}},
            token_b,
        ).json()["result"]["structuredContent"]
        assert listed["items"] == []  # the other issuer's user does not see it
        again = post(second, WRITE_CALL, token_b).json()["result"]["structuredContent"]
        assert again["created"] is True and again["collection"]["id"] != created["collection"]["id"]
    finally:
        first.stop()
        second.stop()
    principals = {r["principal"] for r in audit_records(data_dir)}
    assert principals == {f"{first_issuer}|same-user", f"{second_issuer}|same-user"}


def test_logs_never_hold_a_token(server: ServerProcess, issuer: LocalIssuer) -> None:
    token = issuer.mint(scope="companies:read")
    assert post(server, LIST_CALL, token).status_code == 200
    assert post(server, LIST_CALL, token + "tampered").status_code == 401
    log = "\n".join(server.log_lines())
    assert token.split(".")[2] not in log and token.split(".")[1] not in log
    assert "Bearer" not in log
    json.dumps(log)  # the log is text we can ship as is
