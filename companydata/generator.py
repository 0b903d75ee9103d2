"""Deterministic company generator: company ``i`` is a pure function of ``i``.

Every row is derived from a keyed BLAKE2b digest of its index, consumed with
integer arithmetic only (no floats, no ``random`` module, no ``hash()``), so the
same index gives the same company on every machine and Python version.

Domains are unique by construction: the index is mapped bijectively onto a
space of ``CORE_COUNT`` distinct letter-only brand slugs (``i * STRIDE mod
CORE_COUNT``); the lap ``i // CORE_COUNT`` (0 for the first ~500k rows) is
appended as a number when non-zero ("zenori2"), and slugs never contain digits.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from companydata.vocabulary import COUNTRIES, INDUSTRIES, Country, Industry
from core.model import Company

# Bump when the generated data changes on purpose: it is part of the digest key.
GENERATOR_VERSION = 1

_PERSON = f"company-mcp-g{GENERATOR_VERSION}".encode()

# Word-style brands: prefix + root (+ tail), e.g. "Bluewave", "Northpeak Labs" (bluewavelabs.io).
_PREFIX_WORDS = (
    "blue bright clear north south east west silver golden iron stone green red black white true swift quick "
    "smart deep high open next first prime grand bold calm pure wild sun moon star sky cloud river ocean harbor "
    "summit cedar maple oak pine birch willow fox wolf bear hawk falcon eagle lion tiger orca raven crystal "
    "copper cobalt amber jade ruby coral arctic polar solar lunar nova astro terra aqua vivid lucid keen brave "
    "noble loyal happy lucky rapid steady urban metro civic alpine meadow forest canyon delta echo atlas vector "
    "quantum signal pixel orbit"
)
_ROOT_WORDS = (
    "wave path bridge stack loop forge mind base flow grid line point field gate works craft spark shift scale "
    "sense logic leaf rock peak ridge port bay light stream cast frame core hub nest mark sight view way yard "
    "dock mill bloom root seed tree wing tide fleet trail track pulse beam byte bit link node sync well land "
    "haven crest vale brook ford wood hill shore ledger metric vault quest pilot rally arc axis vista scope lens "
    "hive kit box tap dash mint sail"
)
_PREFIXES = tuple(_PREFIX_WORDS.split())
_ROOTS = tuple(_ROOT_WORDS.split())
# Tail slug -> display word appended to the brand (empty: slug only, as in "bluewavehq.com").
_TAILS = (("", ""), ("hq", ""), ("labs", "Labs"), ("app", ""), ("ai", "AI"), ("group", "Group"), ("tech", "Tech"))
# Invented brands: consonant-vowel syllables, e.g. "Zenori", "Lumava" (always CVCVCV, six letters).
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"

_WORD_CORES = len(_PREFIXES) * len(_ROOTS) * len(_TAILS)
_SYLLABLES = tuple(c + v for c in _CONSONANTS for v in _VOWELS)
_SYLLABLE_CORES = len(_SYLLABLES) ** 3
CORE_COUNT = _WORD_CORES + _SYLLABLE_CORES
# Coprime with CORE_COUNT, so ``i * STRIDE % CORE_COUNT`` is a bijection that scatters neighbours.
STRIDE = next(s for s in itertools.count(2_654_435_761, 2) if math.gcd(s, CORE_COUNT) == 1)
_OFFSET = 104_729


def _expand(weights: Sequence[int]) -> tuple[int, ...]:
    """Index list with each index repeated by its weight: a weighted pick is then ``h % len``."""
    return tuple(i for i, w in enumerate(weights) for _ in range(w))


_HEAVY_INDUSTRIES = {"Software": 4, "Artificial Intelligence": 2, "Financial Technology": 2, "IT Services": 2}
_INDUSTRY_PICK = _expand([_HEAVY_INDUSTRIES.get(ind.name, 1) for ind in INDUSTRIES])
_COUNTRY_PICK = _expand([c.weight for c in COUNTRIES])
# The first two cities of a country (its biggest hubs) get double weight.
_CITY_PICK = tuple(_expand([2 if k < 2 else 1 for k in range(len(c.cities))]) for c in COUNTRIES)

# Employee count: (low, high, share in 1/10000); a long tail, about 80 % under 200.
_EMPLOYEE_BANDS = (
    (1, 10, 3000),
    (11, 50, 3000),
    (51, 200, 2000),
    (201, 500, 900),
    (501, 1000, 500),
    (1001, 5000, 400),
    (5001, 10000, 120),
    (10001, 50000, 60),
    (50001, 200000, 20),
)
_EMPLOYEE_CUM = tuple(itertools.accumulate(b[2] for b in _EMPLOYEE_BANDS))
# Founded year: (first, last, share in 1/100), skewed recent.
_FOUNDED_BANDS = ((2015, 2025, 40), (2005, 2014, 25), (1990, 2004, 20), (1950, 1989, 15))
_FOUNDED_CUM = tuple(itertools.accumulate(b[2] for b in _FOUNDED_BANDS))

# updated_at: within the year before this instant (fixed, so data never depends on the clock).
_UPDATED_BASE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
_UPDATED_SPAN_S = 365 * 86400
_BASE_EPOCH = int(_UPDATED_BASE.timestamp())
_FIRST_DAY = (_BASE_EPOCH - _UPDATED_SPAN_S) // 86400
_DAYS = tuple(
    (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=d)).strftime("%Y-%m-%d")
    for d in range(_FIRST_DAY, _BASE_EPOCH // 86400 + 1)
)

_OPENERS = (
    "{name} builds {offering} for {audience}.",
    "{name} provides {offering} to {audience} from its base in {city}.",
    "Based in {city}, {name} develops {offering} for {audience}.",
    "{name} is a {sector} company offering {offering} to {audience}.",
)
_CLOSERS = (
    "Founded in {year}, it focuses on {tag1} and {tag2}.",
    "Its customers rely on it for {tag1}.",
    "The team works on {tag1}, {tag2} and related products.",
    "",
)


class GeneratedCompany(NamedTuple):
    """One generated row; the fields (and their order) are those of ``core.model.Company``."""

    id: str
    name: str
    domain: str
    industry: str
    country: str
    city: str
    employee_count: int
    founded_year: int
    description: str
    website: str
    tags: tuple[str, ...]
    updated_at: str

    def to_company(self) -> Company:
        return Company(**{**self._asdict(), "tags": list(self.tags)})


def company_id(index: int) -> str:
    return f"cmp_{index:08d}"


def core_brand(core: int) -> tuple[str, str]:
    """The letter-only domain slug and display name of brand number ``core`` (0 <= core < CORE_COUNT)."""
    if core < _WORD_CORES:
        core, tail = divmod(core, len(_TAILS))
        prefix, root = divmod(core, len(_ROOTS))
        p, r = _PREFIXES[prefix], _ROOTS[root]
        tail_slug, tail_word = _TAILS[tail]
        display = (p + r).capitalize() + (" " + tail_word if tail_word else "")
        return p + r + tail_slug, display
    core -= _WORD_CORES
    n = len(_SYLLABLES)
    slug = _SYLLABLES[core // (n * n)] + _SYLLABLES[core // n % n] + _SYLLABLES[core % n]
    return slug, slug.capitalize()


def company_at(index: int) -> GeneratedCompany:
    """Company number ``index`` (0-based), computed without generating any other row."""
    if not 0 <= index < 100_000_000:
        raise ValueError("company index must be in 0..99,999,999 (ids have eight digits)")
    digest = hashlib.blake2b(index.to_bytes(8, "little"), digest_size=32, person=_PERSON).digest()
    h = int.from_bytes(digest, "little")

    lap, position = divmod(index, CORE_COUNT)
    slug, brand = core_brand((position * STRIDE + _OFFSET) % CORE_COUNT)
    if lap:
        slug += str(lap + 1)

    h, r = divmod(h, len(_COUNTRY_PICK))
    country: Country = COUNTRIES[_COUNTRY_PICK[r]]
    picks = _CITY_PICK[_COUNTRY_PICK[r]]
    h, r = divmod(h, len(picks))
    city = country.cities[picks[r]]
    h, r = divmod(h, len(_INDUSTRY_PICK))
    industry: Industry = INDUSTRIES[_INDUSTRY_PICK[r]]

    h, r = divmod(h, 10_000)
    low, high, _ = _EMPLOYEE_BANDS[bisect_right(_EMPLOYEE_CUM, r)]
    h, r = divmod(h, high - low + 1)
    employees = low + r
    h, r = divmod(h, 100)
    first, last, _ = _FOUNDED_BANDS[bisect_right(_FOUNDED_CUM, r)]
    h, r = divmod(h, last - first + 1)
    founded = first + r
    if founded >= 2020 and employees > 1000:
        employees = employees // 50 + 20  # young companies are rarely huge

    # Name: brand, sometimes an industry word ("Zenori Therapeutics"), sometimes a legal suffix.
    h, r = divmod(h, 10)
    name = brand
    if r < 4 and " " not in brand:
        name = f"{brand} {industry.name_words[r]}"
    h, r = divmod(h, 10)
    if r < 5:
        name = f"{name} {country.legal_suffixes[r % len(country.legal_suffixes)]}"
    domain = f"{slug}.{country.tld}"

    tags = industry.tags
    h, count = divmod(h, 4)
    h, start = divmod(h, len(tags))
    picked = tuple(tags[(start + k) % len(tags)] for k in range(count + 2))
    h, r = divmod(h, len(industry.offerings))
    offering = industry.offerings[r]
    h, r = divmod(h, len(industry.audiences))
    audience = industry.audiences[r]
    h, r = divmod(h, len(_OPENERS))
    h, s = divmod(h, len(_CLOSERS))
    values = {
        "name": brand,
        "offering": offering,
        "audience": audience,
        "city": city,
        "sector": industry.name.lower(),
        "year": founded,
        "tag1": picked[0],
        "tag2": picked[1],
    }
    description = _OPENERS[r].format_map(values)
    if _CLOSERS[s]:
        description = f"{description} {_CLOSERS[s].format_map(values)}"

    h, r = divmod(h, _UPDATED_SPAN_S)
    ts = _BASE_EPOCH - r
    sod = ts % 86400
    updated_at = f"{_DAYS[ts // 86400 - _FIRST_DAY]}T{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}Z"

    return GeneratedCompany(
        company_id(index),
        name,
        domain,
        industry.name,
        country.code,
        city,
        employees,
        founded,
        description,
        "https://" + domain,
        picked,
        updated_at,
    )


def generate_companies(n: int, start: int = 0) -> Iterator[GeneratedCompany]:
    """The companies of a store of size ``n``, from index ``start`` (inclusive) to ``n`` (exclusive)."""
    return map(company_at, range(start, n))


def generate_batches(n: int, start: int = 0, batch_size: int = 10_000) -> Iterator[list[GeneratedCompany]]:
    """``generate_companies`` in lists of ``batch_size`` (the last one shorter)."""
    for low in range(start, n, batch_size):
        yield [company_at(i) for i in range(low, min(low + batch_size, n))]
