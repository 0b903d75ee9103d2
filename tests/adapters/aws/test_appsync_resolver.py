"""The AppSync Lambda resolver, invoked in-process with AppSync direct-resolver events, against real PostgreSQL.

Every operation is answered as the reference server answers it over the same store: the same
results (compared with the reference GraphQL API under uvicorn, every field selected) and the same
errors (AppSync's ``errorType`` is the reference's ``extensions.code``). An event that does not carry
the deployment's origin proof (one sent by a direct ``lambda:Invoke``) is refused and changes nothing.
Skipped when PostgreSQL is not running locally; a failure in CI (``CI=true``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adapters.aws import resolver_handler
from adapters.aws.appsync_origin import PROOF_FIELD, AppSyncOrigin, proof_sha256, resolver_code
from adapters.aws.config import ResolverSettings, read_secret
from adapters.aws.resolver_handler import AppSyncResolver, database_url, postgres_store_factory
from companydata.api.server import create_api_app
from companydata.postgres_store import PostgresStore
from tests.adapters.aws.aws_support import REGION, aws_client, moto_server
from tests.companydata.api.support import DOCUMENTS, LiveServer, SignedByService, service_auth
from tests.support import PG_DSN, seeded_postgres_schema

COMPANIES = 400
MCP_ROLE = "arn:aws:sts::123456789012:assumed-role/company-mcp-server/company-mcp"
PROOF = "T3stOriginProof0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"  # what the stack generates per deployment
ORIGIN = AppSyncOrigin(proof_sha256(PROOF))


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    with seeded_postgres_schema("aws_resolver", COMPANIES) as name:
        yield name


@pytest.fixture(scope="module")
def resolver(schema: str) -> Iterator[AppSyncResolver]:
    app = AppSyncResolver(
        postgres_store_factory(ResolverSettings(database_url=PG_DSN, db_schema=schema)),
        origin=ORIGIN,
        allowed_callers=[MCP_ROLE],
    )
    yield app
    app.close()


@pytest.fixture(scope="module")
def reference(schema: str) -> Iterator[str]:
    """The reference GraphQL server over the same PostgreSQL schema (its own store and pool)."""
    app = create_api_app(PostgresStore(PG_DSN, schema=schema), service_auth=service_auth())
    with LiveServer(app) as server:
        yield server.url


def appsync_event(
    field: str, arguments: dict[str, Any], principal: str | None = None, *, proof: str | None = PROOF
) -> dict[str, Any]:
    """What AppSync hands a Lambda resolver (IAM-authorized caller), as its request function passes it on."""
    headers = {"content-type": "application/json", "host": "abc.appsync-api.eu-west-1.amazonaws.com"}
    if principal is not None:
        headers["x-company-principal"] = principal
    parent = "Mutation" if field in {"create_collection", "add_to_collection", "request_email_discovery"} else "Query"
    event: dict[str, Any] = {
        "arguments": arguments,
        "identity": {
            "accountId": "123456789012",
            "cognitoIdentityAuthProvider": None,
            "cognitoIdentityAuthType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "sourceIp": ["10.0.0.1"],
            "userArn": MCP_ROLE,
            "username": "AROAEXAMPLE:company-mcp",
        },
        "source": None,
        "request": {"headers": headers, "domainName": None},
        "prev": None,
        "info": {"fieldName": field, "parentTypeName": parent, "variables": {}, "selectionSetList": []},
        "stash": {},
    }
    if proof is not None:
        event[PROOF_FIELD] = proof
    return event


@dataclass
class Compared:
    aws: dict[str, Any]
    ref: dict[str, Any]


class Both:
    """One operation through the Lambda resolver and through the reference server."""

    def __init__(self, resolver: AppSyncResolver, url: str) -> None:
        self.resolver = resolver
        self.http = httpx.Client(timeout=30, auth=SignedByService())
        self.url = url

    def aws(self, field: str, principal: str | None = None, **arguments: Any) -> dict[str, Any]:
        answer = self.resolver(appsync_event(field, arguments, principal), None)
        json.dumps(answer)  # what the Lambda runtime will do with it
        return answer

    def ref(self, field: str, principal: str | None = None, **arguments: Any) -> dict[str, Any]:
        headers = {"x-company-principal": principal} if principal is not None else {}
        body = self.http.post(self.url, json={"query": DOCUMENTS[field], "variables": arguments}, headers=headers)
        payload: dict[str, Any] = body.json()
        if payload.get("errors"):
            error = payload["errors"][0]
            shaped = {"errorType": error["extensions"]["code"], "errorMessage": error["message"]}
            if "field" in error["extensions"]:
                shaped["errorInfo"] = {"field": error["extensions"]["field"]}
            return shaped
        result: dict[str, Any] = payload["data"][field]
        return result

    def same(self, field: str, principal: str | None = None, **arguments: Any) -> dict[str, Any]:
        aws, ref = self.aws(field, principal, **arguments), self.ref(field, principal, **arguments)
        assert aws == ref, (field, arguments)
        return aws

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def both(resolver: AppSyncResolver, reference: str) -> Iterator[Both]:
    pair = Both(resolver, reference)
    yield pair
    pair.close()


def principal(name: str) -> str:
    return f"https://issuer.test|{name}-{uuid.uuid4().hex[:8]}"


def test_read_operations_answer_as_the_reference_server(both: Both) -> None:
    first = both.same("search_companies", query="software", limit=5)
    assert len(first["items"]) == 5 and first["next_cursor"]
    both.same("search_companies", query="software", limit=5, cursor=first["next_cursor"])
    both.same("search_companies", country="DE", min_employees=50, match="ANY", limit=20)
    capped = both.same("search_companies", limit=500)
    assert capped["capped"] is True and len(capped["items"]) == 100
    company = first["items"][0]
    full = both.same("get_company", company_id=company["id"])
    assert full["updated_at"].endswith("Z")
    assert both.same("get_company", domain=company["domain"]) == full
    both.same("ai_search", prompt="software companies in Germany with more than 50 employees", limit=5)


def test_write_operations_and_owner_scoped_reads_answer_as_the_reference_server(both: Both) -> None:
    alice = principal("alice")
    ids = [item["id"] for item in both.aws("search_companies", limit=3)["items"]]

    created = both.aws("create_collection", alice, name="Prospects", description="from AppSync")
    assert created["created"] is True
    again = both.ref("create_collection", alice, name="Prospects", description="from AppSync")
    assert again == {**created, "created": False}  # one effect, whichever face the retry took

    collection_id = created["collection"]["id"]
    added = both.aws("add_to_collection", alice, collection_id=collection_id, company_ids=ids[:2])
    assert (added["added"], added["size"]) == (ids[:2], 2)
    re_added = both.ref("add_to_collection", alice, collection_id=collection_id, company_ids=ids)
    assert (re_added["added"], re_added["already_present"], re_added["size"]) == (ids[2:], ids[:2], 3)

    both.same("list_collections", alice)
    both.same("get_collection", alice, collection_id=collection_id, limit=2)

    requested = both.aws("request_email_discovery", alice, company_id=ids[0], roles=["cfo"])
    assert requested["created"] is True
    assert both.ref("request_email_discovery", alice, company_id=ids[0], roles=["cfo"]) == {
        **requested,
        "created": False,
    }
    both.same("get_email_discovery", alice, request_id=requested["request_id"])


def test_errors_carry_the_reference_codes_as_errortype(both: Both) -> None:
    alice, bob = principal("alice"), principal("bob")
    created = both.aws("create_collection", alice, name="Private")
    cases: list[tuple[str, str | None, dict[str, Any], str]] = [
        ("get_company", None, {"company_id": "cmp_99999999"}, "NOT_FOUND"),
        ("get_company", None, {}, "VALIDATION"),
        ("search_companies", None, {"limit": 0}, "VALIDATION"),
        ("search_companies", None, {"min_employees": 500, "max_employees": 10}, "VALIDATION"),
        ("get_collection", bob, {"collection_id": created["collection"]["id"]}, "NOT_FOUND"),
        ("list_collections", None, {}, "FORBIDDEN"),
        ("create_collection", alice, {"name": ""}, "VALIDATION"),
        ("add_to_collection", alice, {"collection_id": created["collection"]["id"], "company_ids": []}, "VALIDATION"),
        ("get_email_discovery", alice, {"request_id": "edr_0000000000000000"}, "NOT_FOUND"),
    ]
    for field, who, arguments, code in cases:
        answer = both.same(field, who, **arguments)
        assert answer["errorType"] == code, (field, answer)
        assert answer["errorMessage"]
    assert both.aws("search_companies", limit=0)["errorInfo"] == {"field": "limit"}


def test_event_level_refusals(both: Both, resolver: AppSyncResolver) -> None:
    unknown = resolver(appsync_event("drop_everything", {}), None)
    assert (unknown["errorType"], unknown["errorInfo"]) == ("VALIDATION", {"field": "fieldName"})
    assert "drop_everything" in unknown["errorMessage"]
    extra = resolver(appsync_event("search_companies", {"limit": 1, "sql": "1=1"}), None)
    assert (extra["errorType"], extra["errorInfo"]) == ("VALIDATION", {"field": "sql"})
    stranger = appsync_event("search_companies", {"limit": 1})
    stranger["identity"] = {**stranger["identity"], "userArn": "arn:aws:iam::999999999999:user/someone"}
    assert resolver(stranger, None)["errorType"] == "FORBIDDEN"
    no_identity = {**appsync_event("search_companies", {"limit": 1}), "identity": None}
    assert resolver(no_identity, None)["errorType"] == "FORBIDDEN"


def test_a_forged_direct_invocation_is_refused_and_writes_nothing(
    resolver: AppSyncResolver, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12 (2): whoever may ``lambda:Invoke`` the function cannot write as another user by forging an event."""
    victim = principal("victim")
    forgeries = {
        "no proof": None,
        "a guessed proof": "A" * 64,
        "another deployment's proof": "Other0riginProof0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJK",
        "the proof's digest": proof_sha256(PROOF),
        "a truncated proof": PROOF[:-1],
    }
    for label, proof in forgeries.items():
        forged = appsync_event("create_collection", {"name": f"planted {label}"}, victim, proof=proof)
        answer = resolver(forged, None)
        assert answer == {
            "errorType": "FORBIDDEN",
            "errorMessage": "This request did not come through the company API.",
        }, label
    refusals = [r.getMessage() for r in caplog.records if "origin proof" in r.getMessage()]
    assert len(refusals) == len(forgeries)  # each one is logged, without the value it carried
    assert not any(proof and proof in line for line in refusals for proof in forgeries.values())
    not_a_string = appsync_event("create_collection", {"name": "planted"}, victim)
    not_a_string[PROOF_FIELD] = [PROOF]
    assert resolver(not_a_string, None)["errorType"] == "FORBIDDEN"
    # Reads are refused as well, and nothing was written: the genuine path sees no collection of the victim's.
    assert resolver(appsync_event("list_collections", {}, victim, proof=None), None)["errorType"] == "FORBIDDEN"
    genuine = resolver(appsync_event("list_collections", {}, victim), None)
    assert genuine["items"] == []
    created = resolver(appsync_event("create_collection", {"name": "real"}, victim), None)
    assert created["created"] is True
    assert [c["name"] for c in resolver(appsync_event("list_collections", {}, victim), None)["items"]] == ["real"]


