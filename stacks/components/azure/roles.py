"""Built-in Azure roles the stack grants, each at the narrowest scope that works (never Owner or Contributor).

Role definition ids are Azure's built-in ids (the same in every tenant), from the Azure built-in roles reference.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native

APP_CONFIGURATION_DATA_READER: Final = "516239f1-63e1-4d78-a4de-a74fb236a071"
# Held by the deployer only, on the store only: ARM writes of key-values pass the caller's identity through to the
# data plane when local auth is off (the flags are created by `pulumi up`).
APP_CONFIGURATION_DATA_OWNER: Final = "5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b"
MONITORING_METRICS_PUBLISHER: Final = "3913510d-42f4-4e42-8a64-420c390055eb"
STORAGE_BLOB_DATA_OWNER: Final = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
KEY_VAULT_SECRETS_USER: Final = "4633458b-17de-408a-b874-0445c86b69e6"

GRANTED: Final = frozenset(
    {
        APP_CONFIGURATION_DATA_READER,
        APP_CONFIGURATION_DATA_OWNER,
        MONITORING_METRICS_PUBLISHER,
        STORAGE_BLOB_DATA_OWNER,
        KEY_VAULT_SECRETS_USER,
    }
)
# Roles that must never appear: Owner, Contributor, User Access Administrator, Role Based Access Control Administrator.
BROAD: Final = frozenset(
    {
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    }
)


def role_definition_id(subscription_id: pulumi.Input[str], role: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(
        "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role
    )


def grant(
    name: str,
    *,
    role: str,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    subscription_id: pulumi.Input[str],
    parent: pulumi.Resource,
    principal_type: str | None = "ServicePrincipal",
) -> azure_native.authorization.RoleAssignment:
    """One role assignment; only the roles in ``GRANTED`` may be given."""
    if role not in GRANTED:
        raise ValueError(f"role {role} is not one this stack grants")
    return azure_native.authorization.RoleAssignment(
        name,
        role_definition_id=role_definition_id(subscription_id, role),
        principal_id=principal_id,
        principal_type=principal_type,  # set for new identities: avoids a failure while Entra replicates them
        scope=scope,
        opts=pulumi.ResourceOptions(parent=parent),
    )


class Grant(TypedDict):
    key: str  # unique within the stack: names the assignment resource
    role: str
    scope: pulumi.Input[str]
    principal_id: pulumi.Input[str]


class AccessArgs(TypedDict):
    subscription_id: pulumi.Input[str]
    grants: list[Grant]


class Access(pulumi.ComponentResource):
    """The apps' role assignments, all of them in one place (the policy tests read them here)."""

    assignments: dict[str, azure_native.authorization.RoleAssignment]

    def __init__(self, name: str, args: AccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:Access", name, None, opts)
        self.assignments = {
            g["key"]: grant(
                f"{name}-{g['key']}",
                role=g["role"],
                scope=g["scope"],
                principal_id=g["principal_id"],
                subscription_id=args["subscription_id"],
                parent=self,
            )
            for g in args["grants"]
        }
        self.register_outputs({})
