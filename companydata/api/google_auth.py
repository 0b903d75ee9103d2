"""``GoogleIdTokenAuth``: the company API verifies its caller's Google ID token itself.

On Cloud Run the API service admits only the MCP server's service account (IAM invoker); where it
runs without that check (locally, or behind other ingress), it verifies the token with core's OIDC
verifier and the ``google`` profile: Google's signature (JWKS), issuer ``https://accounts.google.com``,
the audience (the API's URL, ``COMPANY_API_GOOGLE_AUDIENCE``), expiry; then the token's verified
``email`` must be one of the allowed service accounts (``COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS``).
The allow-list is a claim rule of the profile, so an unverified email never matches.
"""

from __future__ import annotations

from collections.abc import Iterable

from companydata.api.identity import ServiceRequest
from core.auth.verifier import OidcConfig, OidcVerifier
from core.errors import ConfigError

GOOGLE_ISSUER = "https://accounts.google.com"
GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
CALLER_SCOPE = "company-api:call"  # what an allowed caller's token grants here, and nothing else
AUDIENCE_ENV = "COMPANY_API_GOOGLE_AUDIENCE"
ALLOWED_ENV = "COMPANY_API_GOOGLE_ALLOWED_SERVICE_ACCOUNTS"
JWKS_ENV = "COMPANY_API_GOOGLE_JWKS_URL"  # tests and air-gapped mirrors; default Google's


class GoogleIdTokenAuth:
    name = "google"

    def __init__(self, audience: str, allowed_emails: Iterable[str], *, jwks_url: str | None = None) -> None:
        emails = tuple(dict.fromkeys(e.strip().lower() for e in allowed_emails if e.strip()))
        if not audience:
            raise ConfigError(f"--auth google needs the API's URL as the token audience: set {AUDIENCE_ENV}")
        if not emails:
            raise ConfigError(f"--auth google needs the callers' service accounts: set {ALLOWED_ENV}")
        self.allowed = emails
        config = OidcConfig(
            issuer=GOOGLE_ISSUER,
            audiences=(audience,),
            jwks_url=jwks_url or GOOGLE_JWKS_URL,
            profile="google",
            claim_scopes={f"email={email}": [CALLER_SCOPE] for email in emails},
        )
        self._verifier = OidcVerifier(config)

    async def verify(self, request: ServiceRequest) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        access = await self._verifier.verify_token(token.strip())
        return access is not None and CALLER_SCOPE in access.scopes

    async def aclose(self) -> None:
        await self._verifier.aclose()


def google_auth_from_environment(environ: dict[str, str]) -> GoogleIdTokenAuth:
    return GoogleIdTokenAuth(
        environ.get(AUDIENCE_ENV, ""),
        environ.get(ALLOWED_ENV, "").split(","),
        jwks_url=environ.get(JWKS_ENV) or None,
    )
