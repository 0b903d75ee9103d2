"""Secret Manager: the values the MCP service must not carry in plain environment variables.

| secret | value | read by |
|---|---|---|
| ``<prefix>-cursor-secret`` | random, 48 bytes | MCP service (``COMPANY_MCP_CURSOR_SECRET``) |
| ``<prefix>-audit-key`` | random, 48 bytes | MCP service (``COMPANY_MCP_GCP_AUDIT_KEY``: the keyed audit chain) |
| ``<prefix>-redis-url`` | ``rediss://:<AUTH>@<host>:6378/0?...`` | MCP service (``COMPANY_MCP_REDIS_URL``) |
| ``<prefix>-redis-ca`` | Memorystore's server CA (PEM, not secret, but mounted as a file) | MCP service |

The random keys are written once as write-only data (``secret_data_wo``): they never enter the Pulumi state,
and ``pulumi up`` does not replace them (bump ``KEY_VERSION`` to rotate). Each secret grants
``secretmanager.secretAccessor`` to the MCP service's account only, on that secret only.
"""

from __future__ import annotations

import secrets
from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

KEY_BYTES: Final = 48
KEY_VERSION: Final = "1"
ACCESSOR: Final = "roles/secretmanager.secretAccessor"


class SecretsArgs(TypedDict):
    prefix: str
    project: str
    region: str
    reader_member: pulumi.Input[str]  # serviceAccount:<mcp email>
    redis_url: pulumi.Input[str]
    redis_ca: pulumi.Input[str]


class Secrets(pulumi.ComponentResource):
    cursor_secret_id: pulumi.Output[str]
    audit_key_id: pulumi.Output[str]
    redis_url_id: pulumi.Output[str]
    redis_ca_id: pulumi.Output[str]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def secret(key: str, description: str) -> gcp.secretmanager.Secret:
            created = gcp.secretmanager.Secret(
                f"{name}-{key}",
                project=args["project"],
                secret_id=f"{args['prefix']}-{key}",
                replication={"user_managed": {"replicas": [{"location": args["region"]}]}},
                annotations={"description": description},
                labels={"app": "company-mcp"},
                opts=child,
            )
            gcp.secretmanager.SecretIamMember(
                f"{name}-{key}-reader",
                project=args["project"],
                secret_id=created.secret_id,
                role=ACCESSOR,
                member=args["reader_member"],
                opts=child,
            )
            return created

        def random_key(key: str, description: str) -> gcp.secretmanager.Secret:
            created = secret(key, description)
            gcp.secretmanager.SecretVersion(
                f"{name}-{key}-value",
                secret=created.id,
                secret_data_wo=pulumi.Output.secret(secrets.token_urlsafe(KEY_BYTES)),
                secret_data_wo_version=KEY_VERSION,
                opts=child,
            )
            return created

        cursor = random_key("cursor-secret", "HMAC key of the MCP server's paging cursors")
        audit = random_key("audit-key", "HMAC key of the MCP server's keyed audit chain")
        redis = secret("redis-url", "Memorystore URL with its AUTH string (rate limits)")
        gcp.secretmanager.SecretVersion(
            f"{name}-redis-url-value", secret=redis.id, secret_data=pulumi.Output.secret(args["redis_url"]), opts=child
        )
        ca = secret("redis-ca", "Memorystore server CA (PEM), mounted as a file")
        gcp.secretmanager.SecretVersion(
            f"{name}-redis-ca-value", secret=ca.id, secret_data=args["redis_ca"], opts=child
        )

        self.cursor_secret_id = cursor.secret_id
        self.audit_key_id = audit.secret_id
        self.redis_url_id = redis.secret_id
        self.redis_ca_id = ca.secret_id
        self.register_outputs({"cursor": self.cursor_secret_id, "audit": self.audit_key_id})
