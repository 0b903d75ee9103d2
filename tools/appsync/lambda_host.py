"""One warm "Lambda container" of the resolver function for the AppSync simulator (``simulate.mjs``).

Reads one invocation payload per line on stdin, calls ``adapters.aws.resolver_handler.handler`` (the function's
real entry point, configured from the environment as on Lambda), and writes one line per answer on stdout:
``{"result": ...}``, or ``{"unhandled": {"errorType", "errorMessage"}}`` when the handler raises (what Lambda
reports as an unhandled error). Like a Lambda container it serves one invocation at a time, and the module
state (the store and its pool) lives across invocations. Logs go to stderr; stdout carries only answers.
"""

from __future__ import annotations

import json
import logging
import sys

from adapters.aws.resolver_handler import handler


def main() -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"result": handler(json.loads(line), None)}
        except Exception as exc:  # the Lambda runtime's view of a raising handler
            answer = {"unhandled": {"errorType": type(exc).__name__, "errorMessage": str(exc)[:200]}}
        sys.stdout.write(json.dumps(answer, allow_nan=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
