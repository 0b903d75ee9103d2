"""Runtime environment variable names, taken from the settings classes that read them.

The stack writes what ``core.config.Settings`` (prefix ``COMPANY_MCP_``), ``adapters.aws.config.AwsSettings``
(``COMPANY_MCP_AWS_``) and ``adapters.aws.config.ResolverSettings`` (``COMPANY_API_``) read, so a name is
derived from the field, never retyped: a field renamed in the code fails the stack's tests instead of
silently leaving a function unconfigured.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings

from adapters.aws.config import AwsSettings, ResolverSettings
from core.config import Settings


def _name(settings: type[BaseSettings], field: str) -> str:
    if field not in settings.model_fields:
        raise KeyError(f"{settings.__name__} has no setting {field!r}")
    prefix = settings.model_config.get("env_prefix") or ""
    return f"{prefix}{field}".upper()


def core_env(field: str) -> str:
    """``core_env("oidc_issuer") == "COMPANY_MCP_OIDC_ISSUER"``."""
    return _name(Settings, field)


def aws_env(field: str) -> str:
    """``aws_env("audit_log_group") == "COMPANY_MCP_AWS_AUDIT_LOG_GROUP"``."""
    return _name(AwsSettings, field)


def resolver_env(field: str) -> str:
    """``resolver_env("db_secret_arn") == "COMPANY_API_DB_SECRET_ARN"``."""
    return _name(ResolverSettings, field)
