"""The network: a custom-mode VPC, one subnet, Private Service Access and Cloud NAT.

- The subnet carries the Cloud Run services' Direct VPC egress interfaces and has Private Google Access on
  (Google APIs over Google's network).
- Private Service Access: a reserved internal range (``GlobalAddress`` with purpose ``VPC_PEERING``) peered
  with ``servicenetworking.googleapis.com``. Cloud SQL and Memorystore take their private addresses from it;
  neither has a public address.
- Cloud NAT: the MCP service sends all its egress through the VPC (so that its calls to the internal-only API
  service count as internal), and still needs the token issuer's discovery document and keys on the internet.
  No inbound path is opened by NAT.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
import pulumi_gcp as gcp


class NetworkArgs(TypedDict):
    prefix: str
    project: str
    region: str
    subnet_cidr: str
    services_prefix_length: int


class Network(pulumi.ComponentResource):
    network_id: pulumi.Output[str]
    network_name: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    subnet_name: pulumi.Output[str]
    services_range_name: pulumi.Output[str]
    # What Cloud SQL and Memorystore must wait for (their private addresses come through the peering).
    peering: gcp.servicenetworking.Connection

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix, project, region = args["prefix"], args["project"], args["region"]

        vpc = gcp.compute.Network(
            f"{name}-vpc",
            name=prefix,
            project=project,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            description="company-mcp: Cloud Run egress, Cloud SQL and Memorystore (private only)",
            opts=child,
        )
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{prefix}-run",
            project=project,
            region=region,
            network=vpc.id,
            ip_cidr_range=args["subnet_cidr"],
            private_ip_google_access=True,
            opts=child,
        )
        services_range = gcp.compute.GlobalAddress(
            f"{name}-services-range",
            name=f"{prefix}-services",
            project=project,
            network=vpc.id,
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            prefix_length=args["services_prefix_length"],
            description="Private Service Access: Cloud SQL and Memorystore addresses",
            opts=child,
        )
        self.peering = gcp.servicenetworking.Connection(
            f"{name}-services-peering",
            network=vpc.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[services_range.name],
            opts=child,
        )
        router = gcp.compute.Router(
            f"{name}-router", name=f"{prefix}-router", project=project, region=region, network=vpc.id, opts=child
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{prefix}-nat",
            project=project,
            region=region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[{"name": subnet.id, "source_ip_ranges_to_nats": ["ALL_IP_RANGES"]}],
            log_config={"enable": True, "filter": "ERRORS_ONLY"},
            opts=child,
        )
        self.network_id, self.network_name = vpc.id, vpc.name
        self.subnet_id, self.subnet_name = subnet.id, subnet.name
        self.services_range_name = services_range.name
        self.register_outputs({"network": self.network_name, "subnet": self.subnet_name})
