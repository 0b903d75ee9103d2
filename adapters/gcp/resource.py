"""The monitored resource this process writes its metrics and audit entries under: ``generic_task``.

``cloud_run_revision`` names the service and revision but not the instance, and a cumulative time
series may have only one writer: two instances of one revision writing the same series would reject
each other's points. ``generic_task`` carries a ``task_id``, one per process, so every instance owns
its series; ``namespace`` is the service (``K_SERVICE``) and ``job`` the revision (``K_REVISION``).
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from adapters.gcp.config import GcpSettings

RESOURCE_TYPE = "generic_task"
_MAX_LABEL = 128


def task_id() -> str:
    return f"{socket.gethostname() or 'host'}-{os.getpid()}-{uuid.uuid4().hex[:8]}"[-_MAX_LABEL:]


def monitored_resource(settings: GcpSettings, project: str, task: str) -> dict[str, Any]:
    return {
        "type": RESOURCE_TYPE,
        "labels": {
            "project_id": project,
            "location": settings.location(),
            "namespace": (settings.service or "company-mcp")[:_MAX_LABEL],
            "job": (settings.revision or "local")[:_MAX_LABEL],
            "task_id": task,
        },
    }
