"""The rules of each operation that every face applies the same way: caps, paging limits, idempotent writes.

The MCP tool handlers (``core.tools``) and the company API's resolvers (``companydata.api``) both
call these over the Backend port, so neither re-implements them. Plain Python (no MCP SDK), so the
API and the AppSync resolver load it cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from core.model import MAX_ITEMS, AddResult, EmailDiscovery
from core.ports import Backend
from core.tools.contracts import DEFAULT_EMAIL_ROLES

T = TypeVar("T")


def clamp_limit(limit: int) -> tuple[int, bool]:
    """The hard cap: at most 100 items per call; a larger limit is clamped and the answer says ``capped``."""
    return min(limit, MAX_ITEMS), limit > MAX_ITEMS


def cap_items(items: Sequence[T], limit: int, capped: bool) -> tuple[list[T], bool]:
    """A backend that ignores the limit must not break the promise: cut to ``limit``, and say so past the cap."""
    return list(items[:limit]), capped or len(items) > MAX_ITEMS


async def add_to_collection(backend: Backend, owner: str, collection_id: str, company_ids: Sequence[str]) -> AddResult:
    """Each id once, in the caller's order: re-adding is reported in ``already_present``, never duplicated."""
    return await backend.add_to_collection(owner, collection_id, list(dict.fromkeys(company_ids)))


async def request_email_discovery(
    backend: Backend, owner: str, company_id: str, roles: Sequence[str] | None
) -> tuple[EmailDiscovery, bool]:
    """The same owner, company and roles (in any order, repeated or not) within 24 h is the same request."""
    return await backend.request_email_discovery(owner, company_id, sorted(set(roles or DEFAULT_EMAIL_ROLES)))