def test_a_resolver_without_its_digest_refuses_everything(schema: str) -> None:
    for digest in (None, "", "not-hex", proof_sha256(PROOF)[:-1]):
        app = AppSyncResolver(
            postgres_store_factory(ResolverSettings(database_url=PG_DSN, db_schema=schema)),
            origin=AppSyncOrigin(digest),
        )
        try:
            answer = app(appsync_event("search_companies", {"limit": 1}), None)
            assert answer["errorType"] == "FORBIDDEN" and "not configured" in answer["errorMessage"], digest
        finally:
            app.close()


def test_the_origin_is_checked_before_the_store_is_opened() -> None:
    dead = AppSyncResolver(
        postgres_store_factory(ResolverSettings(database_url="postgresql://postgres:hunter2@127.0.0.1:1/none")),
        origin=ORIGIN,
    )
    try:
        assert dead(appsync_event("search_companies", {"limit": 1}, proof=None), None)["errorType"] == "FORBIDDEN"
        assert dead(appsync_event("search_companies", {"limit": 1}), None)["errorType"] == "UNAVAILABLE"
    finally:
        dead.close()


def test_an_unreachable_database_is_unavailable_without_details() -> None:
    dead = AppSyncResolver(
        postgres_store_factory(ResolverSettings(database_url="postgresql://postgres:hunter2@127.0.0.1:1/none")),
        origin=ORIGIN,
    )
    try:
        answer = dead(appsync_event("search_companies", {"limit": 1}), None)
        assert answer["errorType"] == "UNAVAILABLE"  # "try again", not "this failed" (issue 13)
        assert "hunter2" not in json.dumps(answer) and "127.0.0.1" not in json.dumps(answer)
    finally:
        dead.close()


