"""OidcVerifier against a local issuer over real HTTP: what is accepted, and every way a token is refused."""

from __future__ import annotations

import base64
import json
import logging
import warnings
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt import PyJWK
from mcp.server.auth.provider import AccessToken

from core.auth import KeySet, OidcConfig, OidcVerifier, StaticJwks, parse_claim_scopes
from core.errors import ConfigError
from core.model import Principal
from core.ports import Authenticator
from tests.auth.issuer import DEFAULT_AUDIENCE, FakeClock, LocalIssuer, SigningKey

AUD = DEFAULT_AUDIENCE
READ, WRITE = "companies:read", "companies:write"

MakeVerifier = Callable[..., OidcVerifier]


@pytest.fixture
def verifier(make_verifier: MakeVerifier) -> OidcVerifier:
    return make_verifier()


def principal(token: AccessToken) -> Principal:
    """The principal exactly as ``core.server.principal_from_token`` builds it."""
    issuer = str((token.claims or {}).get("iss") or "unknown")
    return Principal(issuer=issuer, subject=token.subject or token.client_id, scopes=frozenset(token.scopes))


def segment(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_conforms_to_the_authenticator_port() -> None:
    _: Authenticator = OidcVerifier(OidcConfig(issuer="https://idp.example.com", audiences=(AUD,)))


# -- accepted ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_valid_token_gives_principal_scopes_and_expiry(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    token = local_issuer.mint(sub="alice", scope=f"{READ} {WRITE}", client_id="cli-1", ttl=600)
    result = await verifier.verify_token(token)
    assert result is not None
    assert principal(result) == Principal(local_issuer.issuer, "alice", frozenset({READ, WRITE}))
    assert result.client_id == "cli-1"
    assert result.expires_at == int(clock.now) + 600
    assert result.resource == AUD
    assert (local_issuer.discovery_requests, local_issuer.jwks_requests) == (1, 1)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("key", "alg"), [("rs256", "RS256"), ("ps256", "PS256"), ("es256", "ES256"), ("rsa-noalg", "RS256")]
)
async def test_each_allowed_algorithm_verifies(
    verifier: OidcVerifier, local_issuer: LocalIssuer, key: str, alg: str
) -> None:
    assert await verifier.verify_token(local_issuer.mint(key=key, alg=alg)) is not None


@pytest.mark.anyio
async def test_an_rsa_key_without_declared_alg_also_verifies_ps256(
    verifier: OidcVerifier, local_issuer: LocalIssuer
) -> None:
    assert await verifier.verify_token(local_issuer.mint(key="rsa-noalg", alg="PS256")) is not None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "claims",
    [
        {"scope": f"{READ} {WRITE}"},
        {"scope": None, "scp": f"{READ} {WRITE}"},
        {"scope": None, "scp": [READ, WRITE]},
        {"scope": READ, "scp": [WRITE]},
    ],
)
async def test_scopes_from_scope_and_scp(
    verifier: OidcVerifier, local_issuer: LocalIssuer, claims: dict[str, Any]
) -> None:
    result = await verifier.verify_token(local_issuer.mint(**claims))
    assert result is not None
    assert set(result.scopes) == {READ, WRITE}


