"""The storage account of the two Function apps: their deployment packages and the Functions host's own blobs.

Shared-key access is off (every caller is an Entra identity), blobs are never public and the account takes no
public network traffic: the apps reach it through a private endpoint over their VNet integration, and ARM (the
control plane) creates the containers. Each app's identity later gets Storage Blob Data Owner on the containers
it uses only (stack.py), not on the account.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

from stacks.components.azure.network import private_endpoint

# Written by the Functions host (locks, keys): identity-based host storage needs them as blob containers.
HOST_CONTAINERS: Final = ("azure-webjobs-hosts", "azure-webjobs-secrets")


class StorageArgs(TypedDict):
    account_name: str
    resource_group_name: pulumi.Input[str]
    location: str
    package_containers: list[str]  # one per Function app
    endpoints_subnet_id: pulumi.Input[str]
    zone_id: pulumi.Input[str]


class Storage(pulumi.ComponentResource):
    account_name: pulumi.Output[str]
    account_id: pulumi.Output[str]
    blob_endpoint: pulumi.Output[str]
    container_ids: dict[str, pulumi.Output[str]]  # by container name: packages and host containers

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Storage", name, None, opts)
        rg = args["resource_group_name"]
        account = azure_native.storage.StorageAccount(
            f"{name}-account",
            account_name=args["account_name"],
            resource_group_name=rg,
            location=args["location"],
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
            allow_shared_key_access=False,
            allow_blob_public_access=False,
            default_to_o_auth_authentication=True,
            public_network_access="Disabled",
            network_rule_set={"default_action": "Deny", "bypass": "AzureServices"},
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        private_endpoint(
            f"{name}-blob-endpoint",
            resource_group_name=rg,
            location=args["location"],
            subnet_id=args["endpoints_subnet_id"],
            target_id=account.id,
            group_id="blob",
            zone_id=args["zone_id"],
            parent=self,
        )
        self.container_ids = {}
        for container in (*args["package_containers"], *HOST_CONTAINERS):
            self.container_ids[container] = azure_native.storage.BlobContainer(
                f"{name}-{container}",
                account_name=account.name,
                resource_group_name=rg,
                container_name=container,
                public_access="None",
                opts=pulumi.ResourceOptions(parent=self),
            ).id
        self.account_name = account.name
        self.account_id = account.id
        self.blob_endpoint = pulumi.Output.concat("https://", account.name, ".blob.core.windows.net")
        self.register_outputs({"account_id": self.account_id})
