"""The executable schema: the SDL (the single source) bound to ``dispatch.resolve``.

Every Query and Mutation field gets one root resolver that hands the field name, its
arguments and the request's principal to ``dispatch.resolve``; nested fields are read from
the result dicts by Ariadne's default resolvers (the dict keys are the SDL's field names).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ariadne import MutationType, QueryType, make_executable_schema
from graphql import GraphQLResolveInfo, GraphQLSchema

from companydata.api.dispatch import MUTATION_RESOLVERS, QUERY_RESOLVERS, resolve
from companydata.api.errors import ApiError
from companydata.api.graphql_errors import to_graphql_error
from companydata.api.scalars import SCALAR_BINDINGS, with_scalar_declarations

if TYPE_CHECKING:
    from core.ports import Backend

SDL_PATH = Path(__file__).with_name("schema.graphql")


@cache
def load_sdl() -> str:
    return SDL_PATH.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Ariadne's ``context_value`` for one request: the store and the end user (None: not given)."""

    backend: Backend
    principal: str | None


async def _root_resolver(_: Any, info: GraphQLResolveInfo, **arguments: Any) -> dict[str, Any]:
    context: RequestContext = info.context
    try:
        return await resolve(info.field_name, arguments, context.principal, context.backend)
    except ApiError as error:
        raise to_graphql_error(error) from error


def build_schema(sdl: str | None = None) -> GraphQLSchema:
    """The executable schema of ``sdl`` (default: ``schema.graphql``); fails if a resolver or field is missing."""
    query, mutation = QueryType(), MutationType()
    for name in QUERY_RESOLVERS:
        query.set_field(name, _root_resolver)
    for name in MUTATION_RESOLVERS:
        mutation.set_field(name, _root_resolver)
    schema = make_executable_schema(
        with_scalar_declarations(sdl if sdl is not None else load_sdl()), query, mutation, *SCALAR_BINDINGS.values()
    )
    _check_bound(schema)
    return schema


def _check_bound(schema: GraphQLSchema) -> None:
    # A field in the SDL without a resolver would answer null forever: refuse to start instead.
    for root, resolvers in (("Query", QUERY_RESOLVERS), ("Mutation", MUTATION_RESOLVERS)):
        root_type = schema.get_type(root)
        fields = set(getattr(root_type, "fields", {}) or {})
        if fields != set(resolvers):
            raise ValueError(f"{root} fields {sorted(fields)} do not match the resolvers {sorted(resolvers)}")
