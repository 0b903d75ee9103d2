"""The mutation gate: writes are denied unless a flag allows them (default deny, fail closed)."""

from __future__ import annotations

from pydantic import BaseModel

from core.errors import MutationsDisabled
from core.guards.pipeline import Next, ToolCall
from core.ports import FlagSource, FlagsUnavailable

_HOW = (
    "Writes are disabled on this server. An operator can enable them with the feature flag "
    "'mutations_{tool}' (this tool) or 'mutations' (all writes), or by starting the server with "
    "--allow-mutations (COMPANY_MCP_ALLOW_MUTATIONS=true)."
)


class MutationGate:
    """Most specific source first: flag ``mutations_<tool>``, then flag ``mutations``, then the static setting.

    The FlagSource is the runtime switch, so it wins over the static setting.
    """

    def __init__(self, flags: FlagSource, *, allow_mutations: bool) -> None:
        self._flags = flags
        self._allow_mutations = allow_mutations

    async def decide(self, tool: str) -> tuple[bool, str]:
        """Return (allowed, reason)."""
        try:
            flags = await self._flags.get_flags()
        except FlagsUnavailable:
            return False, "flags_unavailable"
        for key in (f"mutations_{tool}", "mutations"):
            value = flags.get(key)
            if isinstance(value, bool):
                return value, f"flag:{key}"
        return self._allow_mutations, "setting:allow_mutations"

    async def __call__(self, call: ToolCall, next_: Next) -> BaseModel:
        if call.spec.mutates:
            allowed, reason = await self.decide(call.spec.name)
            if not allowed:
                message = _HOW.format(tool=call.spec.name)
                if reason == "flags_unavailable":
                    message = "The feature-flag source cannot be read, so writes are refused (fail closed). " + message
                raise MutationsDisabled(reason, message)
        return await next_(call)
