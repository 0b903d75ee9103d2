"""Check an SDL against what AppSync accepts and against the MCP tool contracts.

``check_sdl(sdl, auth_modes=...)`` returns the problems found (empty: fine); ``python -m
companydata.api.appsync_check [schema.graphql] [--auth-modes AWS_IAM,...]`` prints them and exits 1 if any.
The stack runs it with the API's own authorization modes before it deploys the SDL (``stacks/components/aws/api.py``).

AppSync rules (from the AppSync developer guide: "Scalar types in GraphQL", "Using
subscriptions for real-time data applications", "Configuring authorization and
authentication"):

1. No user-defined scalars: a ``scalar`` definition is refused, also for an ``AWS*`` name
   (AppSync provides those itself). Only the GraphQL scalars (ID, String, Int, Float,
   Boolean) and AppSync's AWSDate, AWSTime, AWSDateTime, AWSTimestamp, AWSEmail, AWSJSON,
   AWSPhone, AWSURL, AWSIPAddress may be used.
2. Every type a field, argument or input refers to is defined (or a scalar of rule 1).
3. No user type name starts with ``AWS`` (reserved for AppSync's types).
4. No ``directive`` definitions, and only AppSync's directives may be used: @aws_subscribe,
   @aws_api_key, @aws_iam, @aws_oidc, @aws_cognito_user_pools, @aws_lambda, @aws_auth,
   @aws_publish (deprecated) and the standard @deprecated.
5. A Subscription field needs ``@aws_subscribe(mutations: [...])`` naming Mutation fields
   (AppSync subscriptions are triggered by mutations; interfaces and unions are fine).
6. The document, with AppSync's scalars and directives declared, builds into a valid schema
   with a Query type (so directive arguments and locations, and interface implementations,
   are checked as well).
7. With ``auth_modes`` (the API's authorization modes): every auth directive names one of them.
   A directive on a field or type *replaces* the API's default mode there, so ``@aws_api_key`` on a field of
   an IAM-only API makes it unreachable for every caller (found by running the SDL on the AppSync simulator:
   "Not Authorized to access list_collections on type Query"; rules 1-6 accepted it).

Our own rules (the API is the MCP tools over GraphQL, design.md section 2):

8. The Query and Mutation fields are exactly the nine tool names: read tools on Query,
   write tools on Mutation.
9. A root field's arguments are the tool input model's fields (``search_companies`` may
   add ``match``, the API's own switch), and its result type's fields equal the tool result
   model's fields, recursively through nested models, with nullability matching ``| None``.
   ``quota`` is left out of the API: rate limits are the MCP server's.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    ListValueNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    build_ast_schema,
    parse,
    validate_schema,
    visit,
)
from graphql.language import Visitor
from pydantic import BaseModel

from companydata.api.scalars import AWS_SCALARS

GRAPHQL_SCALARS = frozenset({"ID", "String", "Int", "Float", "Boolean"})
APPSYNC_DIRECTIVES = frozenset(
    {
        "aws_subscribe",
        "aws_api_key",
        "aws_iam",
        "aws_oidc",
        "aws_cognito_user_pools",
        "aws_lambda",
        "aws_auth",
        "aws_publish",
        "deprecated",
    }
)
# The authorization mode each auth directive grants (AppSync's "Configuring authorization and authentication").
AUTH_DIRECTIVE_MODES = {
    "aws_api_key": "API_KEY",
    "aws_iam": "AWS_IAM",
    "aws_oidc": "OPENID_CONNECT",
    "aws_cognito_user_pools": "AMAZON_COGNITO_USER_POOLS",
    "aws_auth": "AMAZON_COGNITO_USER_POOLS",
    "aws_lambda": "AWS_LAMBDA",
}
AUTH_MODES = frozenset(AUTH_DIRECTIVE_MODES.values())
# What AppSync provides itself, declared so graphql-core can build (and check the use of) the schema.
_APPSYNC_PRELUDE = (
    "".join(f"scalar {name}\n" for name in sorted(AWS_SCALARS))
    + """
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT
directive @aws_api_key on FIELD_DEFINITION | OBJECT
directive @aws_iam on FIELD_DEFINITION | OBJECT
directive @aws_oidc on FIELD_DEFINITION | OBJECT
directive @aws_lambda on FIELD_DEFINITION | OBJECT
"""
)
# Arguments the API adds to a tool's input model, and result fields it leaves out.
API_EXTRA_ARGUMENTS: dict[str, frozenset[str]] = {"search_companies": frozenset({"match"})}
API_OMITTED_RESULT_FIELDS = frozenset({"quota"})


def check_sdl(sdl: str, *, auth_modes: Iterable[str] | None = None) -> list[str]:
    """Every AppSync and contract problem of ``sdl``; empty when it is fine.

    ``auth_modes``: the API's authorization modes (default and additional), to check the auth directives against.
    """
    try:
        document = parse(sdl)
    except GraphQLError as exc:
        return [f"the SDL does not parse: {exc.message}"]
    problems = appsync_problems(document)
    if auth_modes is not None:
        problems += auth_mode_problems(document, frozenset(auth_modes))
    if problems:
        return problems
    try:
        schema = build_ast_schema(parse(_APPSYNC_PRELUDE + sdl))
    except (GraphQLError, TypeError) as exc:
        return [f"the SDL is not a valid schema: {exc}"]
    invalid = validate_schema(schema)
    if invalid:
        return [f"the SDL is not a valid schema: {error.message}" for error in invalid]
    return contract_problems(schema)


# -- AppSync -------------------------------------------------------------------------------------


def appsync_problems(document: DocumentNode) -> list[str]:
    problems: list[str] = []
    defined: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, ScalarTypeDefinitionNode):
            problems.append(f"scalar {definition.name.value}: AppSync does not support user-defined scalars")
        elif isinstance(definition, DirectiveDefinitionNode):
            problems.append(f"directive @{definition.name.value}: AppSync does not support custom directives")
        if isinstance(definition, TypeDefinitionNode):
            name = definition.name.value
            defined.add(name)
            if name.startswith("AWS"):
                problems.append(f"type {name}: the AWS prefix is reserved by AppSync")
    known = defined | GRAPHQL_SCALARS | AWS_SCALARS
    problems += [
        f"unknown type {name}: not defined, and not a GraphQL or AppSync scalar"
        for name in _named(document)
        if name not in known
    ]
    for directive in _directives(document):
        if directive not in APPSYNC_DIRECTIVES:
            problems.append(f"directive @{directive}: not one AppSync knows")
    problems += _subscription_problems(document)
    if "Query" not in defined and not _declares_query_root(document):
        problems.append("no Query type: AppSync needs a query root")
    return problems


def auth_mode_problems(document: DocumentNode, auth_modes: frozenset[str]) -> list[str]:
    """Auth directives that name a mode the API does not offer: the field or type is then out of every caller's
    reach (a directive replaces the default mode where it stands; AppSync does not add the default back)."""
    problems = [f"authorization mode {mode}: not one AppSync offers" for mode in sorted(auth_modes - AUTH_MODES)]
    offered = ", ".join(sorted(auth_modes)) or "none"
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            continue
        places = [(definition.name.value, definition.directives or ())]
        places += [
            (f"{definition.name.value}.{field.name.value}", field.directives or ()) for field in definition.fields or ()
        ]
        for where, directives in places:
            for directive in directives:
                mode = AUTH_DIRECTIVE_MODES.get(directive.name.value)
                if mode is not None and mode not in auth_modes:
                    problems.append(
                        f"{where}: @{directive.name.value} grants {mode}, which this API does not offer "
                        f"({offered}): no caller may use it there"
                    )
    return problems


def _named(document: DocumentNode) -> list[str]:
    names: list[str] = []

    class _Names(Visitor):
        def enter_named_type(self, node: NamedTypeNode, *_: Any) -> None:
            if node.name.value not in names:
                names.append(node.name.value)

    visit(document, _Names())
    return names


def _directives(document: DocumentNode) -> list[str]:
    names: list[str] = []

    class _Uses(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value not in names:
                names.append(node.name.value)

    visit(document, _Uses())
    return names


def _root_name(document: DocumentNode, operation: str, default: str) -> str:
    for definition in document.definitions:
        for op in getattr(definition, "operation_types", None) or ():
            if op.operation.value == operation:
                return str(op.type.name.value)
    return default


def _declares_query_root(document: DocumentNode) -> bool:
    return _root_name(document, "query", "") != ""


def _fields_of(document: DocumentNode, type_name: str) -> list[FieldDefinitionNode]:
    fields: list[FieldDefinitionNode] = []
    for definition in document.definitions:
        is_object = isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
        if is_object and definition.name.value == type_name:
            fields += definition.fields or ()
    return fields


def _subscription_problems(document: DocumentNode) -> list[str]:
    problems: list[str] = []
    mutations = {f.name.value for f in _fields_of(document, _root_name(document, "mutation", "Mutation"))}
    for field in _fields_of(document, _root_name(document, "subscription", "Subscription")):
        where = f"Subscription.{field.name.value}"
        subscribe = next((d for d in field.directives or () if d.name.value == "aws_subscribe"), None)
        if subscribe is None:
            problems.append(f"{where}: a subscription needs @aws_subscribe(mutations: [...]) on AppSync")
            continue
        argument = next((a for a in subscribe.arguments or () if a.name.value == "mutations"), None)
        values = argument.value.values if argument and isinstance(argument.value, ListValueNode) else ()
        named = [v.value for v in values if isinstance(v, StringValueNode)]
        if not named:
            problems.append(f"{where}: @aws_subscribe must name at least one mutation")
        problems += [
            f"{where}: @aws_subscribe names unknown mutation {name}" for name in named if name not in mutations
        ]
    return problems


# -- contracts -----------------------------------------------------------------------------------


def contract_problems(schema: GraphQLSchema) -> list[str]:
    from core.tools.registry import all_tools  # the MCP side of the contract; imported only for the check

    problems: list[str] = []
    roots = {"Query": schema.query_type, "Mutation": schema.mutation_type}
    tools = {spec.name: spec for spec in all_tools()}
    seen: set[str] = set()
    for root_name, root in roots.items():
        for name, field in (root.fields if root else {}).items():
            seen.add(name)
            spec = tools.get(name)
            if spec is None:
                problems.append(f"{root_name}.{name}: not one of the nine tools")
                continue
            if (root_name == "Mutation") != spec.mutates:
                problems.append(
                    f"{root_name}.{name}: a {'write' if spec.mutates else 'read'} tool belongs on "
                    f"{'Mutation' if spec.mutates else 'Query'}"
                )
            expected_args = set(spec.input_model.model_fields) | API_EXTRA_ARGUMENTS.get(name, frozenset())
            if set(field.args) != expected_args:
                problems.append(
                    f"{root_name}.{name} arguments {sorted(field.args)} != tool input fields {sorted(expected_args)}"
                )
            problems += _compare(f"{root_name}.{name}", field.type, spec.output_model, omit=API_OMITTED_RESULT_FIELDS)
    problems += [f"tool {name}: no Query or Mutation field" for name in tools if name not in seen]
    return problems


def _compare(where: str, gql_type: GraphQLType, model: type[BaseModel], *, omit: Iterable[str] = ()) -> list[str]:
    named = _unwrap(gql_type)
    if not isinstance(named, GraphQLObjectType):
        return [f"{where}: {named.name} is not an object type like {model.__name__}"]
    expected = {name: info for name, info in model.model_fields.items() if name not in set(omit)}
    problems: list[str] = []
    if set(named.fields) != set(expected):
        problems.append(f"{where} ({named.name}) fields {sorted(named.fields)} != {model.__name__} {sorted(expected)}")
    for name in set(named.fields) & set(expected):
        field_type = named.fields[name].type
        annotation = expected[name].annotation
        optional = _is_optional(annotation)
        if optional == isinstance(field_type, GraphQLNonNull):
            problems.append(f"{where}.{name}: nullable in the SDL must match '| None' in {model.__name__}")
        nested = _model_in(annotation)
        if nested is not None:
            problems += _compare(f"{where}.{name}", field_type, nested)
    return problems


def _unwrap(gql_type: GraphQLType) -> GraphQLNamedType:
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        gql_type = gql_type.of_type
    return typing.cast(GraphQLNamedType, gql_type)


def _is_optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``Model``, ``list[Model]`` or ``Model | None``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    auth_modes: list[str] | None = None
    if "--auth-modes" in args:
        at = args.index("--auth-modes")
        if at + 1 >= len(args):
            print("--auth-modes needs a value, e.g. AWS_IAM or AWS_IAM,API_KEY", file=sys.stderr)
            return 2
        auth_modes = [mode.strip() for mode in args[at + 1].split(",") if mode.strip()]
        del args[at : at + 2]
    path = Path(args[0]) if args else Path(__file__).with_name("schema.graphql")
    problems = check_sdl(path.read_text(encoding="utf-8"), auth_modes=auth_modes)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
