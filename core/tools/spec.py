"""``ToolSpec``: the single declaration of a tool, and the context its handler receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp.types import Tool, ToolAnnotations
from pydantic import BaseModel

from core.cursor import CursorCodec, fingerprint
from core.model import Page, PageRequest, Principal
from core.ports import Backend, Quota


@dataclass(slots=True)
class ToolContext:
    """What a handler may use: the caller, the backend, and what the guards decided for this call."""

    tool: str
    principal: Principal
    backend: Backend
    cursors: CursorCodec
    limit: int = 20
    quota: Quota | None = None

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


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """Name, contract, scope, whether it writes, and the handler: declared once, everything else derived."""

    name: str
    title: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    mutates: bool
    scope: str
    handler: Handler
    idempotent: bool = True

    @property
    def paged(self) -> bool:
        return "limit" in self.input_model.model_fields

    def annotations(self) -> ToolAnnotations:
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
        return Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=self.input_model.model_json_schema(),
            output_schema=self.output_model.model_json_schema(),
            annotations=self.annotations(),
        )
