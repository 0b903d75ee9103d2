"""Key Vault (RBAC, no access policies) holding the runtime's secrets, read by the apps as Key Vault references.

Three secrets: the cursor secret and the audit key (random, 64 characters from pulumi-random, so they live in the
stack's encrypted state and never on a command line) and the Redis URL with its access key. The apps read them
through ``@Microsoft.KeyVault(SecretUri=...)`` app settings resolved with their user-assigned identity, which holds
Key Vault Secrets User on each secret it needs (not on the vault). The vault takes traffic from its private
endpoint only (the firewall denies everything else; Azure's trusted services, which ARM secret writes go through,
are let through); purge protection keeps a deleted secret recoverable.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from stacks.components.azure.network import private_endpoint

CURSOR_SECRET: Final = "cursor-secret"
AUDIT_KEY: Final = "audit-key"
REDIS_URL: Final = "redis-url"
RANDOM_LENGTH: Final = 64  # >= 32 bytes of key material, as the runtime requires


def reference(vault_name: str, secret_name: str) -> str:
    """The app-setting value that makes the platform resolve a secret (versionless: the newest version)."""
    return f"@Microsoft.KeyVault(SecretUri=https://{vault_name}.vault.azure.net/secrets/{secret_name}/)"


class SecretsArgs(TypedDict):
    vault_name: str
    resource_group_name: pulumi.Input[str]
    location: str
    tenant_id: pulumi.Input[str]
    redis_url: pulumi.Input[str]
    endpoints_subnet_id: pulumi.Input[str]
    zone_id: pulumi.Input[str]


class Secrets(pulumi.ComponentResource):
    vault_id: pulumi.Output[str]
    secret_ids: dict[str, pulumi.Output[str]]
    references: dict[str, str]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = args["resource_group_name"]
        vault = azure_native.keyvault.Vault(
            f"{name}-vault",
            vault_name=args["vault_name"],
            resource_group_name=rg,
            location=args["location"],
            properties={
                "tenant_id": args["tenant_id"],
                "sku": {"family": "A", "name": "standard"},
                "enable_rbac_authorization": True,
                "enable_soft_delete": True,
                "soft_delete_retention_in_days": 90,
                "enable_purge_protection": True,
                "network_acls": {"default_action": "Deny", "bypass": "AzureServices"},
            },
            opts=child,
        )
        private_endpoint(
            f"{name}-endpoint",
            resource_group_name=rg,
            location=args["location"],
            subnet_id=args["endpoints_subnet_id"],
            target_id=vault.id,
            group_id="vault",
            zone_id=args["zone_id"],
            parent=self,
        )
        values: dict[str, pulumi.Input[str]] = {
            CURSOR_SECRET: random.RandomPassword(
                f"{name}-cursor", length=RANDOM_LENGTH, special=False, opts=child
            ).result,
            AUDIT_KEY: random.RandomPassword(f"{name}-audit", length=RANDOM_LENGTH, special=False, opts=child).result,
            REDIS_URL: args["redis_url"],
        }
        self.secret_ids = {}
        self.references = {}
        for secret_name, value in values.items():
            secret = azure_native.keyvault.Secret(
                f"{name}-{secret_name}",
                vault_name=vault.name,
                resource_group_name=rg,
                secret_name=secret_name,
                properties={"value": pulumi.Output.secret(value)},
                opts=child,
            )
            self.secret_ids[secret_name] = secret.id
            self.references[secret_name] = reference(args["vault_name"], secret_name)
        self.vault_id = vault.id
        self.register_outputs({"vault_id": self.vault_id})
