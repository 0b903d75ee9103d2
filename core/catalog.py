"""The tool catalog: each tool's name, scope, whether it writes, its rate class and idempotency, declared once.

Everything else is derived from here: the SDK tool list and annotations (``core.tools``), the
GraphQL operation kinds, the shadow mirror's read-only set, the pilot's workload classes, the
dashboards' write-tool lists, the flag keys and the default ``COMPANY_MCP_RATE_LIMITS``.

Plain Python with no MCP SDK, pydantic or cloud import, so the Pulumi program (``stacks/``) and the
data platform (``companydata/``) load it without ``mcp``. ``core.tools.registry`` pairs each entry
with its contract and handler and refuses to start if the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

READ_SCOPE = "companies:read"
WRITE_SCOPE = "companies:write"
ALL_SCOPES = frozenset({READ_SCOPE, WRITE_SCOPE})

# Feature-flag keys of the mutation gate: the global switch and one per write tool (``mutations_<tool>``).
GLOBAL_WRITE_FLAG = "mutations"


@dataclass(frozen=True, slots=True)
class ToolKind:
    """What the guards, the stacks and the pilot need to know about a tool (its contract lives in core.tools)."""

    name: str
    mutates: bool
    idempotent: bool = True
    default_rate_limit: str | None = None  # "N/second|minute|hour|day" per principal; None: not rate limited

    @property
    def scope(self) -> str:
        return WRITE_SCOPE if self.mutates else READ_SCOPE

    @property
    def operation_kind(self) -> Literal["query", "mutation"]:
        """Its GraphQL root type in the company API: reads are queries, writes mutations."""
        return "mutation" if self.mutates else "query"

    @property
    def flag_key(self) -> str | None:
        """The per-tool feature flag of a write tool (``mutations_<tool>``)."""
        return f"{GLOBAL_WRITE_FLAG}_{self.name}" if self.mutates else None


# In the order clients list them: six reads, then three writes (design.md section 2).
CATALOG: tuple[ToolKind, ...] = (
    ToolKind("search_companies", mutates=False),
    ToolKind("get_company", mutates=False),
    ToolKind("ai_search", mutates=False, default_rate_limit="5/minute"),
    ToolKind("list_collections", mutates=False),
    ToolKind("get_collection", mutates=False),
    ToolKind("get_email_discovery", mutates=False),
    ToolKind("create_collection", mutates=True),
    ToolKind("add_to_collection", mutates=True),
    ToolKind("request_email_discovery", mutates=True, default_rate_limit="10/hour"),
)

TOOL_NAMES: tuple[str, ...] = tuple(kind.name for kind in CATALOG)
READ_TOOLS: frozenset[str] = frozenset(kind.name for kind in CATALOG if not kind.mutates)
WRITE_TOOLS: frozenset[str] = frozenset(kind.name for kind in CATALOG if kind.mutates)
WRITE_FLAG_KEYS: tuple[str, ...] = (GLOBAL_WRITE_FLAG, *(kind.flag_key for kind in CATALOG if kind.flag_key))

_BY_NAME = {kind.name: kind for kind in CATALOG}


def tool_kind(name: str) -> ToolKind | None:
    return _BY_NAME.get(name)


def write_tools() -> tuple[str, ...]:
    """The write tools in catalog order (dashboards and alarms list them in this order)."""
    return tuple(kind.name for kind in CATALOG if kind.mutates)


def default_rate_limits() -> str:
    """The default of ``COMPANY_MCP_RATE_LIMITS``: ``ai_search=5/minute,request_email_discovery=10/hour``."""
    return ",".join(f"{kind.name}={kind.default_rate_limit}" for kind in CATALOG if kind.default_rate_limit)
