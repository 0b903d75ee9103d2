"""The rate-limit store shared by every MCP instance: Memorystore for Redis, private, TLS, AUTH on.

Reached over Private Service Access from the MCP service's Direct VPC egress. ``SERVER_AUTHENTICATION``
transit encryption serves TLS on port 6378 with a certificate from a per-instance CA; the stack hands that CA
to the service as a mounted secret file and names it in the URL (``ssl_ca_certs``), so the client verifies the
server. The AUTH string, the address and the CA path make up ``COMPANY_MCP_REDIS_URL`` (a Secret Manager secret,
``secrets.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypedDict

import pulumi
import pulumi_gcp as gcp

REDIS_VERSION: Final = "REDIS_7_2"
CA_MOUNT_DIR: Final = "/secrets/redis-ca"
CA_FILE: Final = "server-ca.pem"


def redis_url(auth: str, host: str, port: int) -> str:
    """``rediss://`` with the AUTH string, the TLS port and the mounted CA (redis-py reads ``ssl_ca_certs``)."""
    return f"rediss://:{auth}@{host}:{port}/0?ssl_cert_reqs=required&ssl_ca_certs={CA_MOUNT_DIR}/{CA_FILE}"


def first_certificate(certs: Sequence[Any] | None) -> str:
    """The PEM of the instance's (first) server CA."""
    if not certs:
        return ""
    cert = certs[0]
    return str(cert.get("cert", "") if isinstance(cert, dict) else cert.cert)


class CacheArgs(TypedDict):
    prefix: str
    project: str
    region: str
    network_id: pulumi.Input[str]
    services_range_name: pulumi.Input[str]
    peering: pulumi.Resource
    tier: str
    memory_gb: int


class Cache(pulumi.ComponentResource):
    host: pulumi.Output[str]
    port: pulumi.Output[int]
    url: pulumi.Output[str]  # secret: carries the AUTH string
    ca_certificate: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Cache", name, None, opts)
        instance = gcp.redis.Instance(
            f"{name}-redis",
            name=f"{args['prefix']}-ratelimit",
            project=args["project"],
            region=args["region"],
            tier=args["tier"],
            memory_size_gb=args["memory_gb"],
            redis_version=REDIS_VERSION,
            authorized_network=args["network_id"],
            connect_mode="PRIVATE_SERVICE_ACCESS",
            reserved_ip_range=args["services_range_name"],
            transit_encryption_mode="SERVER_AUTHENTICATION",
            auth_enabled=True,
            display_name="company-mcp rate limits",
            labels={"app": "company-mcp"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args["peering"]]),
        )
        self.host = instance.host
        self.port = instance.port
        self.url = pulumi.Output.secret(
            pulumi.Output.all(instance.auth_string, instance.host, instance.port).apply(
                lambda parts: redis_url(str(parts[0]), str(parts[1]), int(parts[2]))
            )
        )
        self.ca_certificate = instance.server_ca_certs.apply(first_certificate)
        self.register_outputs({"host": self.host, "port": self.port})
