"""One service account per deployable, each holding only the project roles it uses.

| account | project roles | why |
|---|---|---|
| MCP server | ``logging.logWriter`` | the audit log (``entries:write``, synchronous, before each write) |
|            | ``monitoring.metricWriter`` | the custom metrics (``timeSeries.create``) |
|            | ``parametermanager.parameterViewer`` | list the flag parameter's versions (the newest enabled one wins) |
|            | ``parametermanager.parameterAccessor`` | render that version (``:render``) |
| company API | ``cloudsql.instanceUser`` | IAM database login (its access token is the password) |
| seed job (``seedJob``) | ``cloudsql.instanceUser`` | the same, as the database's administrator user |

Parameter Manager, Cloud Logging and Cloud Monitoring have no per-resource IAM for these permissions, so those
grants are on the project (deploy into a project of its own). Everything else is granted on one resource
elsewhere: ``secretmanager.secretAccessor`` on each secret a service reads (``secrets.py``), ``run.invoker`` on the
API service for the MCP account only (``service.py``). No account gets a primitive role (owner, editor, viewer),
and ``cloudsql.client`` is not needed: the services connect to the private IP directly, without the Auth Proxy.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

MCP_ROLES: Final = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/parametermanager.parameterViewer",
    "roles/parametermanager.parameterAccessor",
)
API_ROLES: Final = ("roles/cloudsql.instanceUser",)
SEED_ROLES: Final = ("roles/cloudsql.instanceUser",)
PRIMITIVE_ROLES: Final = frozenset({"roles/owner", "roles/editor", "roles/viewer"})


def database_user(email: str) -> str:
    """Cloud SQL names a service account's IAM user by its email without ``.gserviceaccount.com``."""
    return email.removesuffix(".gserviceaccount.com")


class IdentityArgs(TypedDict):
    project: str
    environment: str
    seed_job: bool


class Identity(pulumi.ComponentResource):
    mcp_email: pulumi.Output[str]
    api_email: pulumi.Output[str]
    seed_email: pulumi.Output[str] | None

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        project, env = args["project"], args["environment"]

        def account(key: str, display: str, roles: tuple[str, ...]) -> pulumi.Output[str]:
            sa = gcp.serviceaccount.Account(
                f"{name}-{key}",
                project=project,
                account_id=f"mcp-{env}-{key}",  # 6-30 chars; the environment is at most 14
                display_name=f"company-mcp {env}: {display}",
                opts=child,
            )
            for role in roles:
                gcp.projects.IAMMember(
                    f"{name}-{key}-{role.removeprefix('roles/').replace('.', '-')}",
                    project=project,
                    role=role,
                    member=sa.member,
                    opts=child,
                )
            return sa.email

        self.mcp_email = account("mcp", "MCP server (Cloud Run)", MCP_ROLES)
        self.api_email = account("api", "company API (Cloud Run)", API_ROLES)
        self.seed_email = account("seed", "database seeding job", SEED_ROLES) if args["seed_job"] else None
        self.register_outputs({"mcp": self.mcp_email, "api": self.api_email})
