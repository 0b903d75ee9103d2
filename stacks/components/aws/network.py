"""The network: one VPC, private subnets in two AZs, security groups, and VPC endpoints instead of a NAT gateway.

Nothing in this VPC can reach the internet: there is no internet gateway and no NAT gateway. Every AWS API the
functions call is reached through a VPC endpoint, and the one thing that lives on the internet, the token
issuer's public keys (JWKS), is mirrored into S3 by a small function outside the VPC (``jwks.py``) and read
through the free S3 gateway endpoint. Inbound traffic reaches the MCP function through its Function URL,
which AWS serves outside the VPC; the VPC only carries the function's outbound calls.

| endpoint | type | used by | cost (us-east-1) |
|---|---|---|---|
| ``appsync-api`` | interface | MCP function | $0.01/h per AZ (~$7.30/month per AZ) + $0.01/GB |
| ``appconfigdata`` | interface | MCP function (AppConfig agent) | ~$7.30/month per AZ + $0.01/GB |
| ``logs`` | interface | MCP function | ~$7.30/month per AZ + $0.01/GB |
| ``secretsmanager`` | interface | MCP and resolver functions | ~$7.30/month per AZ + $0.01/GB |
| ``lambda`` | interface | MCP function, without ``publicUrl`` | ~$7.30/month per AZ + $0.01/GB |
| ``s3`` | gateway | MCP function | free |

Why each is needed:

- ``appsync-api``: the GraphQL calls to the company API; the API is private (reachable only through it).
- ``appconfigdata``: the feature flags (``StartConfigurationSession``, ``GetLatestConfiguration``), polled by
  the AppConfig agent extension inside the MCP function.
- ``logs``: the audit records (``CreateLogStream``, ``PutLogEvents``). The functions' own stdout, EMF metrics
  included, is shipped by the Lambda service and needs no endpoint.
- ``secretsmanager``: the cursor key (MCP) and the database credentials (resolver), read at cold start.
- ``lambda``: the MCP function's own Function URL (``GetFunctionUrlConfig``), read at cold start when no custom
  domain (``publicUrl``) names the resource; not created otherwise.
- ``s3``: the mirrored JWKS object; the endpoint's policy allows reading that object only.

Four interface endpoints in two AZs cost about $58/month plus data (five, with ``lambda``: about $73); a NAT
gateway per AZ would cost about $66/month plus $0.045/GB and would open an internet egress path from the functions
and the database subnets.
For a development stack the endpoints can run in one AZ (halving their cost) by editing ``ENDPOINT_AZS``.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

POSTGRES_PORT: Final = 5432
# ElastiCache Serverless: 6379 for the primary endpoint, 6380 for the reader endpoint.
CACHE_PORTS: Final = (6379, 6380)
HTTPS_PORT: Final = 443
AZ_COUNT: Final = 2
ENDPOINT_AZS: Final = AZ_COUNT


@dataclass(frozen=True, slots=True)
class Endpoint:
    service: str  # the service name's last part: com.amazonaws.<region>.<service>
    used_by: str
    why: str
    only_for_own_url: bool = False  # created only when the MCP function reads its own Function URL


INTERFACE_ENDPOINTS: Final = (
    Endpoint("appsync-api", "mcp", "GraphQL calls to the private AppSync API (IAM-signed)"),
    Endpoint("appconfigdata", "mcp", "feature flags read by the AppConfig agent extension"),
    Endpoint("logs", "mcp", "audit records written to the audit log group"),
    Endpoint("secretsmanager", "mcp,resolver", "the cursor key and the database credentials"),
    Endpoint("lambda", "mcp", "the MCP function's own Function URL, read at start", only_for_own_url=True),
)
GATEWAY_ENDPOINTS: Final = (Endpoint("s3", "mcp", "the issuer's public keys, mirrored to one S3 object"),)


class NetworkArgs(TypedDict):
    # Plain values: they decide names and subnet layout while the program runs.
    prefix: str
    region: str
    vpc_cidr: str
    # The S3 objects the gateway endpoint may read (its policy allows s3:GetObject on these only).
    gateway_object_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    # The MCP function reads its own Function URL from Lambda (no publicUrl): the lambda endpoint is needed.
    own_url_endpoint: NotRequired[bool]


def subnet_cidrs(vpc_cidr: str, count: int = AZ_COUNT) -> list[str]:
    """The first ``count`` quarters of the VPC block, one private subnet per AZ."""
    return [str(block) for block in list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=2))[:count]]


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    route_table_id: pulumi.Output[str]
    mcp_security_group_id: pulumi.Output[str]
    resolver_security_group_id: pulumi.Output[str]
    database_security_group_id: pulumi.Output[str]
    cache_security_group_id: pulumi.Output[str]
    endpoints_security_group_id: pulumi.Output[str]
    s3_endpoint_id: pulumi.Output[str]
    interface_endpoint_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:aws:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix, region = args["prefix"], args["region"]

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args["vpc_cidr"],
            enable_dns_support=True,  # private DNS of the interface endpoints needs both
            enable_dns_hostnames=True,
            tags={"Name": prefix},
            opts=child,
        )
        zones = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self)).names
        if len(zones) < AZ_COUNT:
            raise ValueError(f"{region} has {len(zones)} available zones; the network needs {AZ_COUNT}")
        subnets = [
            aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{prefix}-private-{zone}"},
                opts=child,
            )
            for index, (zone, cidr) in enumerate(zip(zones[:AZ_COUNT], subnet_cidrs(args["vpc_cidr"]), strict=True))
        ]
        # Only the implicit local route (plus the S3 gateway endpoint's prefix-list route): no 0.0.0.0/0 anywhere.
        route_table = aws.ec2.RouteTable(
            f"{name}-private", vpc_id=vpc.id, tags={"Name": f"{prefix}-private"}, opts=child
        )
        for index, subnet in enumerate(subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}", subnet_id=subnet.id, route_table_id=route_table.id, opts=child
            )

        def group(key: str, description: str) -> aws.ec2.SecurityGroup:
            # The AWS provider removes the default allow-all egress rule: every rule below is explicit.
            return aws.ec2.SecurityGroup(
                f"{name}-{key}", vpc_id=vpc.id, description=description, tags={"Name": f"{prefix}-{key}"}, opts=child
            )

        mcp = group("mcp", "MCP server function: calls endpoints, S3 (JWKS) and the cache")
        resolver = group("resolver", "AppSync resolver function: calls Secrets Manager and the database")
        endpoints = group("endpoints", "Interface VPC endpoints: HTTPS from the functions")
        database = group("database", "Aurora PostgreSQL: from the resolver function")
        cache = group("cache", "ElastiCache Serverless: from the MCP server function")

        s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[route_table.id],
            policy=pulumi.Output.from_input(args["gateway_object_arns"]).apply(_gateway_policy),
            tags={"Name": f"{prefix}-s3"},
            opts=child,
        )

        def allow(key: str, source: aws.ec2.SecurityGroup, target: aws.ec2.SecurityGroup, ports: Sequence[int]) -> None:
            low, high = min(ports), max(ports)
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{key}-out",
                security_group_id=source.id,
                referenced_security_group_id=target.id,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                description=f"to {key}",
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{key}-in",
                security_group_id=target.id,
                referenced_security_group_id=source.id,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                description=f"from {key}",
                opts=child,
            )

        allow("mcp-endpoints", mcp, endpoints, [HTTPS_PORT])
        allow("mcp-cache", mcp, cache, CACHE_PORTS)
        allow("resolver-endpoints", resolver, endpoints, [HTTPS_PORT])
        allow("resolver-database", resolver, database, [POSTGRES_PORT])
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-mcp-s3-out",
            security_group_id=mcp.id,
            prefix_list_id=s3_endpoint.prefix_list_id,
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            description="to S3 through the gateway endpoint (JWKS mirror)",
            opts=child,
        )

        interface = {
            endpoint.service: aws.ec2.VpcEndpoint(
                f"{name}-{endpoint.service}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{endpoint.service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in subnets[:ENDPOINT_AZS]],
                security_group_ids=[endpoints.id],
                tags={"Name": f"{prefix}-{endpoint.service}"},
                opts=child,
            )
            for endpoint in INTERFACE_ENDPOINTS
            if not endpoint.only_for_own_url or args.get("own_url_endpoint", False)
        }

        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*[subnet.id for subnet in subnets])
        self.route_table_id = route_table.id
        self.mcp_security_group_id = mcp.id
        self.resolver_security_group_id = resolver.id
        self.database_security_group_id = database.id
        self.cache_security_group_id = cache.id
        self.endpoints_security_group_id = endpoints.id
        self.s3_endpoint_id = s3_endpoint.id
        self.interface_endpoint_ids = pulumi.Output.all(
            **{service: endpoint.id for service, endpoint in interface.items()}
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "s3_endpoint_id": self.s3_endpoint_id,
                "interface_endpoint_ids": self.interface_endpoint_ids,
            }
        )


def _gateway_policy(object_arns: Sequence[str]) -> str:
    """The S3 gateway endpoint may read the listed objects and nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadMirroredJwksOnly",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": list(object_arns),
                }
            ],
        }
    )
