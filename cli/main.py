"""``company-mcp``: serve, seed, call, audit verify (design.md section 4)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from pydantic import ValidationError

from core.errors import ConfigError

EXIT_OK, EXIT_TOOL_ERROR, EXIT_USAGE = 0, 1, 2

# Top-level imports of the optional groups of pyproject.toml: a command that needs one says which to install.
EXTRA_OF_MODULE: dict[str, str] = {
    "matplotlib": "plots",
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "redis": "redis",
    "ariadne": "api",
    "graphql": "api",
    "botocore": "aws",
    "mangum": "aws",
    "azure": "azure",
    "google": "gcp",
}


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _env(name: str) -> str:
    return f"(env COMPANY_MCP_{name})"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="company-mcp",
        description="A secure MCP server for the company data platform.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the MCP server", description="Run the MCP server.")
    serve.add_argument(
        "--adapter",
        choices=["fake", "graphql", "aws", "azure", "gcp"],
        help="backend adapter (default fake) " + _env("ADAPTER"),
    )
    serve.add_argument(
        "--transport",
        choices=["stdio", "http"],
        help="stdio, or streamable HTTP at /mcp (default http) " + _env("TRANSPORT"),
    )
    serve.add_argument("--host", help="HTTP bind address (default 127.0.0.1) " + _env("HOST"))
    serve.add_argument("--port", type=int, help="HTTP port; 0 picks a free one (default 8000) " + _env("PORT"))
    serve.add_argument(
        "--workers", type=int, help="server processes; more than 1 needs COMPANY_MCP_REDIS_URL (default 1)"
    )
    serve.add_argument(
        "--allow-mutations",
        action="store_true",
        default=None,
        help="allow write tools unless a feature flag says otherwise (default: denied)",
    )
    serve.add_argument("--graphql-url", help="company GraphQL API URL for the graphql and cloud adapters")
    serve.add_argument("--data-dir", help="local store, flags.json, audit.jsonl " + _env("DATA_DIR"))

    seed = commands.add_parser(
        "seed", help="build a deterministic company store", description="Build a deterministic company store."
    )
    seed.add_argument("--companies", type=int, default=50_000, help="number of companies (default 50000)")
    seed.add_argument(
        "--store", default="sqlite", help="'sqlite' (the data dir's store) or a postgresql:// URL (default sqlite)"
    )
    seed.add_argument("--schema", default="public", help="PostgreSQL schema (default public)")
    seed.add_argument("--data-dir", help="where the sqlite store lives " + _env("DATA_DIR"))
    seed.add_argument("--quiet", action="store_true", help="no progress bar")

    call = commands.add_parser(
        "call",
        help="call one tool and print its JSON result",
        description="Call one tool in-process through the same guards (or on a running server with --url). "
        "Exit 0 on a result, 1 on a tool error, 2 on a usage error.",
    )
    call.add_argument("tool", help="tool name, e.g. search_companies")
    call.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an argument; a value that parses as JSON is taken as JSON (repeatable)",
    )
    call.add_argument("--url", help="MCP URL of a running server instead of in-process")
    call.add_argument("--token", help="bearer token for --url")
    call.add_argument(
        "--allow-mutations",
        action="store_true",
        default=None,
        help="in-process: allow writes (same as the serve option)",
    )
    call.add_argument("--data-dir", help="in-process: the data dir " + _env("DATA_DIR"))

    api = commands.add_parser(
        "api",
        help="run the reference company GraphQL API",
        description="Run the company GraphQL API (the one every cloud deploys) at http://HOST:PORT/graphql.",
    )
    api.add_argument(
        "--store", default="sqlite", help="'sqlite' (the data dir's store), a store file, or postgresql://..."
    )
    api.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=8001, help="port; 0 picks a free one (default 8001)")
    api.add_argument(
        "--auth",
        choices=["shared-secret", "platform"],
        default="shared-secret",
        help="how callers are verified: every request HMAC-signed with the data dir's api-service.key or "
        "COMPANY_MCP_API_SHARED_SECRET (default; `serve --adapter graphql` on the same data dir signs with it), "
        "or the platform in front (IAM, Easy Auth)",
    )
    api.add_argument(
        "--public-host",
        action="append",
        metavar="HOST[:PORT]",
        help="a Host header callers use besides loopback and --host (repeatable; COMPANY_API_PUBLIC_HOSTS)",
    )
    api.add_argument(
        "--allow-unsigned-loopback-reads",
        action="store_true",
        help="also admit unsigned queries from this machine (public data only: no end user, no mutations)",
    )
    api.add_argument("--data-dir", help="where the sqlite store and api-service.key live " + _env("DATA_DIR"))

    migrate = commands.add_parser(
        "migrate", help="create or upgrade the PostgreSQL schema", description="Apply the store's migrations."
    )
    migrate.add_argument("--store", required=True, help="postgresql:// URL")
    migrate.add_argument("--schema", default="public", help="PostgreSQL schema (default public)")

    token = commands.add_parser(
        "token",
        help="mint a local dev token",
        description="Mint a token signed by the local dev issuer (COMPANY_MCP_AUTH=dev) for HTTP clients such as "
        "MCP Inspector. The issuer is the server's origin and the audience its /mcp URL.",
    )
    token.add_argument("--sub", help="the token's subject (default: your user name)")
    token.add_argument(
        "--scopes", default="companies:read companies:write", help='space-separated scopes (default: "%(default)s")'
    )
    token.add_argument("--ttl", default="30d", help="lifetime such as 30d, 12h, 15m or seconds (default 30d)")
    token.add_argument("--url", help="the server's MCP URL (default: from COMPANY_MCP_HOST/PORT/RESOURCE_URL)")
    token.add_argument("--data-dir", help="where the dev issuer's key lives " + _env("DATA_DIR"))

    from pilot.options import (
        PILOT_DESCRIPTION,
        PILOT_HELP,
        VERIFY_DESCRIPTION,
        VERIFY_HELP,
        add_pilot_arguments,
        add_verify_arguments,
    )

    add_pilot_arguments(commands.add_parser("pilot", help=PILOT_HELP, description=PILOT_DESCRIPTION))
    add_verify_arguments(commands.add_parser("verify", help=VERIFY_HELP, description=VERIFY_DESCRIPTION))

    audit = commands.add_parser("audit", help="audit log tools", description="Audit log tools.")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, parser_class=_Parser, metavar="ACTION")
    verify = audit_commands.add_parser(
        "verify",
        help="check the audit log's keyed chain and checkpoint",
        description="Check the keyed chain of audit.jsonl against its signed checkpoint (audit.checkpoint, with "
        "the key in audit.key); exit 0 when intact, 1 when broken. Legacy unkeyed logs are checked as far as "
        "they can be.",
    )
    verify.add_argument("--file", help="audit file (default <data_dir>/audit.jsonl)")
    verify.add_argument("--key-file", help="the audit key (default: audit.key beside the audit file)")
    verify.add_argument("--checkpoint", help="the signed checkpoint (default: audit.checkpoint beside the audit file)")
    verify.add_argument("--data-dir", help="the data dir " + _env("DATA_DIR"))
    return parser


# Each command's handler, imported only when that command runs (a fast --help, no unused imports).
HANDLERS: dict[str, tuple[str, str]] = {
    "serve": ("cli.serve", "serve"),
    "seed": ("cli.seed", "seed"),
    "call": ("cli.call", "call"),
    "api": ("cli.api", "api"),
    "migrate": ("cli.api", "migrate"),
    "token": ("cli.token", "mint_token"),
    "audit": ("cli.audit", "verify_audit"),
    "pilot": ("pilot.cli", "pilot_main"),
    "verify": ("pilot.verify", "verify_main"),
}


# Commands that write into the data dir (store, keys, audit log, flags): every file they create is 0600.
PRIVATE_FILES_COMMANDS = frozenset({"serve", "seed", "call", "api", "migrate", "token", "audit"})


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module, function = HANDLERS[args.command]
    if args.command in PRIVATE_FILES_COMMANDS:
        os.umask(0o077)
    try:
        handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), function)
        return handler(args)
    except ConfigError as exc:
        print(f"company-mcp: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in problem["loc"])
        print(f"company-mcp: error: bad setting {where}: {problem['msg']}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:
        extra = EXTRA_OF_MODULE.get((exc.name or "").split(".", 1)[0])
        if extra is None:
            raise
        print(
            f"company-mcp: error: {args.command} needs the {extra!r} extra ({exc.name} is not installed): "
            f"pip install 'company-mcp[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
