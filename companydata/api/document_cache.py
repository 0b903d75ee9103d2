"""Each distinct GraphQL document parsed and validated once (issue 18: the API's own per-call work).

The MCP server's graphql adapter sends the same eight documents over and over, with different
variables; parsing and validating them again on every request was most of the API's time for a
lookup. ``CachedDocuments`` keeps the last ``size`` documents by their text: the parsed AST (after
``limits.parse_query``'s token checks) and the validation errors graphql-core found for it against
this schema and these rules, which depend on nothing else. A document that fails to parse is not
cached (its error is raised afresh, cheaply, by the token checks or the parser).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate

from companydata.api.limits import parse_query

DEFAULT_SIZE = 256


class CachedDocuments:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        self._live: dict[int, DocumentNode] = {}  # id -> the cached document (ids of live objects are unique)
        self._errors: dict[int, list[GraphQLError]] = {}
        self.parsed = 0  # documents actually parsed (the rest came from the cache)
        self.validated = 0

    def parse(self, context: Any, data: dict[str, Any]) -> DocumentNode:
        """Ariadne's ``query_parser``."""
        query: str = data["query"]
        document = self._documents.get(query)
        if document is not None:
            self._documents.move_to_end(query)
            return document
        document = parse_query(context, data)
        self.parsed += 1
        self._documents[query] = document
        self._live[id(document)] = document
        if len(self._documents) > self._size:
            _, evicted = self._documents.popitem(last=False)
            self._live.pop(id(evicted), None)
            self._errors.pop(id(evicted), None)
        return document

    def validate(
        self,
        schema: GraphQLSchema,
        document_ast: DocumentNode,
        rules: Collection[type[ASTValidationRule]] | None = None,
        max_errors: int | None = None,
        **kwargs: Any,
    ) -> list[GraphQLError]:
        """Ariadne's ``query_validator``: one validation per cached document."""
        key = id(document_ast)
        cached = self._live.get(key) is document_ast
        if cached and key in self._errors:
            return list(self._errors[key])
        errors = validate(schema, document_ast, rules=rules, max_errors=max_errors, **kwargs)
        self.validated += 1
        if cached:
            self._errors[key] = list(errors)
        return errors
