"""The AWS components (one per concern) and ``deploy``, which wires them into one stack."""

from __future__ import annotations

from stacks.components.aws.api import Api, ApiArgs
from stacks.components.aws.bastion import SeedBastion, SeedBastionArgs
from stacks.components.aws.cache import Cache, CacheArgs
from stacks.components.aws.data import Data, DataArgs
from stacks.components.aws.flags import Flags, FlagsArgs
from stacks.components.aws.identity import Identity, IdentityArgs
from stacks.components.aws.jwks import JwksMirror, JwksMirrorArgs
from stacks.components.aws.network import Network, NetworkArgs
from stacks.components.aws.observability import LogGroups, LogGroupsArgs, Observability, ObservabilityArgs
from stacks.components.aws.service import Service, ServiceArgs

__all__ = [
    "Api",
    "ApiArgs",
    "Cache",
    "CacheArgs",
    "Data",
    "DataArgs",
    "Flags",
    "FlagsArgs",
    "Identity",
    "IdentityArgs",
    "JwksMirror",
    "JwksMirrorArgs",
    "LogGroups",
    "LogGroupsArgs",
    "Network",
    "NetworkArgs",
    "Observability",
    "ObservabilityArgs",
    "SeedBastion",
    "SeedBastionArgs",
    "Service",
    "ServiceArgs",
]
