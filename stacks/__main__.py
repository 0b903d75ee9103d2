"""Pulumi program entry (``main: stacks/`` in Pulumi.yaml): read the configuration, deploy one cloud, export.

``company-mcp:cloud`` selects the cloud: ``aws`` now; ``azure`` and ``gcp`` are planned and refused with a clear
error until their components exist.
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

from stacks.config import StackConfigError, load_config  # noqa: E402


def main() -> None:
    cfg = load_config()
    if cfg.cloud == "aws":
        from stacks.components.aws.stack import deploy

        outputs = deploy(cfg)
    else:  # pragma: no cover - load_config refuses other clouds
        raise StackConfigError(f"cloud {cfg.cloud!r} is not implemented")
    for name, value in outputs.items():
        pulumi.export(name, value)


main()
