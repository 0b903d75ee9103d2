"""The company data store: Cloud SQL for PostgreSQL 16, private IP only, TLS required, IAM database login.

- No public address (``ipv4_enabled=False``); the private address comes from the Private Service Access range.
- ``ssl_mode=ENCRYPTED_ONLY``: every connection must use TLS (the API connects with ``sslmode=require``).
- ``cloudsql.iam_authentication=on`` and one ``CLOUD_IAM_SERVICE_ACCOUNT`` user for the API's account: the API
  presents a fresh OAuth access token as the password of each connection, so no database password exists to
  leak or rotate. (A Secret Manager password would be one more long-lived secret; IAM login needs none.)
- Backups daily with point-in-time recovery, ``backupRetentionCount`` kept; deletion protection both in Google
  (``deletion_protection_enabled``) and in Pulumi (``deletion_protection``).
- With ``seedJob``, a second IAM user for the seed job's account with the ``cloudsqlsuperuser`` role: it creates
  the tables and grants the API's user what the API needs (``seed.py``).
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

from stacks.components.gcp.identity import database_user

DATABASE_VERSION: Final = "POSTGRES_16"
PORT: Final = 5432


class DataArgs(TypedDict):
    prefix: str
    project: str
    region: str
    network_id: pulumi.Input[str]
    peering: pulumi.Resource
    tier: str
    disk_gb: int
    db_name: str
    high_availability: bool
    deletion_protection: bool
    backup_retention_count: int
    api_email: pulumi.Input[str]
    seed_email: pulumi.Input[str] | None


class Data(pulumi.ComponentResource):
    instance_name: pulumi.Output[str]
    connection_name: pulumi.Output[str]
    private_ip: pulumi.Output[str]
    db_name: pulumi.Output[str]
    api_user: pulumi.Output[str]
    seed_user: pulumi.Output[str] | None

    def __init__(self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Data", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        instance = gcp.sql.DatabaseInstance(
            f"{name}-postgres",
            name=f"{args['prefix']}-pg",
            project=args["project"],
            region=args["region"],
            database_version=DATABASE_VERSION,
            deletion_protection=args["deletion_protection"],
            settings={
                "tier": args["tier"],
                "edition": "ENTERPRISE",
                "availability_type": "REGIONAL" if args["high_availability"] else "ZONAL",
                "disk_type": "PD_SSD",
                "disk_size": args["disk_gb"],
                "disk_autoresize": True,
                "deletion_protection_enabled": args["deletion_protection"],
                "ip_configuration": {
                    "ipv4_enabled": False,
                    "private_network": args["network_id"],
                    "ssl_mode": "ENCRYPTED_ONLY",
                },
                "database_flags": [{"name": "cloudsql.iam_authentication", "value": "on"}],
                "backup_configuration": {
                    "enabled": True,
                    "point_in_time_recovery_enabled": True,
                    "start_time": "03:00",
                    "backup_retention_settings": {
                        "retained_backups": args["backup_retention_count"],
                        "retention_unit": "COUNT",
                    },
                },
                "maintenance_window": {"day": 7, "hour": 4, "update_track": "stable"},
                "insights_config": {"query_insights_enabled": True, "record_application_tags": False},
                "user_labels": {"app": "company-mcp"},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args["peering"]]),
        )
        database = gcp.sql.Database(
            f"{name}-database", name=args["db_name"], project=args["project"], instance=instance.name, opts=child
        )
        api_user = gcp.sql.User(
            f"{name}-api-user",
            project=args["project"],
            instance=instance.name,
            name=pulumi.Output.from_input(args["api_email"]).apply(database_user),
            type="CLOUD_IAM_SERVICE_ACCOUNT",
            opts=child,
        )
        self.seed_user = None
        if args["seed_email"] is not None:
            seed_user = gcp.sql.User(
                f"{name}-seed-user",
                project=args["project"],
                instance=instance.name,
                name=pulumi.Output.from_input(args["seed_email"]).apply(database_user),
                type="CLOUD_IAM_SERVICE_ACCOUNT",
                database_roles=["cloudsqlsuperuser"],
                opts=child,
            )
            self.seed_user = seed_user.name
        self.instance_name = instance.name
        self.connection_name = instance.connection_name
        self.private_ip = instance.private_ip_address
        self.db_name = database.name
        self.api_user = api_user.name
        self.register_outputs({"instance": self.instance_name, "private_ip": self.private_ip})
