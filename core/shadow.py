"""Shadow mode: answer from the primary Backend, compare reads against a second Backend off the request path.

``ShadowBackend`` wraps the ``Backend`` port (after the cosmicpython
``TrackingRepository``): every call is answered by the primary alone. For the read
methods it then enqueues a mirror of the call (bounded; when full the mirror is
dropped and counted), and background workers replay it against the shadow,
normalise both answers like the pilot does (``core.normalize``) and count the
outcome. Writes are never mirrored. A slow, failing or hanging shadow costs the
caller nothing: the request path only does a non-blocking ``send_nowait``.

Counters (``stats`` and the ``on_count`` hook): ``shadow_compared``,
``shadow_mismatched``, ``shadow_dropped``, ``shadow_errors``. A mismatch is one JSON
log line with the operation and the differing field paths, never values: answers
hold owner-scoped data (collections, discovery requests).

Lifecycle: ``start(task_group)`` / ``stop()``, or ``async with shadow:``, or
``async with shadow_running(runtime.ports.backend):`` in a server lifespan (a no-op
for any other backend). ``aclose()`` stops the comparer and closes the shadow; the
primary belongs to its runtime. Imports nothing from adapters.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from core.catalog import READ_TOOLS
from core.errors import SERVER_FAULT_TYPES, CoreError
from core.model import AddResult, Collection, Company, CompanyFilters, CompanySummary, EmailDiscovery, Page, PageRequest
from core.normalize import DEFAULT_IGNORE, diff, normalize
from core.ports import Backend

log = logging.getLogger("company_mcp.shadow")

OUTCOME_PATH = "$outcome"


@dataclass(slots=True)
class ShadowStats:
    compared: int = 0
    mismatched: int = 0
    dropped: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "shadow_compared": self.compared,
            "shadow_mismatched": self.mismatched,
            "shadow_dropped": self.dropped,
            "shadow_errors": self.errors,
        }


@dataclass(frozen=True, slots=True)
class ShadowMismatch:
    """What is reported about one mismatch: the operation and field paths, never values."""

    tool: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Mirror:
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    primary_ok: bool
    primary: Any  # the result, or the error type when not primary_ok


def log_mismatch(mismatch: ShadowMismatch) -> None:
    fields = {"event": "shadow_mismatch", "tool": mismatch.tool, "paths": list(mismatch.paths)}
    log.warning("shadow_mismatch", extra={"fields": fields})


@dataclass(slots=True)
class _Control:
    scope: anyio.CancelScope | None = None
    started: bool = False
    closed: bool = False
    owned_group: TaskGroup | None = None


class ShadowBackend:
    """A ``Backend``: the primary answers; reads are compared against the shadow in the background."""

    def __init__(
        self,
        primary: Backend,
        shadow: Backend,
        *,
        queue_size: int = 1000,
        workers: int = 2,
        timeout_s: float = 5.0,
        ignore: Sequence[str] = DEFAULT_IGNORE,
        on_count: Callable[[str], None] | None = None,
        on_mismatch: Callable[[ShadowMismatch], None] = log_mismatch,
    ) -> None:
        self.primary = primary
        self.shadow = shadow
        self.stats = ShadowStats()
        self._workers = max(1, workers)
        self._timeout_s = timeout_s
        self._ignore = tuple(ignore)
        self._on_count = on_count
        self._on_mismatch = on_mismatch
        self._send: MemoryObjectSendStream[_Mirror]
        self._receive: MemoryObjectReceiveStream[_Mirror]
        self._send, self._receive = anyio.create_memory_object_stream[_Mirror](max(1, queue_size))
        self._control = _Control()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, task_group: TaskGroup) -> None:
        """Run the comparer in ``task_group`` until ``stop()``; mirrors made before this are dropped."""
        if self._control.started or self._control.closed:
            return
        self._control.started = True
        self._control.scope = anyio.CancelScope()
        task_group.start_soon(self._run, self._control.scope)

    def stop(self) -> None:
        """Stop comparing; mirrors still queued are abandoned (the primary never waited for them)."""
        self._control.closed = True
        self._send.close()
        if self._control.scope is not None:
            self._control.scope.cancel()

    async def aclose(self) -> None:
        self.stop()
        await self.shadow.aclose()

    async def __aenter__(self) -> ShadowBackend:
        group = anyio.create_task_group()
        await group.__aenter__()
        self._control.owned_group = group
        self.start(group)
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        self.stop()
        group, self._control.owned_group = self._control.owned_group, None
        return None if group is None else await group.__aexit__(*exc)

    async def _run(self, scope: anyio.CancelScope) -> None:
        with scope:
            async with anyio.create_task_group() as workers:
                for _ in range(self._workers):
                    workers.start_soon(self._work, self._receive.clone())
                self._receive.close()

    async def _work(self, receive: MemoryObjectReceiveStream[_Mirror]) -> None:
        async with receive:
            async for mirror in receive:
                await self._compare(mirror)

    # -- the request path: answer, then enqueue without waiting ------------------------------------

    def _count(self, name: str) -> None:
        setattr(self.stats, name, getattr(self.stats, name) + 1)
        if self._on_count is not None:
            try:
                self._on_count(f"shadow_{name}")
            except Exception:  # a metrics hook never fails a call
                log.warning("shadow metrics hook failed", exc_info=True)

    def _enqueue(self, mirror: _Mirror) -> None:
        if not self._control.started or self._control.closed:
            self._count("dropped")
            return
        try:
            self._send.send_nowait(mirror)
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._count("dropped")

    async def _read(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if method not in READ_TOOLS:  # the catalog says what is read-only; anything else is never mirrored
            raise LookupError(f"{method} is not a read operation")
        try:
            result = await getattr(self.primary, method)(*args, **kwargs)
        except CoreError as error:
            if error.type not in SERVER_FAULT_TYPES:  # the primary being down says nothing about the data
                self._enqueue(_Mirror(method, args, kwargs, False, error.type))
            raise
        self._enqueue(_Mirror(method, args, kwargs, True, result))
        return result

    # -- the comparer ---------------------------------------------------------------------------

    async def _compare(self, mirror: _Mirror) -> None:
        try:
            with anyio.fail_after(self._timeout_s):
                answer = await getattr(self.shadow, mirror.method)(*mirror.args, **mirror.kwargs)
            shadow_ok, shadow = True, answer
        except CoreError as error:
            if error.type in SERVER_FAULT_TYPES:  # the shadow being down is an error, not a data difference
                self._count("errors")
                return
            shadow_ok, shadow = False, error.type
        except Exception:  # the shadow's failures, whatever they are, stay off the request path
            self._count("errors")
            return
        self._count("compared")
        if mirror.primary_ok != shadow_ok or (not shadow_ok and mirror.primary != shadow):
            paths: tuple[str, ...] = (OUTCOME_PATH,)
        elif not shadow_ok:
            return
        else:
            differences = diff(normalize(mirror.primary, ignore=self._ignore), normalize(shadow, ignore=self._ignore))
            paths = tuple(sorted({d.field or OUTCOME_PATH for d in differences}))
        if paths:
            self._count("mismatched")
            self._on_mismatch(ShadowMismatch(mirror.method, paths))

    # -- the Backend port ------------------------------------------------------------------------

    async def search_companies(self, filters: CompanyFilters, page: PageRequest) -> Page[CompanySummary]:
        result: Page[CompanySummary] = await self._read("search_companies", filters, page)
        return result

    async def get_company(self, *, company_id: str | None = None, domain: str | None = None) -> Company:
        result: Company = await self._read("get_company", company_id=company_id, domain=domain)
        return result

    async def list_collections(self, owner: str, page: PageRequest) -> Page[Collection]:
        result: Page[Collection] = await self._read("list_collections", owner, page)
        return result

    async def get_collection(
        self, owner: str, collection_id: str, page: PageRequest
    ) -> tuple[Collection, Page[CompanySummary]]:
        result: tuple[Collection, Page[CompanySummary]] = await self._read("get_collection", owner, collection_id, page)
        return result

    async def get_email_discovery(self, owner: str, request_id: str) -> EmailDiscovery:
        result: EmailDiscovery = await self._read("get_email_discovery", owner, request_id)
        return result

    # Writes go to the primary only: mirroring them would write twice.
    async def create_collection(self, owner: str, name: str, description: str | None) -> tuple[Collection, bool]:
        return await self.primary.create_collection(owner, name, description)

    async def add_to_collection(self, owner: str, collection_id: str, company_ids: list[str]) -> AddResult:
        return await self.primary.add_to_collection(owner, collection_id, company_ids)

    async def request_email_discovery(
        self, owner: str, company_id: str, roles: list[str]
    ) -> tuple[EmailDiscovery, bool]:
        return await self.primary.request_email_discovery(owner, company_id, roles)

    async def ping(self) -> None:
        """Readiness is the primary's: a shadow that is down must not take the service out of rotation."""
        await self.primary.ping()


@asynccontextmanager
async def shadow_running(backend: object) -> AsyncIterator[None]:
    """Run the comparer for the lifetime of a server when ``backend`` is a ``ShadowBackend``; else do nothing."""
    if not isinstance(backend, ShadowBackend):
        yield
        return
    async with backend:
        yield
