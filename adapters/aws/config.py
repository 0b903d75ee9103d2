"""Settings of the AWS adapter (prefix ``COMPANY_MCP_AWS_``) and of the AppSync resolver (prefix ``COMPANY_API_``).

Secrets never come from plain environment variables: the cursor key (shared by every Lambda
container, so that one container accepts another's cursors) and the database credentials are
read from Secrets Manager by ARN. Only the ARNs are configuration.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

APPCONFIG_AGENT_URL = "http://localhost:2772"  # the AppConfig agent / Lambda extension's local HTTP endpoint


class AwsSettings(BaseSettings):
    """Where the MCP server finds its AWS services; the stack sets these on the function."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_MCP_AWS_", extra="ignore", populate_by_name=True)

    # Lambda sets AWS_REGION; an explicit COMPANY_MCP_AWS_REGION wins.
    region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COMPANY_MCP_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION", "region"),
    )
    # Feature flags (an AWS.AppConfig.FeatureFlags profile) through the AppConfig agent.
    appconfig_url: str = APPCONFIG_AGENT_URL
    appconfig_application: str = "company-mcp"
    appconfig_environment: str = "default"
    appconfig_profile: str = "flags"
    flags_poll_interval_s: float = Field(default=30.0, ge=0, le=3600)
    flags_timeout_s: float = Field(default=1.0, gt=0, le=30)
    # Audit: one dedicated log group; each process writes its own keyed-chain stream.
    audit_log_group: str = "/company-mcp/audit"
    audit_stream_prefix: str | None = None  # default: the host name
    logs_endpoint_url: str | None = None  # tests and VPC endpoints; default: the regional endpoint
    # Secrets Manager ARN of the cursor HMAC key (used when COMPANY_MCP_CURSOR_SECRET is unset).
    cursor_secret_arn: str | None = None
    # Secrets Manager ARN of the audit key (HMAC of the audit chain and argument digests); unset: derived
    # from the cursor key.
    audit_key_secret_arn: str | None = None
    secrets_endpoint_url: str | None = None
    # Without COMPANY_MCP_RESOURCE_URL, take the resource URL from this function's own Function URL, read from
    # Lambda at start (``function_url.py``); the stack sets this when no custom domain (publicUrl) is configured.
    resource_from_function_url: bool = False
    # Lambda sets AWS_LAMBDA_FUNCTION_NAME: the function whose URL is read.
    function_name: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_LAMBDA_FUNCTION_NAME", "function_name")
    )
    lambda_endpoint_url: str | None = None  # tests and VPC endpoints; default: the regional endpoint


class ResolverSettings(BaseSettings):
    """The AppSync Lambda resolver: where the PostgreSQL store is."""

    model_config = SettingsConfigDict(env_prefix="COMPANY_API_", extra="ignore", populate_by_name=True)

    database_url: str | None = None  # local runs and tests; on AWS use db_secret_arn
    db_secret_arn: str | None = None  # Secrets Manager secret: the RDS JSON shape or a plain DSN
    db_host: str | None = None  # when the secret has no host (RDS-managed master secrets hold user and password only)
    db_port: int = 5432
    db_name: str = "postgres"
    db_sslmode: str = "require"
    db_schema: str = "public"
    # IAM principals (ARN prefixes, comma separated) allowed to call; empty: whoever AppSync's IAM auth lets in.
    allowed_callers: str | None = None
    # SHA-256 (hex) of the proof AppSync's request handler adds to every event (adapters/aws/appsync_origin.py).
    # Unset: every event is refused.
    origin_proof_sha256: str | None = None
    region: str | None = Field(
        default=None, validation_alias=AliasChoices("COMPANY_API_REGION", "AWS_REGION", "AWS_DEFAULT_REGION", "region")
    )
    secrets_endpoint_url: str | None = None

    def allowed_caller_list(self) -> tuple[str, ...]:
        return tuple(v.strip() for v in (self.allowed_callers or "").split(",") if v.strip())


class SecretUnavailable(Exception):
    """A Secrets Manager secret could not be read (the message names the error code, never the value)."""


def read_secret(arn: str, *, region: str | None, endpoint_url: str | None = None, client: Any = None) -> str | bytes:
    """The current value of the secret ``arn`` (``SecretString``, else ``SecretBinary``). Network I/O: start-up only."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if client is None:
            import botocore.session

            client = botocore.session.get_session().create_client(
                "secretsmanager", region_name=region, endpoint_url=endpoint_url
            )
        answer = client.get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise SecretUnavailable(f"cannot read the secret {arn}: {code}") from exc
    except BotoCoreError as exc:
        raise SecretUnavailable(f"cannot read the secret {arn}: {type(exc).__name__}") from exc
    value = answer.get("SecretString")
    if value is None:
        value = answer.get("SecretBinary")
    if not value:
        raise SecretUnavailable(f"the secret {arn} is empty")
    return value  # type: ignore[no-any-return]