@pytest.mark.anyio
async def test_audience_list_containing_ours_is_accepted(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    result = await verifier.verify_token(local_issuer.mint(aud=["https://other.example/mcp", AUD]))
    assert result is not None
    assert result.resource == AUD


@pytest.mark.anyio
async def test_audience_defaults_to_the_resource_url(make_verifier: MakeVerifier, local_issuer: LocalIssuer) -> None:
    verifier = make_verifier(audiences=(), resource_url=AUD)
    assert await verifier.verify_token(local_issuer.mint()) is not None
    assert await verifier.verify_token(local_issuer.mint(aud="https://other.example/mcp")) is None


@pytest.mark.anyio
async def test_configured_jwks_url_skips_discovery(make_verifier: MakeVerifier, local_issuer: LocalIssuer) -> None:
    verifier = make_verifier(jwks_url=local_issuer.jwks_url)
    assert await verifier.verify_token(local_issuer.mint()) is not None
    assert (local_issuer.discovery_requests, local_issuer.jwks_requests) == (0, 1)


@pytest.mark.anyio
async def test_two_issuers_with_one_sub_are_two_principals(
    make_verifier: MakeVerifier, local_issuer: LocalIssuer
) -> None:
    issuer_a, issuer_b = local_issuer.issuer_for("tenant-a"), local_issuer.issuer_for("tenant-b")
    verifier_a, verifier_b = make_verifier(issuer=issuer_a), make_verifier(issuer=issuer_b)
    result_a = await verifier_a.verify_token(local_issuer.mint(iss=issuer_a, sub="alice"))
    result_b = await verifier_b.verify_token(local_issuer.mint(iss=issuer_b, sub="alice"))
    assert result_a is not None and result_b is not None
    assert result_a.subject == result_b.subject == "alice"
    assert (result_a.claims or {})["iss"] == issuer_a
    assert (result_b.claims or {})["iss"] == issuer_b
    assert principal(result_a).id != principal(result_b).id
    # Each verifier trusts its own issuer only.
    assert await verifier_a.verify_token(local_issuer.mint(iss=issuer_b, sub="alice")) is None


# -- rejected: shape and algorithm -------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "a.b.c",
        "a.b",
        "....",
        f"{segment({'alg': 'RS256', 'kid': 'x'})}.not-base64!.sig",
        f"{segment({'alg': 'RS256', 'kid': 'x'})}.{segment({'sub': 'a'})}",
        "eyJhbGciOiJSUzI1NiJ9.e30.\u00e9\u00e9",
    ],
)
async def test_malformed_tokens_are_rejected(verifier: OidcVerifier, token: str) -> None:
    assert await verifier.verify_token(token) is None


@pytest.mark.anyio
async def test_truncated_or_tampered_tokens_are_rejected(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    good = local_issuer.mint(sub="alice")
    header, _, signature = good.split(".")
    forged_payload = segment(local_issuer.claims(sub="admin", scope=f"{READ} {WRITE}"))
    assert await verifier.verify_token(good[:-4]) is None
    assert await verifier.verify_token(f"{header}.{forged_payload}.{signature}") is None
    assert await verifier.verify_token(good) is not None


@pytest.mark.anyio
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_rejected(verifier: OidcVerifier, local_issuer: LocalIssuer, alg: str) -> None:
    token = local_issuer.mint_unsigned(headers={"alg": alg})
    assert await verifier.verify_token(token) is None
    assert await verifier.verify_token(local_issuer.mint_unsigned()) is None


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["rs256", "rsa-noalg"])
async def test_hs256_keyed_with_the_public_key_is_rejected(
    verifier: OidcVerifier, local_issuer: LocalIssuer, key: str
) -> None:
    assert await verifier.verify_token(local_issuer.mint_hs256_with_public_key(key=key)) is None


def test_symmetric_or_none_algorithms_cannot_be_configured() -> None:
    for algorithms in [("HS256",), ("RS256", "none"), ()]:
        with pytest.raises(ConfigError):
            OidcConfig(issuer="https://idp.example.com", audiences=(AUD,), algorithms=algorithms)


