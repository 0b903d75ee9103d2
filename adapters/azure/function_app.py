"""The Functions entry of the MCP server: the host imports this file (as ``function_app.py`` at the package root)
and serves ``app``. Built at import, during the host's indexing: a configuration error fails the deployment's start
visibly instead of every request. See ``adapters.azure.function_host``."""

from __future__ import annotations

from adapters.azure.function_host import create_function_app

app = create_function_app()
