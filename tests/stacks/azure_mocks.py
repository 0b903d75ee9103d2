"""Pulumi mocks for the Azure stack tests: ARM-shaped ids, the outputs the stack reads, and a record of everything
declared (with the resource options the policy tests check, such as ``ignore_changes``)."""

from __future__ import annotations

from typing import Any, Final

import pulumi

from tests.stacks.mocks import Declared

SUBSCRIPTION: Final = "00000000-0000-4000-8000-000000000001"
TENANT: Final = "00000000-0000-4000-8000-000000000002"
DEPLOYER: Final = "00000000-0000-4000-8000-000000000003"
REDIS_KEY: Final = "mock-redis-primary-key"
LOCATION: Final = "eastus"
MCP_APP_CLIENT_ID: Final = "11111111-1111-4111-8111-111111111111"
API_APP_CLIENT_ID: Final = "22222222-2222-4222-8222-222222222222"
DB_ADMIN_OBJECT_ID: Final = "33333333-3333-4333-8333-333333333333"


# The input that names each resource (its ARM name) where it is not ``name``.
OWN_NAME_KEYS: Final = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:network:VirtualNetwork": "virtualNetworkName",
    "azure-native:network:Subnet": "subnetName",
    "azure-native:network:PrivateEndpoint": "privateEndpointName",
    "azure-native:privatedns:PrivateZone": "privateZoneName",
    "azure-native:dbforpostgresql:Server": "serverName",
    "azure-native:dbforpostgresql:Database": "databaseName",
    "azure-native:redisenterprise:RedisEnterprise": "clusterName",
    "azure-native:redisenterprise:Database": "databaseName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:keyvault:Secret": "secretName",
    "azure-native:appconfiguration:ConfigurationStore": "configStoreName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:operationalinsights:Workspace": "workspaceName",
    "azure-native:applicationinsights:Component": "resourceName",
    "azure-native:managedidentity:UserAssignedIdentity": "resourceName",
    "azure-native:monitor:ActionGroup": "actionGroupName",
}


def _guid(seed: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


class AzureMocks(pulumi.runtime.Mocks):
    """Answers like ARM would and keeps every declared resource in ``declared``."""

    def __init__(self) -> None:
        self.declared: list[Declared] = []
        self.options: dict[str, pulumi.ResourceOptions] = {}  # by resource name, from a stack transformation

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        extra: dict[str, Any] = {"name": inputs.get("name") or args.name}  # auto-named resources need a name
        short = args.typ.rsplit(":", 1)[-1]
        resource_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/mock/{short}/{args.name}"
        own_name = OWN_NAME_KEYS.get(args.typ)
        if own_name and own_name in inputs:
            extra["name"] = inputs[own_name]
        identity = inputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # ARM answers with a map of identity id -> {principalId, clientId}
            extra["identity"] = {
                **identity,
                "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]},
            }
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            extra |= {"clientId": _guid(f"client/{args.name}"), "principalId": _guid(f"principal/{args.name}")}
        elif args.typ == "azure-native:redisenterprise:RedisEnterprise":
            extra |= {"hostName": f"{inputs['clusterName']}.{LOCATION}.redis.azure.net"}
        elif args.typ == "azure-native:applicationinsights:Component":
            extra |= {
                "connectionString": "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/"
            }
        elif args.typ == "random:index/randomPassword:RandomPassword":
            extra |= {"result": "r" * int(inputs.get("length", 16))}
        state = {**inputs, **extra}
        self.declared.append(Declared(args.typ, args.name, inputs, state))
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": _guid("deployer-client"),
                "objectId": DEPLOYER,
                "subscriptionId": SUBSCRIPTION,
                "tenantId": TENANT,
            }
        if args.token == "azure-native:redisenterprise:listDatabaseKeys":
            return {"primaryKey": REDIS_KEY, "secondaryKey": "mock-secondary"}
        return {}

    def of_type(self, typ: str) -> list[Declared]:
        return [d for d in self.declared if d.type == typ]

    def one(self, typ: str) -> Declared:
        found = self.of_type(typ)
        if len(found) != 1:
            raise AssertionError(f"expected one {typ}, found {len(found)}")
        return found[0]

    def named(self, name: str) -> Declared:
        return next(d for d in self.declared if d.name == name)
