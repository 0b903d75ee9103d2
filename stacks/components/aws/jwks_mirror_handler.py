"""Lambda handler (stdlib + the runtime's boto3): copy the token issuer's public keys (JWKS) into S3.

The MCP server runs in a VPC without internet egress, so it cannot fetch the issuer's keys itself. This
function runs outside the VPC every few minutes (and once at deployment), reads the issuer's discovery
document (or the configured ``JWKS_URL``), keeps only the public parts of RSA and EC keys, and writes them to
``s3://BUCKET/OBJECT``; the server reads that object through the VPC's S3 gateway endpoint
(``COMPANY_MCP_OIDC_JWKS_URL``). Issuers publish new keys before they sign with them, so a mirror that is a
few minutes behind still has every key in use. Anything unexpected raises: the old object stays in place.

Environment: ``ISSUER`` (required), ``JWKS_URL`` (optional), ``BUCKET``, ``OBJECT``.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable
from typing import Any

MAX_BYTES = 512 * 1024
TIMEOUT_S = 10
RETRY_PAUSE_S = 4.0
DISCOVERY_PATH = "/.well-known/openid-configuration"
# The members a public RSA or EC JWK may carry; anything else (private parts, x5u, ...) is dropped.
PUBLIC_MEMBERS = frozenset({"kty", "kid", "use", "alg", "key_ops", "n", "e", "crv", "x", "y"})

Fetch = Callable[[str], Any]


def fetch_json(url: str) -> Any:
    if not url.startswith("https://"):
        raise ValueError(f"refusing a non-https URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "company-mcp-jwks"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise ValueError(f"{url} answered more than {MAX_BYTES} bytes")
    return json.loads(body)


def public_key_set(document: Any) -> dict[str, list[dict[str, Any]]]:
    """The public RSA/EC keys of a JWKS document, private members removed. Raises if none is left."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError("the JWKS has no 'keys' list")
    public = [
        {member: value for member, value in key.items() if member in PUBLIC_MEMBERS}
        for key in keys
        if isinstance(key, dict) and key.get("kty") in ("RSA", "EC") and "d" not in key and key.get("kid")
    ]
    if not public:
        raise ValueError("the JWKS has no usable public RSA or EC key")
    return {"keys": public}


def jwks_url(issuer: str, configured: str | None, fetch: Fetch) -> str:
    if configured:
        return configured
    discovery = fetch(issuer.rstrip("/") + DISCOVERY_PATH)
    if not isinstance(discovery, dict) or discovery.get("issuer") != issuer.rstrip("/"):
        raise ValueError("the discovery document names another issuer")
    url = discovery.get("jwks_uri")
    if not isinstance(url, str):
        raise ValueError("the discovery document has no jwks_uri")
    return url


def mirror(
    env: dict[str, str], fetch: Fetch, put: Callable[..., Any], *, attempts: int = 3, pause: Callable[[float], None]
) -> dict[str, Any]:
    keys = public_key_set(fetch(jwks_url(env["ISSUER"], env.get("JWKS_URL") or None, fetch)))
    body = json.dumps(keys, sort_keys=True, separators=(",", ":")).encode()
    for attempt in range(1, attempts + 1):
        try:
            put(
                Bucket=env["BUCKET"],
                Key=env["OBJECT"],
                Body=body,
                ContentType="application/json",
                CacheControl="max-age=60",
            )
            break
        except Exception:  # right after deployment the role's grant may not have propagated yet: retry, then raise
            if attempt == attempts:
                raise
            pause(RETRY_PAUSE_S * attempt)
    return {"keys": [key["kid"] for key in keys["keys"]]}


def handler(event: Any, context: Any) -> dict[str, Any]:
    import boto3  # in the Lambda runtime

    return mirror(dict(os.environ), fetch_json, boto3.client("s3").put_object, pause=time.sleep)
