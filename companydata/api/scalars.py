"""AppSync's ``AWS*`` scalars for Ariadne, so the reference server runs the SDL exactly as AppSync does.

AppSync provides these scalars itself and refuses a schema that declares them, so the SDL only
uses them; ``with_scalar_declarations`` adds the ``scalar`` lines for graphql-core. Only the
scalars the SDL uses are implemented; building a schema that uses another fails at start-up.
Formats follow the AppSync scalar reference (extended ISO 8601 with a compulsory zone offset
for AWSDateTime; ``local-part@domain-part`` for AWSEmail).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ariadne import ScalarType
from graphql import NamedTypeNode, ScalarTypeDefinitionNode, parse, visit
from graphql.language import Visitor

AWS_SCALARS = frozenset(
    {
        "AWSDate",
        "AWSTime",
        "AWSDateTime",
        "AWSTimestamp",
        "AWSEmail",
        "AWSJSON",
        "AWSPhone",
        "AWSURL",
        "AWSIPAddress",
    }
)

_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)",
    re.ASCII,
)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}", re.ASCII)


def _datetime_text(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("AWSDateTime needs a time zone")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
            f".{value.microsecond // 1000:03d}Z" if value.microsecond else "Z"
        )
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        return value
    raise ValueError("not an AWSDateTime: extended ISO 8601 with a zone offset, e.g. 2026-03-01T12:00:00Z")


def _email_text(value: Any) -> str:
    if isinstance(value, str) and _EMAIL.fullmatch(value):
        return value
    raise ValueError("not an AWSEmail (local-part@domain-part)")


aws_datetime = ScalarType("AWSDateTime", serializer=_datetime_text, value_parser=_datetime_text)
aws_email = ScalarType("AWSEmail", serializer=_email_text, value_parser=_email_text)
SCALAR_BINDINGS: dict[str, ScalarType] = {"AWSDateTime": aws_datetime, "AWSEmail": aws_email}


def used_aws_scalars(sdl: str) -> set[str]:
    """The AWS scalars the SDL refers to."""
    used: set[str] = set()

    class _Names(Visitor):
        def enter_named_type(self, node: NamedTypeNode, *_: Any) -> None:
            if node.name.value in AWS_SCALARS:
                used.add(node.name.value)

    visit(parse(sdl), _Names())
    return used


def with_scalar_declarations(sdl: str) -> str:
    """The SDL plus ``scalar`` lines for the AWS scalars it uses and does not declare."""
    declared = {d.name.value for d in parse(sdl).definitions if isinstance(d, ScalarTypeDefinitionNode)}
    missing = sorted(used_aws_scalars(sdl) - declared)
    unsupported = [name for name in missing if name not in SCALAR_BINDINGS]
    if unsupported:
        raise ValueError(f"the reference server does not implement {', '.join(unsupported)}; add it to scalars.py")
    return "".join(f"scalar {name}\n" for name in missing) + sdl
