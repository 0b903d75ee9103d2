"""Estimated monthly cost per target from a price model file (``pilot/prices.json``, or ``--prices FILE``).

The model lists, per cloud, the billing units each stack uses, each price with its
source URL and the date it was read. A component's monthly quantity is one of:

- ``per_call``: units per call x the monthly volume (requests, operations, bytes);
- ``per_call_second``: units per second of a call x the typical call duration x the
  volume (GB-seconds, vCPU-seconds: the measured durations enter here);
- ``per_month``: a fixed monthly quantity (capacity hours of a database or cache).

Each is a product of numbers and names of the cloud's ``assumptions`` (memory size,
response size, minimum capacity...), so a user edits sizes in one place. Free tiers,
discounts and price tiers beyond the first are left out: this is a comparison aid,
not a bill. The ``local`` cloud has no prices; it still shows the compute quantity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pilot.errors import PilotUsageError

CLOUDS = ("aws", "azure", "gcp", "local")
QUANTITY_KINDS = ("per_call", "per_call_second", "per_month")
DEFAULT_PRICES = "prices.json"


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    category: str
    unit: str
    price_usd: float
    per: float  # the price is for this many units (e.g. 1e6 requests)
    kind: str  # one of QUANTITY_KINDS
    factors: tuple[float | str, ...]
    source: str
    date: str
    status: str  # "checked" (read from the source on ``date``) or "placeholder"
    note: str = ""


@dataclass(frozen=True, slots=True)
class CloudPrices:
    cloud: str
    region: str
    assumptions: dict[str, float]
    components: tuple[Component, ...]


@dataclass(frozen=True, slots=True)
class PriceModel:
    path: str
    currency: str
    notes: str
    clouds: dict[str, CloudPrices]


def load_prices(path: Path | None = None) -> PriceModel:
    """Read and check the price model; every problem is a usage error naming the field."""
    try:
        if path is None:
            text = resources.files("pilot").joinpath(DEFAULT_PRICES).read_text(encoding="utf-8")
            where = f"pilot/{DEFAULT_PRICES}"
        else:
            text, where = path.read_text(encoding="utf-8"), str(path)
        raw = json.loads(text)
    except OSError as exc:
        raise PilotUsageError(f"--prices {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise PilotUsageError(f"--prices {path}: not JSON ({exc})") from None
    return _model(raw, where)


def _model(raw: Any, where: str) -> PriceModel:
    if not isinstance(raw, dict) or not isinstance(raw.get("clouds"), dict):
        raise PilotUsageError(f"{where}: expected an object with 'clouds'")
    clouds = {name: _cloud(name, body, where) for name, body in raw["clouds"].items()}
    missing = [c for c in CLOUDS if c not in clouds]
    if missing:
        raise PilotUsageError(f"{where}: no prices for {', '.join(missing)}")
    return PriceModel(where, str(raw.get("currency", "USD")), str(raw.get("notes", "")), clouds)


def _cloud(name: str, body: Any, where: str) -> CloudPrices:
    if not isinstance(body, dict):
        raise PilotUsageError(f"{where}: clouds.{name} must be an object")
    assumptions = body.get("assumptions", {})
    if not isinstance(assumptions, dict) or not all(_number(v) for v in assumptions.values()):
        raise PilotUsageError(f"{where}: clouds.{name}.assumptions must map names to numbers")
    components = body.get("components", [])
    if not isinstance(components, list):
        raise PilotUsageError(f"{where}: clouds.{name}.components must be a list")
    parsed = tuple(
        _component(f"{where}: clouds.{name}.components[{i}]", c, assumptions) for i, c in enumerate(components)
    )
    return CloudPrices(name, str(body.get("region", "")), {k: float(v) for k, v in assumptions.items()}, parsed)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _component(where: str, raw: Any, assumptions: dict[str, Any]) -> Component:
    if not isinstance(raw, dict):
        raise PilotUsageError(f"{where} must be an object")
    for key in ("name", "unit", "source", "date"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise PilotUsageError(f"{where}.{key} is required (a string)")
    if not _number(raw.get("price_usd")) or raw["price_usd"] < 0:
        raise PilotUsageError(f"{where}.price_usd must be a number >= 0")
    quantity = raw.get("quantity")
    if not isinstance(quantity, dict) or len(quantity) != 1 or next(iter(quantity)) not in QUANTITY_KINDS:
        raise PilotUsageError(f"{where}.quantity must be one of {{{', '.join(QUANTITY_KINDS)}: [factors]}}")
    kind, factors = next(iter(quantity.items()))
    factors = factors if isinstance(factors, list) else [factors]
    for factor in factors:
        if not _number(factor) and factor not in assumptions:
            raise PilotUsageError(f"{where}.quantity: {factor!r} is neither a number nor an assumption")
    per = raw.get("per", 1)
    if not _number(per) or per <= 0:
        raise PilotUsageError(f"{where}.per must be a number > 0")
    return Component(
        name=raw["name"],
        category=str(raw.get("category", "other")),
        unit=raw["unit"],
        price_usd=float(raw["price_usd"]),
        per=float(per),
        kind=kind,
        factors=tuple(factors),
        source=raw["source"],
        date=raw["date"],
        status=str(raw.get("status", "placeholder")),
        note=str(raw.get("note", "")),
    )


@dataclass(frozen=True, slots=True)
class CostLine:
    component: str
    category: str
    quantity: float
    unit: str
    usd: float
    price_usd: float
    per: float
    source: str
    date: str
    status: str


@dataclass(frozen=True, slots=True)
class CostEstimate:
    cloud: str
    region: str
    volume: int
    typical_duration_s: float
    lines: tuple[CostLine, ...]

    @property
    def total_usd(self) -> float:
        return sum(line.usd for line in self.lines)


def estimate(model: PriceModel, cloud: str, *, volume: int, typical_duration_s: float) -> CostEstimate:
    prices = model.clouds[cloud]
    lines = []
    for c in prices.components:
        factor = 1.0
        for f in c.factors:
            factor *= prices.assumptions[f] if isinstance(f, str) else float(f)
        if c.kind == "per_call":
            quantity = volume * factor
        elif c.kind == "per_call_second":
            quantity = volume * typical_duration_s * factor
        else:
            quantity = factor
        usd = quantity * c.price_usd / c.per
        lines.append(
            CostLine(c.name, c.category, quantity, c.unit, usd, c.price_usd, c.per, c.source, c.date, c.status)
        )
    return CostEstimate(cloud, prices.region, volume, typical_duration_s, tuple(lines))
