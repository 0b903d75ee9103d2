"""DevIssuer: one key per data dir (0600, race-safe), a stable kid, and tokens that OidcVerifier accepts."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from adapters.fake.dev_issuer import KEY_FILE, DevIssuer, parse_ttl, rfc7638_thumbprint
from core.auth import OidcConfig, OidcVerifier, StaticJwks
from tests.auth.issuer import FakeClock, LocalIssuer

AUD = "http://127.0.0.1:8000/mcp"
ROOT = Path(__file__).resolve().parents[2]


def test_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    issuer = DevIssuer(directory)
    assert not (directory / KEY_FILE).exists()  # the constructor does no I/O
    kid = issuer.kid
    path = directory / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    again = DevIssuer(directory)
    assert again.kid == kid
    assert again.jwks() == issuer.jwks()
    assert path.read_bytes() == before
    assert [p.name for p in directory.iterdir()] == [KEY_FILE]  # no temp files left behind


def test_racing_processes_agree_on_one_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from adapters.fake.dev_issuer import DevIssuer; "
        "print(DevIssuer(Path(sys.argv[1])).kid)"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    kids = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert kids == {DevIssuer(tmp_path).kid}
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_jwks_is_public_only_and_kid_is_the_rfc7638_thumbprint(tmp_path: Path) -> None:
    issuer = DevIssuer(tmp_path)
    (key,) = issuer.jwks()["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}
    assert key["kid"] == rfc7638_thumbprint(key)
    # The example of RFC 7638 section 3.1.
    example = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRX"
        "jBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8K"
        "JZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBni"
        "Iqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert rfc7638_thumbprint(example) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_discovery_document(tmp_path: Path) -> None:
    document = DevIssuer(tmp_path).discovery("http://127.0.0.1:8000/")
    assert document["issuer"] == "http://127.0.0.1:8000"
    assert document["jwks_uri"] == "http://127.0.0.1:8000/.well-known/jwks.json"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]


def test_minted_token_shape(tmp_path: Path) -> None:
    issuer = DevIssuer(tmp_path)
    token = issuer.mint("http://127.0.0.1:8000", AUD, "dev-user", ["companies:read", "companies:write"], 3600, now=1000)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": issuer.kid, "typ": "at+jwt"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "companies:read companies:write"
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (1000, 1000, 4600)
    assert (claims["iss"], claims["aud"], claims["sub"]) == ("http://127.0.0.1:8000", AUD, "dev-user")
    assert claims["jti"]
    with pytest.raises(ValueError):
        issuer.mint("http://127.0.0.1:8000", AUD, "dev-user", [], 0)


@pytest.mark.anyio
async def test_minted_token_verifies_over_http(tmp_path: Path, local_issuer: LocalIssuer, clock: FakeClock) -> None:
    dev = DevIssuer(tmp_path)
    issuer_url = local_issuer.issuer_for("dev")
    local_issuer.documents["/dev/.well-known/openid-configuration"] = lambda: dev.discovery(issuer_url)
    local_issuer.documents["/dev/.well-known/jwks.json"] = dev.jwks
    verifier = OidcVerifier(OidcConfig(issuer=issuer_url, resource_url=AUD), clock=clock)
    try:
        token = dev.mint(issuer_url, AUD, "dev-user", ["companies:read"], parse_ttl("15m"), now=int(clock.now))
        result = await verifier.verify_token(token)
        assert result is not None
        assert (result.subject, result.scopes, (result.claims or {})["iss"]) == (
            "dev-user",
            ["companies:read"],
            issuer_url,
        )
        assert result.client_id == "company-mcp-dev"
        other = DevIssuer(tmp_path / "elsewhere")  # another dev key (another kid): refused
        forged = other.mint(issuer_url, AUD, "dev-user", ["companies:write"], 60, now=int(clock.now))
        assert await verifier.verify_token(forged) is None
    finally:
        await verifier.aclose()


@pytest.mark.anyio
async def test_minted_token_verifies_in_process(tmp_path: Path) -> None:
    dev = DevIssuer(tmp_path)
    config = OidcConfig(issuer="http://127.0.0.1:8000", resource_url=AUD)
    verifier = OidcVerifier(config, keys=StaticJwks(dev.jwks()))
    token = dev.mint("http://127.0.0.1:8000", AUD, "dev-user", ["companies:read"], 60)
    result = await verifier.verify_token(token)
    assert result is not None and result.resource == AUD


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30d", 30 * 86400), ("12h", 43200), ("15m", 900), ("45s", 45), ("3600", 3600), (" 2H ", 7200)],
)
def test_parse_ttl(text: str, seconds: int) -> None:
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0d", "-5", "1.5h", "10w", "abc", "h", "1 h"])
def test_parse_ttl_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid TTL"):
        parse_ttl(text)
