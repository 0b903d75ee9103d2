"""One Function app on Flex Consumption (FC1): its plan, the app, and its code uploaded by `pulumi up`.

Each app runs as its user-assigned identity (created in stack.py, so each app's settings can name the other's
identity), integrated with its own delegated subnet with all outbound traffic routed through the VNet (the private
endpoints are only reachable that way), HTTPS only, FTP and basic-auth publishing off. Secrets are Key Vault
references resolved with the same identity. Host storage is identity-based (``AzureWebJobsStorage__*``): the
account has no shared keys.

Code upload: Flex Consumption takes code only through OneDeploy (``/api/publish`` on the app's SCM site; the
older zipdeploy answers 404 and ``WEBSITE_RUN_FROM_PACKAGE`` does not apply) and pulumi-azure-native has no
resource for it. A ``pulumi_command.local.Command`` runs ``az functionapp deployment source config-zip``, which
does OneDeploy for Flex apps and polls the deployment to its end, with the deployer's own ``az login``. Chosen
over a dynamic provider, which would re-implement token acquisition, the SCM host lookup and status polling in
the Pulumi process (and pickle that code into the state). The command re-runs when the zip's SHA-256 changes, and
retries while a just-created role assignment of the app's identity on its container propagates (the upload then
fails with 403 from storage for up to a few minutes).
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, TypedDict

import pulumi
import pulumi_azure_native as azure_native
import pulumi_command as command

UPLOAD_ATTEMPTS: Final = 6
UPLOAD_RETRY_SECONDS: Final = 30


def upload_command(resource_group: str, app_name: str, archive: Path) -> str:
    """The OneDeploy upload of ``archive`` (already built: no remote build), retried while roles propagate."""
    deploy = " ".join(
        [
            "az functionapp deployment source config-zip",
            f"--resource-group {shlex.quote(resource_group)}",
            f"--name {shlex.quote(app_name)}",
            f"--src {shlex.quote(str(archive))}",
            "--build-remote false",
            "--timeout 600",
        ]
    )
    return (
        f"for attempt in $(seq 1 {UPLOAD_ATTEMPTS}); do {deploy} && exit 0; "
        f'echo "upload attempt $attempt failed; retrying in {UPLOAD_RETRY_SECONDS}s" >&2; '
        f"sleep {UPLOAD_RETRY_SECONDS}; done; exit 1"
    )


def archive_digest(archive: Path) -> str:
    return hashlib.sha256(archive.read_bytes()).hexdigest()


class FunctionAppArgs(TypedDict):
    app_name: str  # globally unique: <app_name>.azurewebsites.net
    resource_group_name: str
    location: str
    subnet_id: pulumi.Input[str]
    identity_id: pulumi.Input[str]
    identity_client_id: pulumi.Input[str]
    package_container_url: pulumi.Input[str]
    python_version: str
    memory_mb: int
    max_instances: int
    always_ready: int
    app_settings: Mapping[str, pulumi.Input[str]]
    archive: Path
    # What must exist before the code goes up (the identity's roles on its containers and secrets).
    upload_after: Sequence[pulumi.Resource]


class FunctionApp(pulumi.ComponentResource):
    app_id: pulumi.Output[str]
    app_name: pulumi.Output[str]
    default_host_name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: FunctionAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:azure:FunctionApp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = args["resource_group_name"]
        plan = azure_native.web.AppServicePlan(
            f"{name}-plan",
            name=f"{args['app_name']}-plan",
            resource_group_name=rg,
            location=args["location"],
            kind="functionapp",
            reserved=True,  # Linux
            sku={"name": "FC1", "tier": "FlexConsumption"},
            opts=child,
        )
        identity_auth = {"type": "UserAssignedIdentity", "user_assigned_identity_resource_id": args["identity_id"]}
        always_ready = [{"name": "http", "instance_count": args["always_ready"]}] if args["always_ready"] else None
        app = azure_native.web.WebApp(
            f"{name}-app",
            name=args["app_name"],
            resource_group_name=rg,
            location=args["location"],
            kind="functionapp,linux",
            server_farm_id=plan.id,
            https_only=True,
            identity={"type": "UserAssigned", "user_assigned_identities": [args["identity_id"]]},
            key_vault_reference_identity=args["identity_id"],
            virtual_network_subnet_id=args["subnet_id"],
            outbound_vnet_routing={"all_traffic": True},
            site_config={
                "app_settings": [{"name": key, "value": value} for key, value in args["app_settings"].items()],
                "min_tls_version": "1.2",
                "ftps_state": "Disabled",
                "http20_enabled": True,
            },
            function_app_config={
                "deployment": {
                    "storage": {
                        "type": "blobContainer",
                        "value": args["package_container_url"],
                        "authentication": identity_auth,
                    }
                },
                "runtime": {"name": "python", "version": args["python_version"]},
                "scale_and_concurrency": {
                    "instance_memory_mb": args["memory_mb"],
                    "maximum_instance_count": args["max_instances"],
                    "always_ready": always_ready,
                },
            },
            opts=child,
        )
        # Publishing with a user name and password (FTP, SCM basic auth) off: the upload uses Entra.
        azure_native.web.WebAppFtpAllowed(
            f"{name}-ftp-basic-auth-off", name=app.name, resource_group_name=rg, allow=False, opts=child
        )
        azure_native.web.WebAppScmAllowed(
            f"{name}-scm-basic-auth-off", name=app.name, resource_group_name=rg, allow=False, opts=child
        )
        archive = args["archive"]
        command.local.Command(
            f"{name}-code",
            create=upload_command(rg, args["app_name"], archive),
            update=upload_command(rg, args["app_name"], archive),
            triggers=[archive_digest(archive)],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[app, *args["upload_after"]]),
        )
        self.app_id = app.id
        self.app_name = app.name
        self.default_host_name = pulumi.Output.concat(args["app_name"], ".azurewebsites.net")
        self.url = pulumi.Output.concat("https://", self.default_host_name)
        self.register_outputs({"app_id": self.app_id, "url": self.url})
