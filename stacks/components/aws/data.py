"""The data store behind the company API: Aurora PostgreSQL Serverless v2 in the private subnets.

- Storage encrypted (the AWS-managed ``aws/rds`` key), never publicly accessible, reachable only from the
  resolver function's security group (and the optional seeding bastion's).
- The master password is generated and rotated by RDS in Secrets Manager (``manage_master_user_password``):
  it never appears in configuration, in Pulumi state or in an environment variable. The secret holds only
  ``username`` and ``password``; the host, port and database name are given to the resolver separately.
- Deletion protection is on by default (``deletionProtection``); with it on, ``pulumi destroy`` stops at the
  cluster, and a final snapshot is taken when the cluster is deleted.
- ``auroraMinAcu = 0`` lets the cluster pause when idle (PostgreSQL 16.3+), at the cost of a ~15 s resume.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from stacks.components.aws.network import POSTGRES_PORT

ENGINE = "aurora-postgresql"
MASTER_USERNAME = "company_admin"
AUTO_PAUSE_AFTER_S = 900


class DataArgs(TypedDict):
    prefix: str  # plain: physical names
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    engine_version: pulumi.Input[str]
    db_name: pulumi.Input[str]
    min_acu: float  # plain: decides whether auto-pause is configured
    max_acu: pulumi.Input[float]
    deletion_protection: bool  # plain: also decides the final snapshot
    backup_retention_days: pulumi.Input[int]


class Data(pulumi.ComponentResource):
    cluster_arn: pulumi.Output[str]
    cluster_identifier: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    port: pulumi.Output[int]
    db_name: pulumi.Output[str]
    secret_arn: pulumi.Output[str]

    def __init__(self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Data", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args["prefix"]

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=args["subnet_ids"],
            description=f"{prefix}: private subnets of the company API database",
            opts=child,
        )
        scaling: dict[str, Any] = {"min_capacity": args["min_acu"], "max_capacity": args["max_acu"]}
        if args["min_acu"] == 0:
            scaling["seconds_until_auto_pause"] = AUTO_PAUSE_AFTER_S
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=f"{prefix}-db",
            engine=ENGINE,
            engine_mode="provisioned",  # Serverless v2 is "provisioned" with db.serverless instances
            engine_version=args["engine_version"],
            database_name=args["db_name"],
            master_username=MASTER_USERNAME,
            manage_master_user_password=True,
            storage_encrypted=True,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=args["security_group_ids"],
            port=POSTGRES_PORT,
            serverlessv2_scaling_configuration=scaling,
            backup_retention_period=args["backup_retention_days"],
            preferred_backup_window="03:00-04:00",
            copy_tags_to_snapshot=True,
            deletion_protection=args["deletion_protection"],
            skip_final_snapshot=not args["deletion_protection"],
            final_snapshot_identifier=f"{prefix}-db-final" if args["deletion_protection"] else None,
            apply_immediately=False,
            opts=child,
        )
        aws.rds.ClusterInstance(
            f"{name}-writer",
            identifier=f"{prefix}-db-1",
            cluster_identifier=cluster.id,
            instance_class="db.serverless",
            engine=cluster.engine,
            engine_version=cluster.engine_version,
            db_subnet_group_name=subnet_group.name,
            publicly_accessible=False,
            auto_minor_version_upgrade=True,
            opts=child,
        )

        self.cluster_arn = cluster.arn
        self.cluster_identifier = cluster.cluster_identifier
        self.endpoint = cluster.endpoint
        self.port = cluster.port
        self.db_name = cluster.database_name
        self.secret_arn = cluster.master_user_secrets.apply(_secret_arn)
        self.register_outputs(
            {
                "cluster_arn": self.cluster_arn,
                "endpoint": self.endpoint,
                "port": self.port,
                "secret_arn": self.secret_arn,
            }
        )


def _secret_arn(secrets: Sequence[aws.rds.outputs.ClusterMasterUserSecret] | None) -> str:
    if not secrets or not secrets[0].secret_arn:
        raise ValueError("the cluster has no managed master user secret (manage_master_user_password is off?)")
    return secrets[0].secret_arn
