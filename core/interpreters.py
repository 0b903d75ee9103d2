"""``PromptInterpreter``s in core: the rules (the default) and the fallback wrapper every model-backed one uses.

A cloud adapter supplies only a ``ModelClient`` (one request to its model service, the decoded filter
object back, or a ``ModelCallFailed`` naming why not); ``FallbackInterpreter`` bounds it with a timeout,
validates the answer against the filter schema, and answers with the rules whenever the model cannot:
timeout, refusal, invalid output, throttling or any other failure. After a throttle it leaves the model
alone for the time the service asked (``Retry-After``), so a burst does not pay a timeout per call.
The prompt text is never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

import anyio
import httpx

from core.interpretation import InvalidInterpretation, ParsedPrompt, from_model_output
from core.tools.prompt import parse_prompt

log = logging.getLogger("company_mcp.prompt_interpreter")


def current_year() -> int:
    return datetime.now(UTC).year


class RulesInterpreter:
    """The rule-based parser (offline, deterministic): ``core.tools.prompt``."""

    name = "rules"

    def __init__(self, reference_year: Callable[[], int] = current_year) -> None:
        self._year = reference_year

    async def interpret(self, prompt: str) -> ParsedPrompt:
        return parse_prompt(prompt, reference_year=self._year())

    async def aclose(self) -> None:
        return None


class ModelCallFailed(Exception):
    """The model service gave no usable answer; ``reason`` is what ``understood.fallback`` reports."""

    reason = "unavailable"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ModelRefused(ModelCallFailed):
    reason = "refused"


class ModelThrottled(ModelCallFailed):
    reason = "rate_limited"


class ModelClient(Protocol):
    name: str

    async def ask(self, prompt: str, reference_year: int) -> object:
        """The model's filter object (decoded JSON). Raises ``ModelCallFailed``."""
        ...

    async def aclose(self) -> None: ...


# Without a Retry-After, a throttled model is left alone this long.
DEFAULT_BACKOFF_S = 10.0


class FallbackInterpreter:
    def __init__(
        self,
        model: ModelClient,
        *,
        timeout_s: float,
        rules: RulesInterpreter | None = None,
        reference_year: Callable[[], int] = current_year,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.name = model.name
        self._timeout_s = timeout_s
        self._rules = rules or RulesInterpreter(reference_year)
        self._year = reference_year
        self._clock = clock
        self._quiet_until = 0.0

    async def interpret(self, prompt: str) -> ParsedPrompt:
        reason = await self._ask(prompt)
        if isinstance(reason, ParsedPrompt):
            return reason
        log.warning("prompt interpreter fallback", extra={"interpreter": self.name, "reason": reason})
        return (await self._rules.interpret(prompt)).answered_by("rules", fallback=reason)

    async def _ask(self, prompt: str) -> ParsedPrompt | str:
        if self._clock() < self._quiet_until:
            return ModelThrottled.reason
        try:
            with anyio.fail_after(self._timeout_s):
                raw = await self.model.ask(prompt, self._year())
            return from_model_output(raw, self.name)
        except TimeoutError:
            return "timeout"
        except ModelThrottled as exc:
            self._quiet_until = self._clock() + (exc.retry_after_s or DEFAULT_BACKOFF_S)
            return exc.reason
        except ModelCallFailed as exc:
            return exc.reason
        except InvalidInterpretation:
            return "invalid_output"

    async def aclose(self) -> None:
        await self.model.aclose()


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds from a throttled answer's ``retry-after-ms`` or ``Retry-After`` (seconds) header, if any."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(float(value) * scale, 0.0)
            except ValueError:
                continue  # an HTTP date: not worth parsing for a short back-off
    return None


async def send_to_model(http: httpx.AsyncClient, request: httpx.Request, service: str) -> httpx.Response:
    """One request to a model service: a slow answer is ``TimeoutError`` (the rules answer instead), any other
    transport fault ``ModelCallFailed`` naming ``service`` (never its text)."""
    try:
        return await http.send(request)
    except httpx.TimeoutException as exc:
        raise TimeoutError from exc
    except httpx.HTTPError as exc:
        raise ModelCallFailed(f"{service} did not answer") from exc


def error_field(response: httpx.Response, field: str) -> str | None:
    """``error.<field>`` of a model service's JSON error body (Azure's ``code``, Google's ``status``), if any."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return str(error.get(field)) if isinstance(error, dict) else None
