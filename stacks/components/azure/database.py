"""The company database: PostgreSQL Flexible Server 16, private access only, Entra authentication only.

The server is injected into its delegated subnet (no public endpoint at all) with a private DNS zone linked to the
VNet. Password authentication is off: the configured Entra principal administers the server (seeding, creating
roles), and the company API connects as its managed identity with an Entra token as the password (README.md,
Deploy to Azure, shows the one SQL statement that maps that identity to a role). Backups are kept
``backup_retention_days``; deletion protection is a CanNotDelete management lock on the server.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

POSTGRES_VERSION: Final = "16"
ENTRA_TOKEN_SCOPE: Final = "https://ossrdbms-aad.database.windows.net/.default"


class DatabaseArgs(TypedDict):
    prefix: str
    resource_group_name: pulumi.Input[str]
    location: str
    tenant_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    private_dns_zone_id: pulumi.Input[str]
    sku_name: str
    sku_tier: str
    storage_gb: int
    db_name: str
    backup_retention_days: int
    geo_redundant_backup: bool
    deletion_protection: bool
    admin_object_id: str
    admin_principal_name: str
    admin_principal_type: str


class Database(pulumi.ComponentResource):
    server_name: pulumi.Output[str]
    host: pulumi.Output[str]
    db_name: pulumi.Output[str]
    server_id: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = args["resource_group_name"]
        server_name = f"{args['prefix']}-pg"
        server = azure_native.dbforpostgresql.Server(
            f"{name}-server",
            server_name=server_name,
            resource_group_name=rg,
            location=args["location"],
            version=POSTGRES_VERSION,
            sku={"name": args["sku_name"], "tier": args["sku_tier"]},
            storage={"storage_size_gb": args["storage_gb"], "auto_grow": "Enabled"},
            backup={
                "backup_retention_days": args["backup_retention_days"],
                "geo_redundant_backup": "Enabled" if args["geo_redundant_backup"] else "Disabled",
            },
            network={
                "delegated_subnet_resource_id": args["subnet_id"],
                "private_dns_zone_arm_resource_id": args["private_dns_zone_id"],
                "public_network_access": "Disabled",
            },
            auth_config={
                "active_directory_auth": "Enabled",
                "password_auth": "Disabled",
                "tenant_id": args["tenant_id"],
            },
            high_availability={"mode": "Disabled"},
            opts=pulumi.ResourceOptions(parent=self, protect=args["deletion_protection"]),
        )
        admin = azure_native.dbforpostgresql.AdministratorsMicrosoftEntra(
            f"{name}-entra-admin",
            resource_group_name=rg,
            server_name=server.name,
            object_id=args["admin_object_id"],
            principal_name=args["admin_principal_name"],
            principal_type=args["admin_principal_type"],
            tenant_id=args["tenant_id"],
            opts=child,
        )
        database = azure_native.dbforpostgresql.Database(
            f"{name}-db",
            resource_group_name=rg,
            server_name=server.name,
            database_name=args["db_name"],
            charset="UTF8",
            collation="en_US.utf8",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[admin]),
        )
        # TLS only, whatever the client asks for.
        azure_native.dbforpostgresql.Configuration(
            f"{name}-require-tls",
            resource_group_name=rg,
            server_name=server.name,
            configuration_name="require_secure_transport",
            value="on",
            source="user-override",
            opts=child,
        )
        if args["deletion_protection"]:
            azure_native.authorization.ManagementLockByScope(
                f"{name}-lock",
                scope=server.id,
                level="CanNotDelete",
                lock_name=f"{server_name}-no-delete",
                notes="company-mcp: the company database; remove this lock (deletionProtection=false) to delete it",
                opts=child,
            )
        self.server_name = server.name
        self.server_id = server.id
        self.host = pulumi.Output.concat(server.name, ".postgres.database.azure.com")
        self.db_name = database.name
        self.register_outputs({"server_name": self.server_name, "host": self.host, "db_name": self.db_name})
