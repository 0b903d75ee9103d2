"""``python -m pilot pilot ...`` / ``python -m pilot verify URL``: the two commands without ``company-mcp``.

``company-mcp pilot`` and ``company-mcp verify`` are the same functions; this entry point
exists so the commands run wherever the package does (CI images, before wiring).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from pilot.options import (
    PILOT_DESCRIPTION,
    PILOT_HELP,
    VERIFY_DESCRIPTION,
    VERIFY_HELP,
    add_pilot_arguments,
    add_verify_arguments,
)


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit 2, like ``company-mcp``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m pilot", description="Migration pilots and endpoint verification.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    add_pilot_arguments(commands.add_parser("pilot", help=PILOT_HELP, description=PILOT_DESCRIPTION))
    add_verify_arguments(commands.add_parser("verify", help=VERIFY_HELP, description=VERIFY_DESCRIPTION))
    args = parser.parse_args(argv)
    if args.command == "pilot":
        from pilot.cli import pilot_main

        return pilot_main(args)
    from pilot.verify import verify_main

    return verify_main(args)


if __name__ == "__main__":
    sys.exit(main())