@pytest.mark.anyio
async def test_alg_must_match_the_key_declared_alg(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    # The "ps256" key is published with alg PS256: an RS256 signature by the same key is refused.
    assert await verifier.verify_token(local_issuer.mint(key="ps256", alg="RS256")) is None
    # An allowed alg that the configuration does not list is refused too.
    es_only = OidcVerifier(
        OidcConfig(issuer=local_issuer.issuer, audiences=(AUD,), algorithms=("ES256",)), clock=local_issuer.clock
    )
    try:
        assert await es_only.verify_token(local_issuer.mint(key="rs256")) is None
        assert await es_only.verify_token(local_issuer.mint(key="es256")) is not None
    finally:
        await es_only.aclose()


@pytest.mark.anyio
async def test_wrong_signature_under_a_valid_header_is_rejected(
    verifier: OidcVerifier, local_issuer: LocalIssuer
) -> None:
    token = local_issuer.mint(key="attacker", headers={"kid": local_issuer.kid("rs256")})
    assert await verifier.verify_token(token) is None


@pytest.mark.anyio
async def test_missing_kid_and_unknown_crit_are_rejected(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    assert await verifier.verify_token(local_issuer.mint(headers={"kid": None})) is None
    assert await verifier.verify_token(local_issuer.mint(headers={"crit": ["exp-magic"], "exp-magic": 1})) is None


@pytest.mark.anyio
async def test_rsa_keys_under_2048_bits_are_refused(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    weak = SigningKey("weak", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    local_issuer.keys["weak"] = weak
    local_issuer.published.append("weak")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about the short key when signing
        token = local_issuer.mint(key="weak")
    assert await verifier.verify_token(token) is None


@pytest.mark.anyio
async def test_tokens_over_16_kb_are_rejected_unparsed(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    big = local_issuer.mint(padding="x" * 16_500)
    assert len(big) > 16 * 1024
    assert await verifier.verify_token(big) is None
    assert local_issuer.jwks_requests == 0  # never got as far as looking for a key
    assert await verifier.verify_token(local_issuer.mint(padding="x" * 11_000)) is not None


@pytest.mark.anyio
@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
async def test_header_key_pointers_are_never_followed(
    verifier: OidcVerifier, local_issuer: LocalIssuer, header: str
) -> None:
    attacker = local_issuer.keys["attacker"]
    values = {
        "jku": local_issuer.attacker_jwks_url,
        "x5u": local_issuer.attacker_cert_url,
        "jwk": attacker.public_jwk(),
    }
    forged = local_issuer.mint(key="attacker", headers={header: values[header]})
    forged_with_known_kid = local_issuer.mint(
        key="attacker", headers={header: values[header], "kid": local_issuer.kid("rs256")}
    )
    assert await verifier.verify_token(forged) is None
    assert await verifier.verify_token(forged_with_known_kid) is None
    # A genuine token that carries the header is judged on its own signature; the pointer is still not fetched.
    assert await verifier.verify_token(local_issuer.mint(headers={header: values[header]})) is not None
    assert local_issuer.attacker_requests == 0


# -- rejected: claims --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"exp_offset": -61}, False),
        ({"exp_offset": -60}, False),  # exp + leeway == now: expired (as PyJWT)
        ({"exp_offset": -59}, True),
        ({"nbf_offset": 61}, False),
        ({"nbf_offset": 59}, True),
        ({"iat_offset": 61}, False),
        ({"iat_offset": 59}, True),
    ],
)
async def test_time_claims_with_60_s_leeway(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock, claims: dict[str, int], accepted: bool
) -> None:
    now = int(clock.now)
    token = local_issuer.mint(
        exp=now + claims.get("exp_offset", 300),
        nbf=now + claims.get("nbf_offset", 0),
        iat=now + claims.get("iat_offset", 0),
    )
    assert (await verifier.verify_token(token) is not None) is accepted


@pytest.mark.anyio
async def test_zero_leeway_is_exact(make_verifier: MakeVerifier, local_issuer: LocalIssuer, clock: FakeClock) -> None:
    verifier = make_verifier(leeway_s=0)
    now = int(clock.now)
    assert await verifier.verify_token(local_issuer.mint(exp=now)) is None
    assert await verifier.verify_token(local_issuer.mint(exp=now + 1)) is not None
    assert await verifier.verify_token(local_issuer.mint(nbf=now + 1)) is None


def test_leeway_is_capped_at_60_s() -> None:
    with pytest.raises(ConfigError):
        OidcConfig(issuer="https://idp.example.com", audiences=(AUD,), leeway_s=61)
    with pytest.raises(ConfigError):
        OidcConfig(issuer="https://idp.example.com", audiences=(AUD,), leeway_s=-1)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "claims",
    [
        {"exp": None},
        {"exp": "1900000000"},
        {"exp": True},
        {"nbf": "soon"},
        {"sub": None},
        {"sub": ""},
        {"sub": 42},
        {"iss": None},
        {"iss": "https://evil.example"},
        {"aud": None},
        {"aud": "https://other.example/mcp"},
        {"aud": ["https://other.example/mcp", "https://third.example"]},
        {"aud": [1, 2]},
        {"aud": AUD.upper()},
        {"scp": 7},
    ],
)
async def test_bad_claims_are_rejected(
    verifier: OidcVerifier, local_issuer: LocalIssuer, claims: dict[str, Any]
) -> None:
    assert await verifier.verify_token(local_issuer.mint(**claims)) is None


@pytest.mark.anyio
async def test_issuer_must_match_exactly(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    for iss in [local_issuer.issuer + "/", local_issuer.issuer.upper(), local_issuer.issuer_for("other")]:
        assert await verifier.verify_token(local_issuer.mint(iss=iss)) is None


@pytest.mark.anyio
async def test_discovery_naming_another_issuer_fails_closed(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    local_issuer.discovery_issuer = "https://evil.example"
    assert await verifier.verify_token(local_issuer.mint()) is None
    assert local_issuer.jwks_requests == 0


# -- keys: refresh, rotation, outages, cache ---------------------------------------------------------


@pytest.mark.anyio
async def test_unknown_kid_refetches_at_most_once_per_30_s(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    assert await verifier.verify_token(local_issuer.mint()) is not None
    assert local_issuer.jwks_requests == 1
    for _ in range(5):
        assert await verifier.verify_token(local_issuer.mint(headers={"kid": "made-up"})) is None
    assert local_issuer.jwks_requests == 1
    clock.advance(29)
    assert await verifier.verify_token(local_issuer.mint(headers={"kid": "made-up-2"})) is None
    assert local_issuer.jwks_requests == 1
    clock.advance(2)
    assert await verifier.verify_token(local_issuer.mint(headers={"kid": "made-up-3"})) is None
    assert await verifier.verify_token(local_issuer.mint(headers={"kid": "made-up-4"})) is None
    assert local_issuer.jwks_requests == 2


@pytest.mark.anyio
async def test_concurrent_first_use_fetches_once(verifier: OidcVerifier, local_issuer: LocalIssuer) -> None:
    tokens = [local_issuer.mint(sub=f"user-{i}") for i in range(20)]
    results: list[AccessToken | None] = [None] * len(tokens)

    async def check(i: int) -> None:
        results[i] = await verifier.verify_token(tokens[i])

    async with anyio.create_task_group() as group:
        for i in range(len(tokens)):
            group.start_soon(check, i)
    assert all(r is not None for r in results)
    assert (local_issuer.discovery_requests, local_issuer.jwks_requests) == (1, 1)


@pytest.mark.anyio
async def test_key_rotation_fetches_the_new_kid_once(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    old = local_issuer.mint()
    assert await verifier.verify_token(old) is not None
    clock.advance(31)
    local_issuer.rotate(keep_old=True)
    assert await verifier.verify_token(local_issuer.mint(sub="a")) is not None
    assert await verifier.verify_token(local_issuer.mint(sub="b")) is not None
    assert local_issuer.jwks_requests == 2
    assert await verifier.verify_token(local_issuer.mint(key="rs256", sub="c")) is not None  # old key still listed


@pytest.mark.anyio
async def test_a_retired_key_stops_verifying_after_refresh(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    assert await verifier.verify_token(local_issuer.mint(sub="warm-up")) is not None
    local_issuer.rotate(keep_old=False, kind="EC")
    clock.advance(31)
    assert await verifier.verify_token(local_issuer.mint(sub="new")) is not None
    assert await verifier.verify_token(local_issuer.mint(key="rs256", sub="old-key")) is None


@pytest.mark.anyio
async def test_keys_are_refreshed_after_refresh_after_s(
    make_verifier: MakeVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_refresh_after_s=300)
    assert await verifier.verify_token(local_issuer.mint(sub="a")) is not None
    clock.advance(301)
    assert await verifier.verify_token(local_issuer.mint(sub="b")) is not None
    assert local_issuer.jwks_requests == 2


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["503", "garbage", "stopped"])
async def test_jwks_down_fails_closed(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock, mode: str
) -> None:
    token = local_issuer.mint()
    if mode == "stopped":
        local_issuer.stop()
    else:
        local_issuer.go_down(mode)  # type: ignore[arg-type]
    assert await verifier.verify_token(token) is None
    # Back up: the next attempt waits out the refresh interval, then succeeds.
    if mode == "stopped":
        local_issuer.start()
    local_issuer.come_up()
    assert await verifier.verify_token(token) is None
    clock.advance(30)
    assert await verifier.verify_token(token) is not None


@pytest.mark.anyio
async def test_a_hanging_jwks_endpoint_times_out_and_fails_closed(
    make_verifier: MakeVerifier, local_issuer: LocalIssuer
) -> None:
    verifier = make_verifier(http_timeout_s=0.3)
    local_issuer.go_down("hang")
    with anyio.fail_after(5):
        assert await verifier.verify_token(local_issuer.mint()) is None


@pytest.mark.anyio
async def test_stale_keys_serve_through_an_outage_until_max_age(
    make_verifier: MakeVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_refresh_after_s=300, jwks_max_age_s=3600)
    assert await verifier.verify_token(local_issuer.mint(sub="a")) is not None
    local_issuer.go_down("503")
    clock.advance(600)
    assert await verifier.verify_token(local_issuer.mint(sub="b")) is not None  # refresh failed, keys kept
    clock.advance(3001)
    assert await verifier.verify_token(local_issuer.mint(sub="c")) is None  # too old: fail closed


@pytest.mark.anyio
async def test_cached_token_skips_the_key_lookup_but_dies_at_exp(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    token = local_issuer.mint(ttl=120)
    assert await verifier.verify_token(token) is not None
    local_issuer.published = []
    local_issuer.go_down("503")
    clock.advance(100)
    assert await verifier.verify_token(token) is not None  # from the cache
    assert local_issuer.jwks_requests == 1
    clock.advance(20 + 60)  # exp + leeway
    assert await verifier.verify_token(token) is None


class CountingKeys:
    def __init__(self, inner: StaticJwks) -> None:
        self.inner = inner
        self.lookups = 0

    async def key_for(self, kid: str, alg: str) -> PyJWK | None:
        self.lookups += 1
        return await self.inner.key_for(kid, alg)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize(("size", "signature_checks"), [(0, 4), (1, 3), (2, 2)])
async def test_token_cache_is_a_bounded_lru(
    local_issuer: LocalIssuer, size: int, signature_checks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.auth.verifier as verifier_module

    decoded = 0
    real_decode = verifier_module.jwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        nonlocal decoded
        decoded += 1
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(verifier_module.jwt, "decode", counting_decode)
    keys = CountingKeys(StaticJwks(local_issuer.jwks()))
    config = OidcConfig(issuer=local_issuer.issuer, audiences=(AUD,), token_cache_size=size)
    verifier = OidcVerifier(config, keys=keys, clock=local_issuer.clock)
    a, b = local_issuer.mint(sub="a"), local_issuer.mint(sub="b")
    for token in (a, b, b, a):
        assert await verifier.verify_token(token) is not None
    assert decoded == signature_checks  # a cache hit skips the signature check
    assert keys.lookups == 4  # but still asks whether its key is published


# -- hygiene -------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_logs_never_carry_the_token(
    verifier: OidcVerifier, local_issuer: LocalIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="company_mcp.auth")
    bad = local_issuer.mint(key="attacker", headers={"kid": local_issuer.kid("rs256")})
    assert await verifier.verify_token(bad) is None
    text = caplog.text
    assert "bad signature" in text
    for part in bad.split("."):
        assert part[:16] not in text


def test_constructor_does_no_io_and_refuses_plain_http() -> None:
    OidcVerifier(OidcConfig(issuer="https://unreachable.invalid", audiences=(AUD,)))
    with pytest.raises(ConfigError):
        OidcVerifier(OidcConfig(issuer="http://idp.example.com", audiences=(AUD,)))
    OidcVerifier(OidcConfig(issuer="http://idp.example.com", audiences=(AUD,), allow_insecure_http=True))


def test_generic_profile_needs_an_audience() -> None:
    with pytest.raises(ConfigError):
        OidcVerifier(OidcConfig(issuer="https://idp.example.com"))


def test_key_set_skips_symmetric_private_and_foreign_keys(local_issuer: LocalIssuer) -> None:
    public = local_issuer.keys["rs256"].public_jwk()
    document = {
        "keys": [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256"},
            {**public, "kid": "private", "d": "AQAB"},
            {**public, "kid": "enc", "use": "enc"},
            {**public, "kid": "no-verify", "key_ops": ["encrypt"]},
            {**public, "kid": None},
            "not a key",
            public,
        ]
    }
    keys = KeySet.parse(document, ("RS256", "PS256", "ES256", "HS256"))
    assert keys.kids == {public["kid"]}
    assert keys.get(public["kid"], "RS256") is not None
    assert keys.get(public["kid"], "PS256") is None  # the key declares RS256
    assert keys.get("hmac", "HS256") is None


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.text(max_size=300), st.from_regex(r"[A-Za-z0-9_\-]{0,60}\.[A-Za-z0-9_\-]{0,60}\.[A-Za-z0-9_\-]{0,60}"))
)
def test_arbitrary_input_never_raises(text: str) -> None:
    keys = StaticJwks({"keys": []})
    verifier = OidcVerifier(OidcConfig(issuer="https://idp.example.com", audiences=(AUD,)), keys=keys)
    assert anyio.run(verifier.verify_token, text) is None


# -- profiles ----------------------------------------------------------------------------------------

COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ENTRA_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
ENTRA_CLIENT_ID = "5f1c5a35-0c5e-4a4e-9d8f-2f0e0d1c9b7a"
GOOGLE_CLIENT_ID = "1234-abc.apps.googleusercontent.com"


@pytest.fixture
def cognito(make_verifier: MakeVerifier, local_issuer: LocalIssuer) -> OidcVerifier:
    return make_verifier(
        issuer=COGNITO_ISSUER,
        audiences=(),
        jwks_url=local_issuer.jwks_url,
        profile="cognito",
        client_ids=("app-client-1", "app-client-2"),
        scope_prefix="https://api.example",
    )


def cognito_claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "iss": COGNITO_ISSUER,
        "aud": None,
        "sub": "0c1d2e3f-aaaa-bbbb-cccc-1234567890ab",
        "token_use": "access",
        "client_id": "app-client-1",
        "username": "alice",
        "scope": "https://api.example/companies:read aws.cognito.signin.user.admin openid https://other.example/x",
    }
    return {**claims, **overrides}


@pytest.mark.anyio
async def test_cognito_access_token(cognito: OidcVerifier, local_issuer: LocalIssuer) -> None:
    result = await cognito.verify_token(local_issuer.mint(**cognito_claims()))
    assert result is not None
    assert result.scopes == [READ]
    assert result.client_id == "app-client-1"
    assert principal(result).id == f"{COGNITO_ISSUER}|0c1d2e3f-aaaa-bbbb-cccc-1234567890ab"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-elses-client"},
        {"client_id": None},
        {"token_use": "id", "aud": "app-client-1"},
        {"token_use": None},
        {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"},
    ],
)
async def test_cognito_rejections(cognito: OidcVerifier, local_issuer: LocalIssuer, overrides: dict[str, Any]) -> None:
    assert await cognito.verify_token(local_issuer.mint(**cognito_claims(**overrides))) is None


def test_cognito_needs_client_ids() -> None:
    with pytest.raises(ConfigError):
        OidcVerifier(OidcConfig(issuer=COGNITO_ISSUER, profile="cognito"))


@pytest.fixture
def entra(make_verifier: MakeVerifier, local_issuer: LocalIssuer) -> OidcVerifier:
    return make_verifier(
        issuer=ENTRA_ISSUER,
        audiences=("api://company-mcp", ENTRA_CLIENT_ID),
        jwks_url=local_issuer.jwks_url,
        profile="entra",
    )


def entra_claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "iss": ENTRA_ISSUER,
        "aud": ENTRA_CLIENT_ID,
        "tid": TENANT,
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "oid": "00000000-0000-0000-66f3-3332eca7ea81",
        "azp": "caller-app-id",
        "ver": "2.0",
        "scope": None,
        "scp": "companies.read companies:write User.Read",
    }
    return {**claims, **overrides}


@pytest.mark.anyio
async def test_entra_delegated_token(entra: OidcVerifier, local_issuer: LocalIssuer) -> None:
    result = await entra.verify_token(local_issuer.mint(**entra_claims()))
    assert result is not None
    assert set(result.scopes) == {READ, WRITE}
    assert result.client_id == "caller-app-id"
    # The object id too: what an API allow-lists (companydata.api.entra_auth).
    assert result.claims == {"iss": ENTRA_ISSUER, "tid": TENANT, "oid": "00000000-0000-0000-66f3-3332eca7ea81"}
    assert TENANT in principal(result).issuer


@pytest.mark.anyio
async def test_entra_application_token_with_roles(entra: OidcVerifier, local_issuer: LocalIssuer) -> None:
    token = local_issuer.mint(**entra_claims(aud="api://company-mcp", scp=None, roles=["companies.read", "Other.All"]))
    result = await entra.verify_token(token)
    assert result is not None
    assert result.scopes == [READ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "api://someone-else"},
        {"aud": None},
        {"tid": None},
        {"tid": "11111111-2222-3333-4444-555555555555"},
        {"roles": "companies.read"},
        {"iss": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"},
        {"iss": f"https://sts.windows.net/{TENANT}/"},
    ],
)
async def test_entra_rejections(entra: OidcVerifier, local_issuer: LocalIssuer, overrides: dict[str, Any]) -> None:
    assert await entra.verify_token(local_issuer.mint(**entra_claims(**overrides))) is None


@pytest.mark.anyio
async def test_entra_same_sub_in_two_tenants_is_two_principals(
    make_verifier: MakeVerifier, local_issuer: LocalIssuer
) -> None:
    other_tenant = "11111111-2222-3333-4444-555555555555"
    other_issuer = f"https://login.microsoftonline.com/{other_tenant}/v2.0"
    other = make_verifier(
        issuer=other_issuer, audiences=(ENTRA_CLIENT_ID,), jwks_url=local_issuer.jwks_url, profile="entra"
    )
    ours = make_verifier(
        issuer=ENTRA_ISSUER, audiences=(ENTRA_CLIENT_ID,), jwks_url=local_issuer.jwks_url, profile="entra"
    )
    a = await ours.verify_token(local_issuer.mint(**entra_claims(sub="same")))
    b = await other.verify_token(local_issuer.mint(**entra_claims(sub="same", iss=other_issuer, tid=other_tenant)))
    assert a is not None and b is not None
    assert principal(a).id != principal(b).id


GOOGLE_MAP = {
    "hd=example.com": [READ],
    "email=ops@example.com": [READ, WRITE],
    "groups=admins": [WRITE],
}


@pytest.fixture
def google(make_verifier: MakeVerifier, local_issuer: LocalIssuer) -> OidcVerifier:
    return make_verifier(
        issuer="https://accounts.google.com",
        audiences=(AUD, GOOGLE_CLIENT_ID),
        jwks_url=local_issuer.jwks_url,
        profile="google",
        claim_scopes=GOOGLE_MAP,
    )


def google_claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "iss": "https://accounts.google.com",
        "aud": AUD,
        "azp": "1234-caller.apps.googleusercontent.com",
        "sub": "110169484474386276334",
        "email": "alice@example.com",
        "email_verified": True,
        "hd": "example.com",
        "scope": None,
    }
    return {**claims, **overrides}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("overrides", "scopes"),
    [
        ({}, {READ}),
        ({"hd": None, "email": "ops@example.com"}, {READ, WRITE}),
        ({"hd": None, "email": "ops@example.com", "email_verified": False}, set()),
        ({"hd": None, "email": "ops@example.com", "email_verified": "true"}, set()),
        ({"hd": "example.org"}, set()),
        ({"groups": ["staff", "admins"]}, {READ, WRITE}),
        ({"hd": None, "scope": f"{READ} {WRITE}"}, set()),  # an ID token's own scope claim grants nothing
        ({"aud": GOOGLE_CLIENT_ID}, {READ}),
    ],
)
async def test_google_id_token_scopes_come_from_the_claim_map(
    google: OidcVerifier, local_issuer: LocalIssuer, overrides: dict[str, Any], scopes: set[str]
) -> None:
    result = await google.verify_token(local_issuer.mint(**google_claims(**overrides)))
    assert result is not None
    assert set(result.scopes) == scopes


