"""``ToolSpec``: the single declaration of a tool, and the context its handler receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core.catalog import ToolKind
from core.catalog import tool_kind as _catalog_entry
from core.cursor import CursorCodec, fingerprint
from core.interpreters import RulesInterpreter
from core.model import Page, PageRequest, Principal
from core.ports import Backend, PromptInterpreter, Quota

if TYPE_CHECKING:  # the SDK's types only where the SDK is served (core.server); the guards load without it
    from mcp.types import Tool, ToolAnnotations


@dataclass(slots=True)
class ToolContext:
    """What a handler may use: the caller, the backend, and what the guards decided for this call."""

    tool: str
    principal: Principal
    backend: Backend
    cursors: CursorCodec
    limit: int = 20
    quota: Quota | None = None
    prompt_interpreter: PromptInterpreter = field(default_factory=RulesInterpreter)

    def page_request(self, cursor: str | None, query: dict[str, Any]) -> tuple[PageRequest, str]:
        """Turn the client's cursor into a backend page request; the fingerprint binds the cursor to ``query``."""
        bound = fingerprint(query)
        after = None
        if cursor is not None:
            after = self.cursors.decode(cursor, tool=self.tool, principal=self.principal.id, query=bound)
        return PageRequest(limit=self.limit, after=after), bound

    def next_cursor(self, page: Page[Any], bound: str) -> str | None:
        if page.next_after is None:
            return None
        return self.cursors.encode(tool=self.tool, principal=self.principal.id, query=bound, position=page.next_after)


Handler = Callable[[Any, ToolContext], Awaitable[BaseModel]]


def tool_kind(name: str) -> ToolKind:
    """The catalog entry a tool declaration builds on (a name missing from the catalog is a programming error)."""
    kind = _catalog_entry(name)
    if kind is None:
        raise LookupError(f"tool {name!r} is not in core.catalog.CATALOG")
    return kind


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A catalog entry (name, scope, writes, rate class, idempotency) with its contract and handler."""

    kind: ToolKind
    title: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    handler: Handler

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def mutates(self) -> bool:
        return self.kind.mutates

    @property
    def scope(self) -> str:
        return self.kind.scope

    @property
    def idempotent(self) -> bool:
        return self.kind.idempotent

    @property
    def paged(self) -> bool:
        return "limit" in self.input_model.model_fields

    def annotations(self) -> ToolAnnotations:
        from mcp.types import ToolAnnotations

        if not self.mutates:
            return ToolAnnotations(title=self.title, read_only_hint=True, open_world_hint=False)
        return ToolAnnotations(
            title=self.title,
            read_only_hint=False,
            destructive_hint=False,
            idempotent_hint=self.idempotent,
            open_world_hint=False,
        )

    def to_mcp_tool(self) -> Tool:
        from mcp.types import Tool

        return Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_model.model_json_schema(),
            output_schema=self.output_model.model_json_schema(),
            annotations=self.annotations(),
        )
