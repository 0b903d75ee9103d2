"""The virtual network: one delegated subnet per Function app, one for PostgreSQL, one for private endpoints.

Functions on Flex Consumption integrate with a subnet delegated to ``Microsoft.App/environments``; PostgreSQL
Flexible Server with private access is injected into a subnet delegated to
``Microsoft.DBforPostgreSQL/flexibleServers``.
App Configuration, Azure Managed Redis, Key Vault and the deployment storage account are reached through private
endpoints in the endpoints subnet; each service's private DNS zone is linked to the VNet so the apps resolve the
public host names to private addresses.
"""

from __future__ import annotations

import ipaddress
from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

FUNCTIONS_DELEGATION: Final = "Microsoft.App/environments"
POSTGRES_DELEGATION: Final = "Microsoft.DBforPostgreSQL/flexibleServers"
SUBNETS: Final = ("mcp", "api", "postgres", "endpoints")  # one /24 each, in this order

# Private DNS zones of the services reached by private endpoint (Azure's documented privatelink zone names).
ENDPOINT_ZONES: Final = {
    "appconfig": "privatelink.azconfig.io",
    "redis": "privatelink.redis.azure.net",  # Azure Managed Redis
    "vault": "privatelink.vaultcore.azure.net",
    "blob": "privatelink.blob.core.windows.net",
}


def subnet_prefixes(vnet_cidr: str) -> dict[str, str]:
    """The first four /24 blocks of the VNet's address space, by subnet role."""
    blocks = ipaddress.ip_network(vnet_cidr).subnets(new_prefix=24)
    return {role: str(next(blocks)) for role in SUBNETS}


class NetworkArgs(TypedDict):
    prefix: str
    resource_group_name: pulumi.Input[str]
    location: str
    vnet_cidr: str


class Network(pulumi.ComponentResource):
    vnet_id: pulumi.Output[str]
    mcp_subnet_id: pulumi.Output[str]
    api_subnet_id: pulumi.Output[str]
    postgres_subnet_id: pulumi.Output[str]
    endpoints_subnet_id: pulumi.Output[str]
    postgres_zone_id: pulumi.Output[str]
    zone_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Network", name, None, opts)
        rg = args["resource_group_name"]
        vnet = azure_native.network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{args['prefix']}-vnet",
            resource_group_name=rg,
            location=args["location"],
            address_space={"address_prefixes": [args["vnet_cidr"]]},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),  # subnets are their own resources
        )
        delegations = {"mcp": FUNCTIONS_DELEGATION, "api": FUNCTIONS_DELEGATION, "postgres": POSTGRES_DELEGATION}
        subnets: dict[str, azure_native.network.Subnet] = {}
        previous: list[pulumi.Resource] = []
        for role, prefix in subnet_prefixes(args["vnet_cidr"]).items():
            delegation = delegations.get(role)
            subnets[role] = azure_native.network.Subnet(
                f"{name}-{role}",
                subnet_name=role,
                resource_group_name=rg,
                virtual_network_name=vnet.name,
                address_prefix=prefix,
                delegations=[{"name": role, "service_name": delegation}] if delegation else None,
                private_endpoint_network_policies="Disabled" if role == "endpoints" else None,
                default_outbound_access=False,  # no implicit internet egress from the subnet
                # one at a time: concurrent writes to one VNet's subnets fail with AnotherOperationInProgress
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [subnets[role]]

        def zone(key: str, zone_name: pulumi.Input[str]) -> azure_native.privatedns.PrivateZone:
            private_zone = azure_native.privatedns.PrivateZone(
                f"{name}-{key}-zone",
                private_zone_name=zone_name,
                resource_group_name=rg,
                location="global",
                opts=pulumi.ResourceOptions(parent=self),
            )
            azure_native.privatedns.VirtualNetworkLink(
                f"{name}-{key}-link",
                private_zone_name=private_zone.name,
                resource_group_name=rg,
                location="global",
                registration_enabled=False,
                virtual_network={"id": vnet.id},
                opts=pulumi.ResourceOptions(parent=self),
            )
            return private_zone

        postgres_zone = zone("postgres", f"{args['prefix']}.private.postgres.database.azure.com")
        self.zone_ids = {key: zone(key, zone_name).id for key, zone_name in ENDPOINT_ZONES.items()}
        self.vnet_id = vnet.id
        self.mcp_subnet_id = subnets["mcp"].id
        self.api_subnet_id = subnets["api"].id
        self.postgres_subnet_id = subnets["postgres"].id
        self.endpoints_subnet_id = subnets["endpoints"].id
        self.postgres_zone_id = postgres_zone.id
        self.register_outputs({"vnet_id": self.vnet_id, "endpoints_subnet_id": self.endpoints_subnet_id})


def private_endpoint(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    subnet_id: pulumi.Input[str],
    target_id: pulumi.Input[str],
    group_id: str,
    zone_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> azure_native.network.PrivateEndpoint:
    """A private endpoint to ``target_id`` with its A record registered in the service's private DNS zone."""
    endpoint = azure_native.network.PrivateEndpoint(
        name,
        resource_group_name=resource_group_name,
        location=location,
        subnet={"id": subnet_id},
        private_link_service_connections=[
            {"name": name, "private_link_service_id": target_id, "group_ids": [group_id]}
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    azure_native.network.PrivateDnsZoneGroup(
        f"{name}-dns",
        resource_group_name=resource_group_name,
        private_endpoint_name=endpoint.name,
        private_dns_zone_group_name="default",
        private_dns_zone_configs=[{"name": group_id, "private_dns_zone_id": zone_id}],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return endpoint
