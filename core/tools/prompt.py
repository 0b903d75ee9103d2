"""Turn an ``ai_search`` prompt into search filters plus the meaningful leftover words.

A small rule-based parser over the vocabulary (no model, no network), e.g.
"fintech companies in Germany with more than 200 employees founded after 2015"
-> industry "Financial Technology", country "DE", min_employees 201,
founded_after 2015. What it does not recognise stays in ``query`` (minus
stopwords and numbers), so ranking still works on an unparseable prompt.

Bounds follow the store's semantics: ``min_employees``/``max_employees`` are
inclusive, ``founded_after``/``founded_before`` are exclusive (founded_year >
founded_after, founded_year < founded_before). So "more than 200" gives
min_employees=201, "at least 200" gives 200, "after 2015" gives
founded_after=2015, "since 2015" gives founded_after=2014 and "in 2015" gives
founded_after=2014, founded_before=2016.

Beyond numbers it reads size words ("startup", "mid-sized", "large") and ages against a reference year
("founded in the last 5 years", "older than 20 years"), collects several values of a filter ("France or
Spain", "fintech and insurtech"), sends a negated country ("outside the US") to ``exclude_countries``,
lets a generic "software" yield to the industry it qualifies ("HR software"), and corrects slips in
vocabulary words ("Germny"). The word tables are ``core.tools.prompt_words``; the tokenizer is
``core.tools.prompt_tokens``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from core.interpretation import ParsedPrompt
from core.lexicon import CITY_ALIASES, COUNTRIES, INDUSTRIES, ISO_COUNTRY_CODES, city_country
from core.tools import prompt_words as words
from core.tools.prompt_tokens import MAX_NUMBER, MAX_PROMPT_CHARS, Token
from core.tools.prompt_tokens import key as _key
from core.tools.prompt_tokens import tokenize as _tokenize

__all__ = ["MAX_PROMPT_CHARS", "ParsedPrompt", "parse_prompt"]


V = TypeVar("V")


# -- vocabulary phrases --------------------------------------------------------------------------

_Kind = Literal["country", "city", "industry"]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokenize(text) if not t.numeric and t.norm.isalnum())


def _build_phrases() -> dict[tuple[str, ...], tuple[_Kind, str]]:
    table: dict[tuple[str, ...], tuple[_Kind, str]] = {}
    # Inserted weakest first, so a phrase that is both (e.g. a country and a city) resolves to the country.
    for industry in INDUSTRIES:
        for text in (industry.name, *industry.keywords):
            table[_phrase(text)] = ("industry", industry.name)
    for alias, city in CITY_ALIASES.items():
        table[_phrase(alias)] = ("city", city)
    for country in COUNTRIES:
        for city in country.cities:
            table[_phrase(city)] = ("city", city)
    for country in COUNTRIES:
        for text in (country.name, *country.aliases, *country.adjectives):
            table[_phrase(text)] = ("country", country.code)
    table.pop((), None)
    return table


_PHRASES = _build_phrases()
_MAX_VOCAB_WORDS = max(len(p) for p in _PHRASES)

# -- word classes (compared by key) --------------------------------------------------------------


def _keys(text: str) -> frozenset[str]:
    return frozenset(_key(w) for w in text.split())


_EMPLOYEE_NOUNS = _keys("employees employee staff people persons workers headcount fte ftes emps")
_EMPLOYEE_CONTEXT = _keys("with having has have employing employ")
_YEAR_NOUNS = _keys("years year yrs")
_FOUNDED_WORDS = _keys("founded established started incorporated created launched formed founding")
_LOCATION_PREPS = frozenset({"in", "from", "based", "located", "headquartered", "hq"})
# Two-letter words that are also ISO codes: never a country unless written in capitals after "in"/"from".
_COMMON_TWO_LETTER = frozenset(
    {"in", "it", "is", "at", "be", "no", "me", "to", "am", "as", "by", "my", "so", "do", "go", "an", "or"}
)
# Capitalised two-letter acronyms that mean something else here ("AI", "IT", "HR", "PR", ...).
_ACRONYMS = frozenset({"IT", "AI", "HR", "PR", "AR", "VC", "BI", "PE", "ML", "TV", "ID", "IO", "CX", "GG"})

_STOPWORDS = _keys(
    "a about above after all also am an and any approximately are around as at be been before below between both "
    "but by can could did do does during each either else for from had has have having he her here his how i if "
    "im in into is it its just like me more most my near no nor not of on only or other our out over please she "
    "should since so some such than that the their them then there these they this those through to too under "
    "until up us very was we were what when where which while who whom whose why will with within without would "
    "you your roughly "
    "find search list get give looking look need want show tell display return fetch "
    "companies company firms firm businesses business startups startup organisations organizations organisation "
    "organization corporations corporation enterprises vendors players "
    "employees employee staff people persons workers worker headcount fte ftes emps team members "
    "founded established started incorporated created launched formed founding year years old "
    "based located headquartered hq operating "
    "least fewer less greater larger bigger smaller lower higher minimum maximum min max exceeding excess plus "
    "later earlier onwards onward prior post pre "
    "top best leading biggest largest small large big medium sized size mid young "
    "k thousand million " + words.FILLER
)


def _phrase_table(spec: Iterable[tuple[str, V]]) -> dict[tuple[str, ...], V]:
    """[("more than|over", v)] -> {("more", "than"): v, ("over",): v}, words compared by key."""
    return {tuple(_key(w) for w in alt.split()): value for alts, value in spec for alt in alts.split("|")}


# Comparators before a number: phrase -> (bound, offset added to the number).
_MIN, _MAX = "min", "max"
_COMPARATORS = _phrase_table(
    [
        ("more than|greater than|larger than|bigger than|over|above|exceeding|in excess of|>", (_MIN, 1)),
        ("at least|no less than|no fewer than|not less than|minimum|minimum of|min|>=|from", (_MIN, 0)),
        ("fewer than|less than|under|below|smaller than|lower than|<", (_MAX, -1)),
        ("at most|up to|upto|no more than|not more than|maximum|maximum of|max|<=", (_MAX, 0)),
    ]
)
# After a number: "500 or more", "50 and under".
_POSTFIX = _phrase_table(
    [
        ("or more|or above|and above|and up|or greater|plus", (_MIN, 0)),
        ("or fewer|or less|and under|and below|at most", (_MAX, 0)),
    ]
)
_RANGE_JOINERS = frozenset({"and", "to", "-", "~", "through"})

# Before a year: phrase -> kind of bound ("founded <phrase> 2015"), see ``_year_bounds``.
_YEAR_PREPS = _phrase_table(
    [
        ("after|post|later than|>", "after"),
        ("since|from|starting|starting in|>=|in or after|no earlier than|not before", "since"),
        ("before|prior to|pre|earlier than|<", "before"),
        ("until|through|by|up to|<=|in or before|no later than|not after", "until"),
        ("in|during|around|circa|in the year", "in"),
    ]
)
# Without a "founded" word only these read as a founding date ("since 2015", "before 2000").
_BARE_YEAR_PREPS = frozenset({("after",), ("post",), ("since",), ("before",), ("prior", "to"), ("pre",)})
# ... and these when a decade follows ("in the 1990s").
_BARE_DECADE_PREPS = frozenset({("in",), ("from",), ("since",), ("during",), ("after",), ("before",)})
_YEAR_POSTFIX = _phrase_table(
    [("or later|and later|or after|onwards|onward", "since"), ("or earlier|or before", "until")]
)
_SIZES = _phrase_table(words.SIZE_PHRASES)
_AGE_COMPARATORS = _phrase_table(words.AGE_COMPARATORS)
_RECENT = _phrase_table([(words.RECENT_PHRASES, True)])
_MAX_PHRASE_WORDS = max(
    len(k) for k in (*_COMPARATORS, *_POSTFIX, *_YEAR_PREPS, *_YEAR_POSTFIX, *_SIZES, *_AGE_COMPARATORS, *_RECENT)
)
_NEGATIONS = frozenset(_key(w) for w in words.NEGATIONS)
_GENERIC_INDUSTRY = "Software"  # "HR software", "software for hospitals": the other industry is what is meant

# Typo correction compares against the words of the vocabulary; words any table knows are never corrected.
_VOCAB_WORDS = tuple(sorted({w for phrase in _PHRASES for w in phrase if len(w) >= 4 and w.isalpha()}))
_KNOWN_WORDS = frozenset(
    {w for table in (_COMPARATORS, _POSTFIX, _YEAR_PREPS, _YEAR_POSTFIX, _SIZES, _AGE_COMPARATORS, _RECENT)
     for phrase in table for w in phrase}
    | set(_VOCAB_WORDS) | _STOPWORDS | _EMPLOYEE_NOUNS | _YEAR_NOUNS | _FOUNDED_WORDS
)  # fmt: skip


def _year_bounds(kind: str, first: int, last: int) -> tuple[int | None, int | None]:
    """Exclusive (founded_after, founded_before) for "<kind> first..last" (one year: first == last)."""
    return {
        "after": (last, None),
        "since": (first - 1, None),
        "before": (None, first),
        "until": (None, last + 1),
        "in": (first - 1, last + 1),
    }[kind]


_DECADE = re.compile(r"(1[89][0-9]0|20[0-9]0|[0-9]0)s")


@dataclass(slots=True)
class _Mention:
    kind: _Kind
    value: str
    start: int
    end: int
    negated: bool = False


class _Parser:
    def __init__(self, tokens: list[Token], reference_year: int) -> None:
        self.t = tokens
        self.year = reference_year
        self.values: dict[str, str | int] = {}
        self.mentions: list[_Mention] = []

    # small helpers over the token list

    def key(self, i: int) -> str | None:
        return self.t[i].key if 0 <= i < len(self.t) else None

    def phrase_at(self, i: int, table: Mapping[tuple[str, ...], V]) -> tuple[int, V] | None:
        """The longest entry of ``table`` starting at token ``i``, as (length, value)."""
        for length in range(min(_MAX_PHRASE_WORDS, len(self.t) - i), 0, -1):
            found = table.get(tuple(t.key for t in self.t[i : i + length]))
            if found is not None:
                return length, found
        return None

    def number_at(self, i: int) -> tuple[int, int] | None:
        """A number at ``i`` (with "thousand"/"million"/"k" after it) as (value, tokens used)."""
        if i >= len(self.t) or self.t[i].number is None:
            return None
        value = self.t[i].number
        assert value is not None
        multiplier = {"thousand": 1000, "k": 1000, "million": 1_000_000}.get(self.key(i + 1) or "")
        if multiplier is not None and value * multiplier <= MAX_NUMBER:
            return int(value * multiplier), 2
        return int(value), 1

    def year_at(self, i: int) -> int | None:
        if i < len(self.t) and self.t[i].number is not None and re.fullmatch(r"[0-9]{4}", self.t[i].norm):
            year = int(self.t[i].norm)
            if 1800 <= year <= 2100:
                return year
        return None

    def use(self, start: int, end: int) -> int:
        for token in self.t[start:end]:
            token.used = True
        return end

    def set(self, name: str, value: str | int) -> None:
        self.values.setdefault(name, value)  # the first mention wins

    # employees

    def employees(self, i: int) -> int | None:
        """Parse an employee clause starting at ``i``; the index after it, or ``None``."""
        start = i
        noun_first = self.key(i) in _EMPLOYEE_NOUNS
        if noun_first:  # "headcount over 500", "employees between 10 and 50", "staff of at least 20"
            i += 1
            if self.key(i) in ("of", "count", "size", "is", "are"):
                i += 1
        context = noun_first or self.key(start - 1) in _EMPLOYEE_CONTEXT

        between = self.key(i) in ("between", "from")
        j = i + 1 if between else i
        lo = self.number_at(j)
        if lo is not None and self.key(j + lo[1]) in _RANGE_JOINERS:
            hi = self.number_at(j + lo[1] + 1)
            if hi is not None:
                end = j + lo[1] + 1 + hi[1]
                if self.key(end) in _EMPLOYEE_NOUNS:
                    end += 1
                elif not context:
                    return None
                low, high = sorted((lo[0], hi[0]))
                self.set("min_employees", low)
                self.set("max_employees", high)
                return self.use(start, end)

        comparator = self.phrase_at(i, _COMPARATORS)
        if comparator is not None:
            length, (bound, offset) = comparator
            number = self.number_at(i + length)
            if number is None:
                return None
            end = i + length + number[1]
            if self.key(end) in _EMPLOYEE_NOUNS:
                end += 1
            elif not context or self.key(end) in _YEAR_NOUNS:
                return None
            self._bound(bound, number[0] + offset)
            return self.use(start, end)

        number = self.number_at(i)
        if number is None:
            return None
        end = i + number[1]
        if self.t[end - 1].plus:  # "200+ employees"
            if self.key(end) in _EMPLOYEE_NOUNS or context:
                self._bound(_MIN, number[0])
                return self.use(start, end + (self.key(end) in _EMPLOYEE_NOUNS))
            return None
        postfix = self.phrase_at(end, _POSTFIX)
        noun_after = self.key(end) in _EMPLOYEE_NOUNS
        if postfix is None and noun_after:  # "500 employees or more"
            postfix = self.phrase_at(end + 1, _POSTFIX)
            if postfix is None:
                return None
            length, (bound, offset) = postfix
            self._bound(bound, number[0] + offset)
            return self.use(start, end + 1 + length)
        if postfix is not None:  # "500 or more employees"
            length, (bound, offset) = postfix
            stop = end + length
            if self.key(stop) in _EMPLOYEE_NOUNS:
                stop += 1
            elif not context:
                return None
            self._bound(bound, number[0] + offset)
            return self.use(start, stop)
        return None

    def _bound(self, bound: str, value: int) -> None:
        self.set("min_employees" if bound == _MIN else "max_employees", max(value, 0))

    # founding year

    def founded(self, i: int) -> int | None:
        """Parse a founding-date clause starting at ``i``; the index after it, or ``None``."""
        start = i
        anchored = self.key(i) in _FOUNDED_WORDS
        if anchored:
            i += 1
            if self.key(i) in ("was", "were", "been"):
                i += 1

        if self.key(i) in ("between", "from"):  # "between 2010 and 2015", "founded from 2010 to 2015"
            first, last = self.year_at(i + 1), self.year_at(i + 3)
            if (
                first is not None
                and last is not None
                and self.key(i + 2) in _RANGE_JOINERS
                and (anchored or self.key(i) == "between")
                and self.key(i + 4) not in _EMPLOYEE_NOUNS
            ):
                low, high = sorted((first, last))
                self._years(low - 1, high + 1)
                return self.use(start, i + 4)

        prep = self.phrase_at(i, _YEAR_PREPS)
        length, kind = prep if prep is not None else (0, "in")
        phrase = tuple(t.key for t in self.t[i : i + length])
        j = i + length
        j += self.key(j) in ("the", "-")  # "in the 1990s", "post-2015"
        decade = self.decade_at(j)
        if decade is not None and (anchored or phrase in _BARE_DECADE_PREPS or decade[2]):
            kind = "in" if phrase == ("from",) else kind  # "companies from the 1990s" were founded in them
            self._years(*_year_bounds(kind, decade[0], decade[1]))
            return self.use(start, j + decade[3])
        year = self.year_at(j)
        if year is None or self.key(j + 1) in _EMPLOYEE_NOUNS:
            return None
        if prep is None:
            if not anchored:
                return None
            post = self.phrase_at(i + 1, _YEAR_POSTFIX)  # "founded 2015 or later"
            if post is not None:
                self._years(*_year_bounds(post[1], year, year))
                return self.use(start, i + 1 + post[0])
        elif not anchored and phrase not in _BARE_YEAR_PREPS:
            return None
        self._years(*_year_bounds(kind, year, year))
        return self.use(start, j + 1)

    def decade_at(self, i: int) -> tuple[int, int, bool, int] | None:
        """ "1990s" / "90s" / "90's" -> (1990, 1999, four digits written, tokens used)."""
        if i >= len(self.t):
            return None
        text, used = self.t[i].norm, 1
        if self.t[i].numeric and self.key(i + 1) == "s":  # "90's" is split at the apostrophe
            text, used = text + "s", 2
        m = _DECADE.fullmatch(text)
        if m is None:
            return None
        digits = m.group(1)
        first = int(digits) if len(digits) == 4 else (1900 if int(digits) >= 30 else 2000) + int(digits)
        return first, first + 9, len(digits) == 4, used

    def _years(self, after: int | None, before: int | None) -> None:
        if after is not None:
            self.set("founded_after", after)
        if before is not None:
            self.set("founded_before", before)

    # vocabulary

    def vocabulary(self) -> None:
        i = 0
        while i < len(self.t):
            match = None
            for length in range(min(_MAX_VOCAB_WORDS, len(self.t) - i), 0, -1):
                window = self.t[i : i + length]
                if any(t.used or t.numeric for t in window):
                    continue
                match = _PHRASES.get(tuple(t.key for t in window))
                if match is not None:
                    break
            if match is None:
                i += 1
                continue
            kind, value = match
            self.mention(kind, value, i, i + length)
            i = self.use(i, i + length)

    def mention(self, kind: _Kind, value: str, start: int, end: int) -> None:
        """Record a place or industry; a place after a negation (or listed after a negated one) is excluded."""
        negated = False
        if kind != "industry":
            k = start - 1
            while k >= 0 and k > start - 4 and self.key(k) in words.NEGATION_GAP:
                k -= 1
            negated = self.key(k) in _NEGATIONS or (self.key(k - 1), self.key(k)) in words.NEGATION_PAIRS
            previous = next((m for m in reversed(self.mentions) if m.kind != "industry"), None)
            if previous is not None and previous.negated and self.joined(previous.end, start):
                negated = True
        self.mentions.append(_Mention(kind, value, start, end, negated))

    def joined(self, end: int, start: int) -> bool:
        """Only list words ("and", "or", ",", "the") lie between two mentions."""
        between = [t for t in self.t[end:start] if t.norm not in ("the", "in")]
        return 0 < start - end <= 4 and all(t.norm in words.LIST_JOINERS for t in between)

    def country_codes(self) -> None:
        for i, token in enumerate(self.t):
            if token.used or len(token.raw) != 2 or not token.raw.isalpha():
                continue
            code = "GB" if token.raw.upper() == "UK" else token.raw.upper()
            if code not in ISO_COUNTRY_CODES or code in _ACRONYMS:
                continue
            after_prep = self.key(i - 1) in _LOCATION_PREPS or self.key(i - 1) in _NEGATIONS
            listed = any(m.kind == "country" and self.joined(m.end, i) for m in self.mentions)
            if token.raw.isupper():
                ok = after_prep or listed or token.norm not in _COMMON_TWO_LETTER
            else:
                ok = (after_prep or listed) and (token.norm == "us" or token.norm not in _COMMON_TWO_LETTER)
            if ok:
                self.mention("country", code, i, i + 1)
                token.used = True
        # "IT" in capitals is the industry, never Italy.
        for i, token in enumerate(self.t):
            if not token.used and token.raw == "IT":
                self.mention("industry", "IT Services", i, i + 1)
                token.used = True

    def industries(self) -> list[str]:
        """The industries named, in order; "software" yields to another industry it is not listed with."""
        named = [m for m in self.mentions if m.kind == "industry"]
        others = [m for m in named if m.value != _GENERIC_INDUSTRY]
        kept = [
            m
            for m in named
            if m.value != _GENERIC_INDUSTRY
            or not others
            or any(self.joined(m.end, o.start) or self.joined(o.end, m.start) for o in others)
        ]
        return list(dict.fromkeys(m.value for m in kept))

    # size and age words

    def sizes(self) -> None:
        for i in range(len(self.t)):
            if self.t[i].used:
                continue
            found = self.phrase_at(i, _SIZES)
            if found is not None and not any(t.used for t in self.t[i : i + found[0]]):
                low, high = found[1]
                if low is not None:
                    self.set("min_employees", low)
                if high is not None:
                    self.set("max_employees", high)
                self.use(i, i + found[0])
                continue
            recent = self.phrase_at(i, _RECENT)
            if recent is not None and not any(t.used for t in self.t[i : i + recent[0]]):
                self.set("founded_after", self.year - words.RECENT_YEARS)
                self.use(i, i + recent[0])

    def ages(self, i: int) -> int | None:
        """ "(founded) in the last 5 years", "older than 20 years", "less than 10 years old"; the index after."""
        start = i
        if self.key(i) in _FOUNDED_WORDS:
            i += 1
        j = i + (self.key(i) in ("in", "within", "during", "over", "for"))
        j += self.key(j) == "the"
        if self.key(j) in words.LAST_WORDS:
            j += 1
            number = self.number_at(j)
            if number is not None and self.key(j + number[1]) in _YEAR_NOUNS and number[0] <= 300:
                years, end = number[0], j + number[1] + 1
            elif self.key(j) in ("decade", "year"):
                years, end = (10 if self.key(j) == "decade" else 1), j + 1
            else:
                return None
            self.set("founded_after", self.year - years)
            return self.use(start, end)
        found = self.phrase_at(i, _AGE_COMPARATORS)
        if found is None:
            return None
        length, (direction, offset) = found
        number = self.number_at(i + length)
        if number is None or number[0] > 300 or self.key(i + length + number[1]) not in _YEAR_NOUNS:
            return None
        end = i + length + number[1] + 1
        if self.key(end) in ("old", "ago"):
            end += 1
        elif direction.endswith("?"):
            return None  # "over 20 years" alone is no age ("over 20 years of experience")
        n = number[0]
        if direction.startswith("older"):
            self.set("founded_before", self.year - n + 1 - offset)  # age > n: founded_year < year - n
        else:
            self.set("founded_after", self.year - n - 1 + offset)  # age < n: founded_year > year - n
        return self.use(start, end)

    def typos(self) -> None:
        for token in self.t:
            if not token.used and not token.numeric:
                fixed = words.correct_typo(token.key, _VOCAB_WORDS, _KNOWN_WORDS)
                if fixed is not None:
                    token.key = fixed

    def run(self) -> ParsedPrompt:
        self.typos()
        i = 0
        while i < len(self.t):
            end = None if self.t[i].used else (self.ages(i) or self.founded(i) or self.employees(i))
            i = end if end is not None else i + 1
        self.vocabulary()
        self.country_codes()
        self.sizes()
        places = [m for m in self.mentions if m.kind != "industry"]
        countries = [m.value for m in places if m.kind == "country" and not m.negated]
        cities = list(dict.fromkeys(m.value for m in places if m.kind == "city" and not m.negated))
        excluded = [m.value for m in places if m.kind == "country" and m.negated]
        if cities and not countries:  # a city implies its country (when every city's country is known)
            implied = [city_country(c) for c in cities]
            countries = [c for c in implied if c is not None] if None not in implied else []
        kept = [
            t.norm
            for t in self.t
            if not t.used and not t.numeric and len(t.norm) > 1 and t.key not in _STOPWORDS and t.norm.isalnum()
        ]
        return ParsedPrompt(
            query=" ".join(dict.fromkeys(kept)) or None,
            industries=tuple(self.industries()),
            countries=tuple(c for c in dict.fromkeys(countries) if c not in excluded),
            cities=tuple(cities),
            exclude_countries=tuple(dict.fromkeys(excluded)),
            **self.values,  # type: ignore[arg-type]
        )


def parse_prompt(prompt: str, *, reference_year: int | None = None) -> ParsedPrompt:
    """Parse a natural-language company search; never raises on any text.

    ``reference_year`` is "now" for ages ("founded in the last 5 years"); default: the current UTC year.
    """
    year = reference_year if reference_year is not None else datetime.now(UTC).year
    return _Parser(_tokenize(prompt), year).run()
