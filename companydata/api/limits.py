"""Limits on one GraphQL document, so a small request cannot make the server work hard.

Checked in two steps, both before anything executes:

1. ``parse_query`` (Ariadne's ``query_parser``): a flat pass of graphql-core's lexer counts
   tokens, fragment definitions and bracket nesting before the recursive parser runs, so a
   deeply nested document is refused instead of exhausting the Python stack.
2. ``QueryLimits`` (a validation rule): with fragments expanded (each measured once, so a
   fragment used twice is not walked twice), the selection depth, the number of selected
   fields (aliases count), and the number of top-level fields, each one backend operation.

Every refusal is a GraphQL error without a path, which the server reports as VALIDATION.
The standard introspection query fits within the limits; graphql-core's own
``MaxIntrospectionDepthRule`` (a specified rule) stops introspection queries that nest
``fields``/``interfaces``/``possibleTypes`` to multiply the response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    parse,
)
from graphql.language import Lexer, Source, TokenKind

MAX_TOKENS = 5_000
MAX_NESTING = 32
MAX_DEPTH = 20  # the standard introspection query needs 15; our operations need 3
MAX_FIELDS = 1_000
MAX_ROOT_FIELDS = 100  # adapters.graphql checks 100 ids in one document (aliased get_company)
MAX_FRAGMENTS = 50

_OPEN = {TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L}
_CLOSE = {TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R}


def check_tokens(query: str) -> None:
    """Refuse a document with too many tokens, fragments or too deep nesting, without recursion."""
    lexer = Lexer(Source(query))
    tokens = nesting = fragments = 0
    token = lexer.advance()
    while token.kind != TokenKind.EOF:
        tokens += 1
        if tokens > MAX_TOKENS:
            raise GraphQLError(f"The query is too long: at most {MAX_TOKENS} tokens.")
        if nesting == 0 and token.kind == TokenKind.NAME and token.value == "fragment":
            fragments += 1  # bounds graphql-core's own walks over fragment chains
            if fragments > MAX_FRAGMENTS:
                raise GraphQLError(f"The query defines too many fragments: at most {MAX_FRAGMENTS}.")
        if token.kind in _OPEN:
            nesting += 1
            if nesting > MAX_NESTING:
                raise GraphQLError(f"The query is nested too deeply: at most {MAX_NESTING} levels of brackets.")
        elif token.kind in _CLOSE:
            nesting -= 1
        token = lexer.advance()


def parse_query(context: Any, data: dict[str, Any]) -> DocumentNode:
    query = data["query"]  # Ariadne has checked that it is a string
    check_tokens(query)
    return parse(query, max_tokens=MAX_TOKENS)


class QueryLimits(ValidationRule):
    """Selection depth, selected fields and top-level fields per operation, fragments expanded.

    Fragments are measured once each, dependencies first, so no walk recurses from one fragment into
    another: the recursion depth stays within the bracket nesting ``check_tokens`` allowed.
    """

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments: dict[str, _Measure] = {}

    def enter_document(self, node: DocumentNode, *_: Any) -> None:
        definitions = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
        pending = {name: _spread_names(d.selection_set) & definitions.keys() for name, d in definitions.items()}
        progress = True
        while pending and progress:  # cyclic fragments stay unmeasured: NoFragmentCyclesRule reports them
            progress = False
            for name, needs in list(pending.items()):
                if needs <= self._fragments.keys():
                    self._fragments[name] = self._measure(definitions[name].selection_set)
                    del pending[name]
                    progress = True

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        measure = self._measure(node.selection_set)
        name = f"'{node.name.value}'" if node.name else "the operation"
        if measure.roots > MAX_ROOT_FIELDS:
            self.report_error(GraphQLError(f"Too many top-level fields in {name}: at most {MAX_ROOT_FIELDS}.", node))
        if measure.depth > MAX_DEPTH:
            self.report_error(GraphQLError(f"Selections in {name} are nested too deeply: at most {MAX_DEPTH}.", node))
        if measure.fields > MAX_FIELDS:
            self.report_error(GraphQLError(f"Too many fields selected in {name}: at most {MAX_FIELDS}.", node))

    def _measure(self, selection_set: SelectionSetNode | None) -> _Measure:
        if selection_set is None:
            return _Measure()
        fields = depth = roots = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = self._measure(selection.selection_set)
                fields, depth = fields + 1 + below.fields, max(depth, 1 + below.depth)
                roots += selection.name.value != "__typename"  # answered without a backend call
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self._measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self._fragments.get(selection.name.value, _Measure())
            else:
                continue
            fields, depth, roots = fields + inner.fields, max(depth, inner.depth), roots + inner.roots
        return _Measure(fields, depth, roots)


@dataclass(frozen=True, slots=True)
class _Measure:
    fields: int = 0  # fields selected, aliases counted
    depth: int = 0  # deepest field below
    roots: int = 0  # fields at this level (top-level fields, for an operation)


def _spread_names(selection_set: SelectionSetNode) -> set[str]:
    """The fragments a selection set spreads, directly or in nested selections (iteratively)."""
    names: set[str] = set()
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                stack.append(selection.selection_set)
    return names
