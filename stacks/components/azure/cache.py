"""The shared rate-limit store: Azure Managed Redis (``redisenterprise``), TLS only, reached by private endpoint.

Not Azure Cache for Redis, which is being retired. Every Function instance of the MCP server counts calls in this
one database, so a caller's budget holds across instances. The database speaks TLS on port 10000
(``client_protocol="Encrypted"``), with the ``EnterpriseCluster`` policy so a plain (non-cluster) Redis client
works against its single endpoint. The access key goes straight into Key Vault as the ``rediss://`` URL; counters
are ephemeral, so no persistence.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

from stacks.components.azure.network import private_endpoint

REDIS_PORT: Final = 10000
DATABASE_NAME: Final = "default"  # Azure Managed Redis has one database per cluster, named "default"


class CacheArgs(TypedDict):
    prefix: str
    resource_group_name: pulumi.Input[str]
    location: str
    sku: str
    endpoints_subnet_id: pulumi.Input[str]
    zone_id: pulumi.Input[str]


class Cache(pulumi.ComponentResource):
    host: pulumi.Output[str]
    url: pulumi.Output[str]  # secret: carries the access key
    cluster_id: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Cache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = args["resource_group_name"]
        cluster = azure_native.redisenterprise.RedisEnterprise(
            f"{name}-redis",
            cluster_name=f"{args['prefix']}-limits",
            resource_group_name=rg,
            location=args["location"],
            sku={"name": args["sku"]},
            minimum_tls_version="1.2",
            public_network_access="Disabled",
            high_availability="Disabled",  # counters are ephemeral: a lost node resets budgets, nothing else
            opts=child,
        )
        database = azure_native.redisenterprise.Database(
            f"{name}-db",
            cluster_name=cluster.name,
            resource_group_name=rg,
            database_name=DATABASE_NAME,
            client_protocol="Encrypted",
            port=REDIS_PORT,
            clustering_policy="EnterpriseCluster",
            eviction_policy="VolatileLRU",
            access_keys_authentication="Enabled",  # the runtime authenticates with the key from Key Vault
            opts=child,
        )
        private_endpoint(
            f"{name}-endpoint",
            resource_group_name=rg,
            location=args["location"],
            subnet_id=args["endpoints_subnet_id"],
            target_id=cluster.id,
            group_id="redisEnterprise",
            zone_id=args["zone_id"],
            parent=self,
        )
        keys = azure_native.redisenterprise.list_database_keys_output(
            cluster_name=cluster.name,
            database_name=database.name,
            resource_group_name=rg,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.cluster_id = cluster.id
        self.host = cluster.host_name.apply(lambda host: host or "")
        self.url = pulumi.Output.secret(
            pulumi.Output.format("rediss://:{0}@{1}:{2}/0", keys.primary_key, self.host, REDIS_PORT)
        )
        self.register_outputs({"host": self.host})
