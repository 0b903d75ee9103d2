"""Domain records shared by the tools and the ports (pydantic, so they serialize as the public contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

# The scopes are declared in core.catalog; re-exported here for the records' users.
from core.catalog import ALL_SCOPES as ALL_SCOPES
from core.catalog import READ_SCOPE as READ_SCOPE
from core.catalog import WRITE_SCOPE as WRITE_SCOPE

# The hard cap on items per call, for every list (design.md section 2).
MAX_ITEMS = 100


@dataclass(frozen=True, slots=True)
class Principal:
    """A verified caller. Identity is issuer + subject, so two issuers never share one identity."""

    issuer: str
    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return f"{self.issuer}|{self.subject}"


def local_principal(user: str) -> Principal:
    """The caller on stdio (and on loopback with auth=none): the local user, with every scope."""
    return Principal(issuer="local", subject=user, scopes=ALL_SCOPES)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CompanySummary(_Record):
    id: str
    name: str
    domain: str
    industry: str
    country: str
    city: str
    employee_count: int
    founded_year: int


class Company(CompanySummary):
    description: str
    website: str
    tags: list[str]
    updated_at: str


class Collection(_Record):
    id: str
    name: str
    description: str | None
    size: int
    created_at: str


DiscoveryStatus = Literal["pending", "completed", "failed"]


class DiscoveredEmail(_Record):
    email: str
    role: str
    confidence: float
    synthetic: bool


class EmailDiscovery(_Record):
    request_id: str
    company_id: str
    roles: list[str]
    status: DiscoveryStatus
    requested_at: str
    completed_at: str | None
    results: list[DiscoveredEmail]


@dataclass(frozen=True, slots=True)
class CompanyFilters:
    """Search filters; ``match`` says whether every word of ``query`` must match or any word ranks."""

    query: str | None = None
    industry: str | None = None
    country: str | None = None
    city: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    founded_after: int | None = None
    founded_before: int | None = None
    match: Literal["all", "any"] = "all"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``after`` is the backend's own opaque position token (core wraps it in a signed cursor)."""

    limit: int
    after: str | None = None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_after: str | None = None


@dataclass(frozen=True, slots=True)
class AddResult:
    collection_id: str
    added: list[str]
    already_present: list[str]
    size: int