def test_the_module_handler_reads_its_store_from_the_environment(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANY_API_DATABASE_URL", PG_DSN)
    monkeypatch.setenv("COMPANY_API_DB_SCHEMA", schema)
    monkeypatch.setenv("COMPANY_API_ORIGIN_PROOF_SHA256", proof_sha256(PROOF))
    monkeypatch.setattr(resolver_handler, "_resolver", None)
    try:
        answer = resolver_handler.handler(appsync_event("search_companies", {"limit": 2}), None)
        assert len(answer["items"]) == 2
        first = resolver_handler._resolver
        resolver_handler.handler(appsync_event("get_company", {"company_id": answer["items"][0]["id"]}), None)
        assert resolver_handler._resolver is first  # one store (and pool) per container
    finally:
        if resolver_handler._resolver is not None:
            resolver_handler._resolver.close()


def test_the_database_url_comes_from_secrets_manager(schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with moto_server() as url:
        secrets = aws_client("secretsmanager", url)
        dsn_arn = secrets.create_secret(Name="company-api/dsn", SecretString=PG_DSN)["ARN"]
        rds_arn = secrets.create_secret(
            Name="company-api/rds",
            SecretString=json.dumps({"username": "app user", "password": "p@ss/word", "engine": "postgres"}),
        )["ARN"]

        def read(arn: str) -> str | bytes:
            return read_secret(arn, region=REGION, client=secrets)

        assert database_url(ResolverSettings(db_secret_arn=dsn_arn), read=read) == PG_DSN
        rds = ResolverSettings(db_secret_arn=rds_arn, db_host="db.cluster.example", db_name="companies")
        assert database_url(rds, read=read) == (
            "postgresql://app%20user:p%40ss%2Fword@db.cluster.example:5432/companies?sslmode=require"
        )
        with pytest.raises(ValueError, match="host"):
            database_url(ResolverSettings(db_secret_arn=rds_arn), read=read)

        # The whole path: the store built from the secret answers.
        settings = ResolverSettings(db_secret_arn=dsn_arn, db_schema=schema, region=REGION, secrets_endpoint_url=url)
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
            monkeypatch.setenv(name, value)
        app = AppSyncResolver(postgres_store_factory(settings), origin=ORIGIN)
        try:
            assert len(app(appsync_event("search_companies", {"limit": 1}), None)["items"]) == 1
        finally:
            app.close()


def test_the_appsync_resolver_code_raises_returned_errors_and_carries_the_proof() -> None:
    code = resolver_code(PROOF)
    assert "util.error(ctx.result.errorMessage, ctx.result.errorType" in code
    assert "'x-company-principal'" in code
    assert f"{PROOF_FIELD}: {json.dumps(PROOF)}," in code
    for unsafe in ("short", PROOF + "'; }", 'x" + ctx.args.name + "' * 3, PROOF + "\n"):
        with pytest.raises(ValueError, match="origin proof"):
            resolver_code(unsafe)  # never a way to inject code into the resolver
