"""The shared rate-limit store: ElastiCache Serverless for Valkey in the private subnets.

Every Lambda container of the MCP server counts calls in this one store, so a caller's budget holds across
containers (design.md section 3). ElastiCache Serverless always encrypts in transit (TLS only, hence the
``rediss://`` URL) and at rest. Access is by network: only the MCP function's security group reaches it.
Usage limits cap the bill (rate-limit counters are tiny); no snapshots are kept (counters are ephemeral).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypedDict

import pulumi
import pulumi_aws as aws

ENGINE: Final = "valkey"
MAJOR_VERSION: Final = "8"
MAX_DATA_GB: Final = 1
MAX_ECPU_PER_SECOND: Final = 5000
CACHE_DEFAULT_PORT: Final = 6379


class CacheArgs(TypedDict):
    prefix: str  # plain: the cache's name
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]


class Cache(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Cache", name, None, opts)
        cache = aws.elasticache.ServerlessCache(
            f"{name}-valkey",
            name=f"{args['prefix']}-limits",  # ElastiCache allows 40 characters
            engine=ENGINE,
            major_engine_version=MAJOR_VERSION,
            description="company-mcp shared rate-limit counters",
            subnet_ids=args["subnet_ids"],
            security_group_ids=args["security_group_ids"],
            cache_usage_limits={
                "data_storage": {"maximum": MAX_DATA_GB, "unit": "GB"},
                "ecpu_per_seconds": [{"maximum": MAX_ECPU_PER_SECOND}],
            },
            snapshot_retention_limit=0,
            opts=pulumi.ResourceOptions(parent=self),
        )
        endpoint = cache.endpoints.apply(_primary)
        self.arn = cache.arn
        self.address = endpoint.apply(lambda e: e.address or "")
        self.port = endpoint.apply(lambda e: int(e.port or CACHE_DEFAULT_PORT))
        # TLS is always on for ElastiCache Serverless: rediss://, never redis://.
        self.url = pulumi.Output.format("rediss://{0}:{1}", self.address, self.port)
        self.register_outputs({"arn": self.arn, "url": self.url})


def _primary(
    endpoints: Sequence[aws.elasticache.outputs.ServerlessCacheEndpoint] | None,
) -> aws.elasticache.outputs.ServerlessCacheEndpoint:
    if not endpoints:
        raise ValueError("the serverless cache reported no endpoint")
    return endpoints[0]
