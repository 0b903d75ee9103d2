"""The Functions entry of the company API (shipped as ``function_app.py`` at the root of the ``azure/api`` package);
see ``adapters.azure.api_host``."""

from __future__ import annotations

from adapters.azure.api_host import create_api_function_app
from core.telemetry import configure_logging

configure_logging("json")
app = create_api_function_app()
