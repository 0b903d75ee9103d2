"""Issue 12 (7): a cached token dies with its signing key, and tokens cannot live forever."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth.conftest import AUD, MakeVerifier
from tests.auth.issuer import FakeClock, LocalIssuer

pytestmark = pytest.mark.anyio


async def test_a_cached_token_is_refused_once_a_jwks_refresh_drops_its_key(
    local_issuer: LocalIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_refresh_after_s=60, jwks_refresh_interval_s=1)
    token = local_issuer.mint(aud=AUD, ttl=3600)
    assert await verifier.verify_token(token) is not None  # verified, and now cached
    local_issuer.rotate(keep_old=False)  # the issuer withdraws the key that signed it
    assert await verifier.verify_token(token) is not None  # the keys are fresh: no refresh is due yet
    clock.advance(61)  # the key set is due for a refresh; the next lookup fetches it
    assert await verifier.verify_token(token) is None
    fresh = local_issuer.mint(aud=AUD, ttl=3600)
    assert await verifier.verify_token(fresh) is not None  # the new key verifies


async def test_a_token_living_longer_than_the_ceiling_is_refused(
    local_issuer: LocalIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier()  # the default ceiling: 24 h
    now = clock()
    within = local_issuer.mint(aud=AUD, ttl=24 * 3600)
    beyond: dict[str, Any] = {"aud": AUD, "iat": int(now), "exp": int(now) + 25 * 3600}
    forever: dict[str, Any] = {"aud": AUD, "exp": 1e30}
    no_iat: dict[str, Any] = {"aud": AUD, "iat": None, "exp": int(now) + 48 * 3600}
    assert await verifier.verify_token(within) is not None
    for claims in (beyond, forever, no_iat):
        assert await verifier.verify_token(local_issuer.mint(**claims)) is None, claims
    relaxed = make_verifier(max_lifetime_s=7 * 86_400.0)  # configurable: COMPANY_MCP_OIDC_MAX_TOKEN_LIFETIME_S
    assert await relaxed.verify_token(local_issuer.mint(**beyond)) is not None


def test_the_setting_reaches_the_verifier_and_dev_tokens_keep_their_ttl() -> None:
    from core.auth.settings import DEV_MAX_TOKEN_LIFETIME_S, dev_oidc_config, oidc_config
    from core.config import Settings

    settings = Settings(oidc_issuer="https://idp.example.com", oidc_max_token_lifetime_s=3600)
    assert oidc_config(settings).max_lifetime_s == 3600
    assert Settings().oidc_max_token_lifetime_s == 86_400
    assert dev_oidc_config(Settings()).max_lifetime_s == DEV_MAX_TOKEN_LIFETIME_S >= 30 * 86_400  # --ttl 30d
