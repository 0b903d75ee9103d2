"""Artifact Registry: the Docker repository the image is pushed to (README.md (Deploy to GCP), step 2).

Cloud Run pulls with its service agent, which has read access to repositories of its own project. Old untagged
images are cleaned up after 30 days; the images a revision names by digest stay as long as they are tagged
(the build tags each push).
"""

from __future__ import annotations

from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

REPOSITORY_ID: Final = "company-mcp"


class RegistryArgs(TypedDict):
    project: str
    region: str


class Registry(pulumi.ComponentResource):
    repository: pulumi.Output[str]  # <region>-docker.pkg.dev/<project>/company-mcp: images company-mcp, company-api

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Registry", name, None, opts)
        repo = gcp.artifactregistry.Repository(
            f"{name}-repository",
            project=args["project"],
            location=args["region"],
            repository_id=REPOSITORY_ID,
            format="DOCKER",
            description="company-mcp container images (MCP server and company API)",
            docker_config={"immutable_tags": False},
            cleanup_policies=[
                {
                    "id": "delete-untagged-after-30-days",
                    "action": "DELETE",
                    "condition": {"tag_state": "UNTAGGED", "older_than": "2592000s"},
                }
            ],
            labels={"app": "company-mcp"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.repository = pulumi.Output.concat(
            args["region"], "-docker.pkg.dev/", args["project"], "/", repo.repository_id
        )
        self.register_outputs({"repository": self.repository})