@pytest.mark.anyio
async def test_google_issuer_spellings_are_one_principal(google: OidcVerifier, local_issuer: LocalIssuer) -> None:
    long = await google.verify_token(local_issuer.mint(**google_claims()))
    short = await google.verify_token(local_issuer.mint(**google_claims(iss="accounts.google.com")))
    assert long is not None and short is not None
    assert principal(long).id == principal(short).id == "https://accounts.google.com|110169484474386276334"
    assert long.claims == {"iss": "https://accounts.google.com", "hd": "example.com"}
    assert long.client_id == "1234-caller.apps.googleusercontent.com"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "https://other.example/mcp"},
        {"aud": None},
        {"iss": "https://accounts.google.com.evil.example"},
        {"iss": "https://securetoken.google.com/some-project"},
    ],
)
async def test_google_rejections(google: OidcVerifier, local_issuer: LocalIssuer, overrides: dict[str, Any]) -> None:
    assert await google.verify_token(local_issuer.mint(**google_claims(**overrides))) is None


@pytest.fixture
def identity_platform(make_verifier: MakeVerifier, local_issuer: LocalIssuer) -> OidcVerifier:
    return make_verifier(
        issuer="https://securetoken.google.com/my-project",
        audiences=(),
        jwks_url=local_issuer.jwks_url,
        profile="google",
        claim_scopes={"groups=admins": [READ, WRITE], "email_verified=true": [READ]},
    )


