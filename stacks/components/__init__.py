"""Pulumi ComponentResources, one folder per cloud (``aws/`` now; ``azure/`` and ``gcp/`` later).

The cloud folders live here, not directly under ``stacks/``: Pulumi runs ``stacks/`` as the program
directory (it is first on ``sys.path``), so a ``stacks/azure/`` folder would hide the ``azure`` package.
"""

from __future__ import annotations
