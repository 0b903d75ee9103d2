"""Pulumi program entry (``main: stacks/`` in Pulumi.yaml): read the configuration, deploy one cloud, export.

``company-mcp:cloud`` selects the cloud: ``aws``, ``azure`` or ``gcp``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Pulumi puts this directory first on sys.path; the repository root makes ``stacks.*``, ``core.*`` and
# ``adapters.*`` importable even when the project is not installed in the virtualenv.
_REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if _REPO_ROOT not in sys.path:
    sys.path.insert(1, _REPO_ROOT)

import pulumi  # noqa: E402

from stacks.config import StackConfigError, load_config, selected_cloud  # noqa: E402


def main() -> None:
    cloud = selected_cloud()
    if cloud == "aws":
        from stacks.components.aws.stack import deploy

        outputs = deploy(load_config())
    elif cloud == "azure":
        from stacks.components.azure.config import load_azure_config
        from stacks.components.azure.stack import deploy as deploy_azure

        outputs = deploy_azure(load_azure_config())
    elif cloud == "gcp":
        from stacks.components.gcp.config import load_gcp_config
        from stacks.components.gcp.stack import deploy as deploy_gcp

        outputs = deploy_gcp(load_gcp_config())
    else:  # pragma: no cover - selected_cloud refuses other clouds
        raise StackConfigError(f"cloud {cloud!r} is not implemented")
    for name, value in outputs.items():
        pulumi.export(name, value)


main()
