"""The user-assigned managed identities of the two Function apps, created before the apps so that each app's
settings can name the other's identity (the API allows the MCP identity's object id; the MCP app presents its
token). The API identity's name is also its PostgreSQL role name.
"""

from __future__ import annotations

from typing import TypedDict

import pulumi
import pulumi_azure_native as azure_native


class IdentitiesArgs(TypedDict):
    prefix: str
    resource_group_name: pulumi.Input[str]
    location: str


class Identities(pulumi.ComponentResource):
    mcp_name: str
    api_name: str
    mcp_id: pulumi.Output[str]
    mcp_client_id: pulumi.Output[str]
    mcp_principal_id: pulumi.Output[str]
    api_id: pulumi.Output[str]
    api_client_id: pulumi.Output[str]
    api_principal_id: pulumi.Output[str]

    def __init__(self, name: str, args: IdentitiesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Identities", name, None, opts)
        self.mcp_name = f"{args['prefix']}-mcp-id"
        self.api_name = f"{args['prefix']}-api-id"
        identities = {
            role: azure_native.managedidentity.UserAssignedIdentity(
                f"{name}-{role}",
                resource_name_=physical,
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for role, physical in (("mcp", self.mcp_name), ("api", self.api_name))
        }
        self.mcp_id = identities["mcp"].id
        self.mcp_client_id = identities["mcp"].client_id
        self.mcp_principal_id = identities["mcp"].principal_id
        self.api_id = identities["api"].id
        self.api_client_id = identities["api"].client_id
        self.api_principal_id = identities["api"].principal_id
        self.register_outputs({"mcp_principal_id": self.mcp_principal_id, "api_principal_id": self.api_principal_id})
