"""The GCP components (one per concern) and ``deploy`` (``stack.py``), which wires them into one stack."""

from __future__ import annotations

from stacks.components.gcp.apis import Apis, ApisArgs
from stacks.components.gcp.audit import AuditLog, AuditLogArgs
from stacks.components.gcp.cache import Cache, CacheArgs
from stacks.components.gcp.data import Data, DataArgs
from stacks.components.gcp.flags import Flags, FlagsArgs
from stacks.components.gcp.identity import Identity, IdentityArgs
from stacks.components.gcp.network import Network, NetworkArgs
from stacks.components.gcp.observability import Observability, ObservabilityArgs
from stacks.components.gcp.registry import Registry, RegistryArgs
from stacks.components.gcp.secrets import Secrets, SecretsArgs
from stacks.components.gcp.seed import SeedJob, SeedJobArgs
from stacks.components.gcp.service import Services, ServicesArgs

__all__ = [
    "Apis",
    "ApisArgs",
    "AuditLog",
    "AuditLogArgs",
    "Cache",
    "CacheArgs",
    "Data",
    "DataArgs",
    "Flags",
    "FlagsArgs",
    "Identity",
    "IdentityArgs",
    "Network",
    "NetworkArgs",
    "Observability",
    "ObservabilityArgs",
    "Registry",
    "RegistryArgs",
    "Secrets",
    "SecretsArgs",
    "SeedJob",
    "SeedJobArgs",
    "Services",
    "ServicesArgs",
]
