"""Rate limits per principal and tool; a store that cannot be reached refuses the call, never skips the limit."""

from __future__ import annotations

from pydantic import BaseModel

from core.config import RateLimitRule
from core.errors import GuardUnavailable, RateLimited
from core.guards.pipeline import Next, ToolCall
from core.ports import RateLimiter, RateLimitUnavailable


class RateLimitGuard:
    def __init__(self, limiter: RateLimiter, rules: dict[str, RateLimitRule]) -> None:
        self._limiter = limiter
        self._rules = rules

    def limited_tools(self) -> set[str]:
        return set(self._rules)

    async def __call__(self, call: ToolCall, next_: Next) -> BaseModel:
        rule = self._rules.get(call.spec.name)
        if rule is not None:
            key = f"{call.spec.name}:{call.principal.id}"
            try:
                allowed, quota = await self._limiter.hit(key, rule.amount, rule.window_s)
            except RateLimitUnavailable:
                raise GuardUnavailable(
                    "The rate-limit store cannot be reached, so this rate-limited call is refused. Retry shortly."
                ) from None
            if not allowed:
                raise RateLimited(call.spec.name, rule.text, max(1, quota.reset_s))
            call.quota = quota
        return await next_(call)
