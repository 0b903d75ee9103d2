"""The JWKS mirror function's logic (no network, no AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.components.aws import jwks_mirror_handler as mirror

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
RSA = {"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": "abc", "e": "AQAB", "x5u": "https://evil"}
PRIVATE = {"kty": "RSA", "kid": "k2", "n": "abc", "e": "AQAB", "d": "secret"}
SYMMETRIC = {"kty": "oct", "kid": "k3", "k": "secret"}


def fake_fetch(documents: dict[str, Any]) -> mirror.Fetch:
    def fetch(url: str) -> Any:
        return documents[url]

    return fetch


def test_only_public_rsa_and_ec_members_are_kept() -> None:
    keys = mirror.public_key_set({"keys": [RSA, PRIVATE, SYMMETRIC, {"kty": "EC", "kid": "k4", "crv": "P-256"}]})
    assert keys == {
        "keys": [
            {"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": "abc", "e": "AQAB"},
            {"kty": "EC", "kid": "k4", "crv": "P-256"},
        ]
    }


@pytest.mark.parametrize("document", [{}, {"keys": "x"}, {"keys": [PRIVATE, SYMMETRIC]}, []])
def test_a_set_without_usable_keys_is_refused(document: Any) -> None:
    with pytest.raises(ValueError):
        mirror.public_key_set(document)


def test_discovery_must_name_the_issuer() -> None:
    fetch = fake_fetch({ISSUER + mirror.DISCOVERY_PATH: {"issuer": "https://other", "jwks_uri": "https://k"}})
    with pytest.raises(ValueError, match="another issuer"):
        mirror.jwks_url(ISSUER, None, fetch)
    assert mirror.jwks_url(ISSUER, "https://configured/keys", fetch) == "https://configured/keys"


def test_mirror_writes_the_key_set_and_retries_a_failed_put() -> None:
    fetch = fake_fetch(
        {
            ISSUER + mirror.DISCOVERY_PATH: {"issuer": ISSUER, "jwks_uri": ISSUER + "/.well-known/jwks.json"},
            ISSUER + "/.well-known/jwks.json": {"keys": [RSA]},
        }
    )
    calls: list[dict[str, Any]] = []
    pauses: list[float] = []

    def put(**kwargs: Any) -> None:
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("AccessDenied (the grant is still propagating)")

    result = mirror.mirror({"ISSUER": ISSUER, "BUCKET": "b", "OBJECT": "jwks.json"}, fetch, put, pause=pauses.append)
    assert result == {"keys": ["k1"]}
    assert len(calls) == 2 and pauses == [mirror.RETRY_PAUSE_S]
    assert calls[-1]["Bucket"] == "b" and calls[-1]["Key"] == "jwks.json"
    assert calls[-1]["ContentType"] == "application/json"
    assert b'"d"' not in calls[-1]["Body"] and b"x5u" not in calls[-1]["Body"]


def test_plain_http_is_refused() -> None:
    with pytest.raises(ValueError, match="non-https"):
        mirror.fetch_json("http://issuer.example/.well-known/openid-configuration")
