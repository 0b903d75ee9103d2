"""The Google APIs the deployment uses, enabled in the project (``projects.Service``).

``disable_on_destroy`` is off: other workloads in the project may use the same APIs, and disabling one on
``pulumi destroy`` would break them. Every other component depends on this one.
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

SERVICES: Final = (
    "compute.googleapis.com",  # VPC, subnet, Cloud NAT, the Private Service Access range
    "servicenetworking.googleapis.com",  # Private Service Access (Cloud SQL, Memorystore)
    "sqladmin.googleapis.com",
    "redis.googleapis.com",
    "run.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",  # the documented image build (gcloud builds submit)
    "secretmanager.googleapis.com",
    "parametermanager.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",  # project IAM grants and the project-number lookup
)


class ApisArgs(TypedDict):
    project: str


class Apis(pulumi.ComponentResource):
    enabled: list[gcp.projects.Service]

    def __init__(self, name: str, args: ApisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Apis", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.enabled = [
            gcp.projects.Service(
                f"{name}-{service.split('.')[0]}",
                project=args["project"],
                service=service,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=child,
            )
            for service in SERVICES
        ]
        self.register_outputs({"services": [s.service for s in self.enabled]})