def identity_platform_claims(**overrides: Any) -> dict[str, Any]:
    claims = {
        "iss": "https://securetoken.google.com/my-project",
        "aud": "my-project",
        "sub": "uid-42",
        "user_id": "uid-42",
        "email": "bob@example.net",
        "email_verified": True,
        "firebase": {"sign_in_provider": "password"},
        "scope": None,
    }
    return {**claims, **overrides}


@pytest.mark.anyio
async def test_identity_platform_token(identity_platform: OidcVerifier, local_issuer: LocalIssuer) -> None:
    result = await identity_platform.verify_token(local_issuer.mint(**identity_platform_claims(groups=["admins"])))
    assert result is not None
    assert set(result.scopes) == {READ, WRITE}
    assert principal(result).id == "https://securetoken.google.com/my-project|uid-42"
    assert result.client_id == "my-project"


@pytest.mark.anyio
async def test_identity_platform_tenants_are_separate_principals(
    identity_platform: OidcVerifier, local_issuer: LocalIssuer
) -> None:
    tenant = identity_platform_claims(firebase={"sign_in_provider": "password", "tenant": "acme-x1"})
    result = await identity_platform.verify_token(local_issuer.mint(**tenant))
    default = await identity_platform.verify_token(local_issuer.mint(**identity_platform_claims()))
    assert result is not None and default is not None
    assert (result.claims or {})["tenant"] == "acme-x1"
    assert principal(result).issuer == "https://securetoken.google.com/my-project#tenant=acme-x1"
    assert principal(result).id != principal(default).id


