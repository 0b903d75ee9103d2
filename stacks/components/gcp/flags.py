"""The write switches: a Parameter Manager parameter (format JSON) in the stack's region.

The MCP server lists the parameter's versions and renders the newest enabled one (``adapters/gcp/flags.py``):
``{"mutations": false, "mutations_<tool>": false, ...}``, one key for every ``core.catalog.WRITE_FLAG_KEYS``.
The stack creates the first version, every write off. An operator turns writes on by adding a newer version
(README.md (Deploy to GCP), "Turn writes on"); the stack never adds one, and ``ignore_changes`` on the first
version's data keeps ``pulumi up`` from rewriting it when the catalog changes. A read that fails denies writes
(``flags_unavailable``) in the server.
"""

from __future__ import annotations

import json
from typing import Final, TypedDict

import pulumi
import pulumi_gcp as gcp

from core.catalog import WRITE_FLAG_KEYS

PARAMETER_ID: Final = "company-mcp-flags"
FIRST_VERSION_ID: Final = "initial"


def initial_flags() -> dict[str, bool]:
    """Every write flag of the catalog, off."""
    return dict.fromkeys(WRITE_FLAG_KEYS, False)


def parameter_name(project: str, region: str) -> str:
    """What ``COMPANY_MCP_GCP_FLAGS_PARAMETER`` names."""
    return f"projects/{project}/locations/{region}/parameters/{PARAMETER_ID}"


class FlagsArgs(TypedDict):
    project: str
    region: str


class Flags(pulumi.ComponentResource):
    parameter: pulumi.Output[str]  # projects/<p>/locations/<r>/parameters/company-mcp-flags
    first_version: pulumi.Output[str]

    def __init__(self, name: str, args: FlagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("company-mcp:gcp:Flags", name, None, opts)
        parameter = gcp.parametermanager.RegionalParameter(
            f"{name}-parameter",
            project=args["project"],
            location=args["region"],
            parameter_id=PARAMETER_ID,
            format="JSON",
            labels={"app": "company-mcp"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        version = gcp.parametermanager.RegionalParameterVersion(
            f"{name}-initial",
            parameter=parameter.id,
            parameter_version_id=FIRST_VERSION_ID,
            parameter_data=json.dumps(initial_flags(), sort_keys=True),
            # An operator's versions are newer ones; this one is never rewritten (nor re-enabled) by the stack.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["parameterData", "disabled"]),
        )
        self.parameter = pulumi.Output.from_input(parameter_name(args["project"], args["region"]))
        self.first_version = version.name
        self.register_outputs({"parameter": self.parameter})
