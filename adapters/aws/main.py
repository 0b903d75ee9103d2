"""Composition root of the AWS adapter: Settings + AwsSettings -> AWS adapters -> Runtime.

- Backend: the company API on AppSync through ``GraphQLBackend``, each request SigV4-signed with
  the function's role (IAM authorization); the MCP client's token is never forwarded.
- Authenticator: built by the composition root from ``COMPANY_MCP_OIDC_*`` (profile ``cognito`` for
  Cognito, ``generic`` for a corporate IdP); this builder only refuses dev tokens.
- Flags: AppConfig through its agent; metrics: EMF lines on stdout; audit: CloudWatch Logs.
- Rate limits: ``LimitsRateLimiter`` on ElastiCache (``COMPANY_MCP_REDIS_URL``, ``rediss://`` for TLS).
- Cursor key: ``COMPANY_MCP_CURSOR_SECRET`` or, better, a Secrets Manager secret by ARN, so every
  Lambda container signs and accepts the same cursors and the key is never in plain configuration.
- Audit key: a Secrets Manager secret by ARN (``COMPANY_MCP_AWS_AUDIT_KEY_SECRET_ARN``), else derived
  from the cursor key.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from adapters.aws.audit import CloudWatchLogsAudit, aws_audit_key
from adapters.aws.config import AwsSettings, SecretUnavailable, read_secret
from adapters.aws.flags import AppConfigFlags
from adapters.aws.metrics import CloudWatchEmfMetrics
from adapters.aws.sigv4 import SigV4Signer
from adapters.graphql.backend import GraphQLBackend
from adapters.graphql.main import backend_deadline_s, check_graphql_url
from adapters.ratelimit import LimitsRateLimiter
from core.config import Settings
from core.errors import ConfigError
from core.model import local_principal
from core.ports import Ports
from core.runtime import Runtime

MIN_CURSOR_SECRET_BYTES = 32

SecretReader = Callable[[str], str | bytes]


def aws_cursor_secret(settings: Settings, aws: AwsSettings, *, read: SecretReader | None = None) -> bytes:
    """The cursor HMAC key: the plain setting (local runs), else the Secrets Manager secret."""
    if settings.cursor_secret:
        secret: str | bytes = settings.cursor_secret
    elif aws.cursor_secret_arn:
        reader = read or (lambda arn: read_secret(arn, region=aws.region, endpoint_url=aws.secrets_endpoint_url))
        try:
            secret = reader(aws.cursor_secret_arn)
        except SecretUnavailable as exc:
            raise ConfigError(str(exc)) from exc
    else:
        raise ConfigError(
            "the aws adapter needs a cursor key shared by every instance: set COMPANY_MCP_AWS_CURSOR_SECRET_ARN "
            "(a Secrets Manager secret of at least 32 random bytes)"
        )
    key = secret.encode() if isinstance(secret, str) else secret
    if len(key) < MIN_CURSOR_SECRET_BYTES:
        raise ConfigError(f"the cursor key must be at least {MIN_CURSOR_SECRET_BYTES} bytes")
    return key


def build_aws_runtime(
    settings: Settings,
    aws_settings: AwsSettings | None = None,
    *,
    read_secret_value: SecretReader | None = None,
) -> Runtime:
    """Build every port; nothing is contacted here except Secrets Manager for the cursor key (when by ARN)."""
    aws = aws_settings or AwsSettings()
    if settings.transport == "http" and settings.effective_auth == "dev":
        raise ConfigError(
            "the aws adapter verifies tokens from your OIDC issuer (Cognito or a corporate IdP): set "
            "COMPANY_MCP_AUTH=oidc and COMPANY_MCP_OIDC_ISSUER (dev tokens are for local runs)"
        )
    if not aws.region:
        raise ConfigError("the aws adapter needs a region: set AWS_REGION or COMPANY_MCP_AWS_REGION")
    url = check_graphql_url(settings.graphql_url, signed=True)
    backend = GraphQLBackend(url, signer=SigV4Signer(aws.region), call_timeout_s=backend_deadline_s(settings))
    flags = AppConfigFlags(aws)
    cursor_secret = aws_cursor_secret(settings, aws, read=read_secret_value)
    audit_key = aws_audit_key(aws, cursor_secret, read=read_secret_value)
    audit = CloudWatchLogsAudit(aws, key=audit_key)
    metrics = CloudWatchEmfMetrics()
    limiter = LimitsRateLimiter(settings.redis_url)
    ports = Ports(backend=backend, flags=flags, audit=audit, metrics=metrics, rate_limiter=limiter)

    async def close() -> None:
        await backend.aclose()
        await flags.aclose()

    return Runtime(
        ports=ports,
        cursor_secret=cursor_secret,
        audit_key=audit_key,
        readiness={"api": backend.ping, "flags": flags.get_flags, "audit": audit.ping, "rate_limits": limiter.ping},
        local_principal=local_principal(os.environ.get("USER") or "aws"),
        close=close,
    )


def aws_request_signer(settings: Settings) -> SigV4Signer:
    """SigV4 with the function's role, for a shadow API that is also on AppSync (IAM authorization)."""
    region = AwsSettings().region
    if not region:
        raise ConfigError("the aws adapter needs a region: set AWS_REGION or COMPANY_MCP_AWS_REGION")
    return SigV4Signer(region)