@pytest.mark.anyio
@pytest.mark.parametrize("overrides", [{"aud": "other-project"}, {"aud": AUD}, {"iss": "https://accounts.google.com"}])
async def test_identity_platform_rejections(
    identity_platform: OidcVerifier, local_issuer: LocalIssuer, overrides: dict[str, Any]
) -> None:
    assert await identity_platform.verify_token(local_issuer.mint(**identity_platform_claims(**overrides))) is None


def test_claim_scope_map_parsing() -> None:
    rules = parse_claim_scopes(json.dumps(GOOGLE_MAP))
    assert (rules[0].claim, rules[0].value, rules[0].scopes) == ("hd", "example.com", (READ,))
    assert parse_claim_scopes("") == ()
    for bad in ["not json", "[1]", '{"hd": ["x"]}', '{"=x": ["x"]}', '{"hd=x": "companies:read"}', '{"hd=x": [1]}']:
        with pytest.raises(ConfigError):
            parse_claim_scopes(bad)


@pytest.mark.anyio
async def test_an_issuer_down_at_start_up_is_retried_soon_not_after_the_full_interval(
    verifier: OidcVerifier, local_issuer: LocalIssuer, clock: FakeClock
) -> None:
    """With no keys at all, retries back off from 0.25 s; a blip at start-up must not lock callers out for 30 s."""
    local_issuer.go_down("503")
    token = local_issuer.mint()
    assert await verifier.verify_token(token) is None
    local_issuer.come_up()
    assert await verifier.verify_token(token) is None  # still inside the first back-off step
    clock.advance(0.3)
    assert await verifier.verify_token(token) is not None
    assert local_issuer.jwks_requests == 1


@pytest.mark.anyio
async def test_concurrent_first_tokens_wait_for_the_one_key_fetch(
    verifier: OidcVerifier, local_issuer: LocalIssuer
) -> None:
    """A burst at start-up: every caller waits for the fetch under way instead of being refused."""
    tokens = [local_issuer.mint(sub=f"user-{i}") for i in range(8)]
    results: list[AccessToken | None] = []

    async def verify(token: str) -> None:
        results.append(await verifier.verify_token(token))

    async with anyio.create_task_group() as tg:
        for token in tokens:
            tg.start_soon(verify, token)
    assert all(result is not None for result in results) and len(results) == 8
    assert local_issuer.jwks_requests == 1
