"""Feature flags in App Configuration (Standard): the runtime switch for writes (design.md section 3).

One feature flag per key of ``core.catalog.WRITE_FLAG_KEYS`` (``mutations`` and ``mutations_<tool>``), all created
DISABLED. ``ignore_changes=["value"]`` makes the stack create a flag and never touch it again: an operator flips a
flag with ``az appconfig feature enable`` and the next ``pulumi up`` leaves it as it is.

The store has local (access-key) auth off and no public network access: the MCP app reads it over a private endpoint
with its managed identity (App Configuration Data Reader). ARM writes the flags through the store's data-plane proxy
in pass-through mode (the deployer's own identity, which gets App Configuration Data Owner on this store only), with
private-link delegation so that proxy reaches a store without a public endpoint.
"""

from __future__ import annotations

import json
from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

from core.catalog import GLOBAL_WRITE_FLAG, WRITE_FLAG_KEYS
from stacks.components.azure import roles
from stacks.components.azure.network import private_endpoint

FEATURE_FLAG_PREFIX: Final = ".appconfig.featureflag/"
FEATURE_FLAG_CONTENT_TYPE: Final = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8"


def flag_key_value_name(flag: str, label: str | None = None) -> str:
    """The ARM name of a key-value: the key with '/' written as ``~2F``, then ``$label`` when labelled."""
    name = (FEATURE_FLAG_PREFIX + flag).replace("/", "~2F")
    return f"{name}${label}" if label else name


def flag_value(flag: str) -> str:
    """The feature-flag document as first created: disabled, no filters."""
    description = "All write tools" if flag == GLOBAL_WRITE_FLAG else f"The {flag.removeprefix('mutations_')} tool"
    return json.dumps(
        {"id": flag, "description": description, "enabled": False, "conditions": {"client_filters": []}},
        separators=(",", ":"),
    )


class FlagsArgs(TypedDict):
    store_name: str
    resource_group_name: pulumi.Input[str]
    location: str
    label: str | None
    deployer_object_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    endpoints_subnet_id: pulumi.Input[str]
    zone_id: pulumi.Input[str]


class Flags(pulumi.ComponentResource):
    store_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    flag_keys: tuple[str, ...]

    def __init__(self, name: str, args: FlagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Flags", name, None, opts)
        rg = args["resource_group_name"]
        store = azure_native.appconfiguration.ConfigurationStore(
            f"{name}-store",
            config_store_name=args["store_name"],
            resource_group_name=rg,
            location=args["location"],
            sku={"name": "standard"},
            disable_local_auth=True,
            public_network_access="Disabled",
            enable_purge_protection=True,
            soft_delete_retention_in_days=7,
            data_plane_proxy={"authentication_mode": "Pass-through", "private_link_delegation": "Enabled"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        endpoint = private_endpoint(
            f"{name}-endpoint",
            resource_group_name=rg,
            location=args["location"],
            subnet_id=args["endpoints_subnet_id"],
            target_id=store.id,
            group_id="configurationStores",
            zone_id=args["zone_id"],
            parent=self,
        )
        writer = roles.grant(
            f"{name}-deployer-writes-flags",
            role=roles.APP_CONFIGURATION_DATA_OWNER,
            scope=store.id,
            principal_id=args["deployer_object_id"],
            principal_type=None,  # the deployer: a user (az login) or a service principal (CI)
            subscription_id=args["subscription_id"],
            parent=self,
        )
        self.flag_keys = WRITE_FLAG_KEYS
        for flag in WRITE_FLAG_KEYS:
            azure_native.appconfiguration.KeyValue(
                f"{name}-{flag}",
                config_store_name=store.name,
                resource_group_name=rg,
                key_value_name=flag_key_value_name(flag, args["label"]),
                content_type=FEATURE_FLAG_CONTENT_TYPE,
                value=flag_value(flag),
                # Created off, then left alone: `pulumi up` never flips a flag an operator set.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value"], depends_on=[writer, endpoint]),
            )
        self.store_id = store.id
        self.endpoint = pulumi.Output.concat("https://", store.name, ".azconfig.io")
        self.register_outputs({"store_id": self.store_id, "endpoint": self.endpoint})
