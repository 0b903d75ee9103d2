"""Word tables of the ``ai_search`` rules that are not the directory's vocabulary: numbers written as words,
size words, age phrases, negations, list joiners, filler words, and typo correction.

Kept apart from ``core.tools.prompt`` (the parser) so each stays one concept; every table here is plain
data compared by the parser's word keys (lowercase, crudely singular).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from functools import lru_cache

# -- numbers written as words ("five hundred", "two thousand fifteen", "a thousand") -------------------

UNITS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
TENS = {
    w: 10 * n
    for n, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2)
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
NUMBER_WORDS = frozenset({*UNITS, *TENS, *SCALES, "dozen"})


def read_number_words(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """The number written in ``words`` from ``i`` as (value, words used), or ``None``.

    "five hundred and fifty" -> 550, "two thousand fifteen" -> 2015, "a thousand" -> 1000, "a dozen" -> 12.
    "fifty and five hundred" stops after "fifty": an "and" only continues a number after a scale word.
    """
    total = current = 0
    j = i
    last: str | None = None  # "unit", "tens", "scale"
    if j + 1 < len(words) and words[j] == "a" and words[j + 1] in (*SCALES, "dozen"):
        current, j, last = 1, j + 1, "unit"
    while j < len(words):
        word = words[j]
        if word in UNITS and last in (None, "tens", "scale"):
            if last == "tens" and (UNITS[word] == 0 or UNITS[word] >= 10):
                break
            current += UNITS[word]
            last = "unit"
        elif word in TENS and last in (None, "scale"):
            current += TENS[word]
            last = "tens"
        elif word == "dozen" and last == "unit":
            current *= 12
            last = "scale"
        elif word == "hundred" and last in ("unit", "tens") and current < 100:
            current *= 100
            last = "scale"
        elif word in ("thousand", "million") and last is not None:
            total += max(current, 1) * SCALES[word]
            current = 0
            last = "scale"
        elif (
            word == "and" and last == "scale" and j + 1 < len(words) and (words[j + 1] in UNITS or words[j + 1] in TENS)
        ):
            pass
        else:
            break
        j += 1
    if last is None:
        return None
    return total + current, j - i


# -- size words (applied where no number says otherwise; bounds inclusive) ------------------------------

SMALL_MAX = 50
STARTUP_MAX = 200
MID_RANGE = (51, 1000)
LARGE_MIN = 1001

SIZE_PHRASES: list[tuple[str, tuple[int | None, int | None]]] = [
    ("startup|start up|early stage|seed stage|young startup", (None, STARTUP_MAX)),
    ("small|tiny|micro|boutique|small sized|small size|smaller", (None, SMALL_MAX)),
    (
        "sme|smb|small and medium|small and medium sized|small to medium|small to medium sized|small and mid sized"
        "|small or medium|small to mid sized",
        (None, MID_RANGE[1]),
    ),
    ("mid sized|midsized|mid size|midsize|medium|medium sized|mid market|midmarket|scaleup|scale up", MID_RANGE),
    ("large|big|bigger|larger|enterprise|major|huge|giant|multinational|large scale|very large", (LARGE_MIN, None)),
]

# -- age phrases ---------------------------------------------------------------------------------------

# "older/younger than N years" need nothing after; the generic comparators need "old" or "ago" after "years".
AGE_COMPARATORS: list[tuple[str, tuple[str, int]]] = [
    ("older than", ("older", 1)),
    ("younger than|newer than", ("younger", 1)),
    ("more than|over|above|greater than", ("older?", 1)),
    ("at least|no less than|minimum", ("older?", 0)),
    ("less than|fewer than|under|below", ("younger?", 1)),
    ("at most|up to|no more than|maximum", ("younger?", 0)),
]
RECENT_YEARS = 5  # "young", "recently founded": founded in the last five years
RECENT_PHRASES = "young|recently founded|newly founded|recent|new startup|newer"
LAST_WORDS = frozenset({"last", "past", "previous"})

# -- negations and lists -------------------------------------------------------------------------------

NEGATIONS = frozenset({"outside", "excluding", "exclude", "except", "non", "not", "excl", "without", "ex"})
NEGATION_PAIRS = frozenset({("other", "than"), ("apart", "from"), ("but", "not"), ("except", "for")})
# Between a negation and the place it negates ("outside of the US", "not in France").
NEGATION_GAP = frozenset({"the", "in", "of", "from", "based", "for", "located", "headquartered"})
LIST_JOINERS = frozenset({"and", "or", "nor", ",", "&", "/", "plus", "as", "well"})

# Extra filler that must never become a search term (the parser's own stop list has the grammar words).
FILLER = (
    "make makes making maker makers build builds building builder builders develop develops developing developer "
    "provide provides providing provider providers offer offers offering sell sells selling seller serve serves "
    "serving focus focused focusing focussed specialise specialize specialising specializing specialised "
    "specialized work works working doing done b2b b2c solution solutions platform platforms service services "
    "app apps product products industry industries sector sectors space field market markets area region "
    "kind type sort related ones one similar any other based active operate operates ago old new newly recently "
    "recent younger older newer than exclude excluding except outside non excl ex apart "
    "tool tools studio studios agency agencies outfit outfits house houses employing employ employs "
    "really good great nice thanks thank cheers hi hello hey kindly maybe perhaps actually "
    "dozen hundred zero two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "sixty seventy eighty ninety decade decades"
)


# -- typo correction -----------------------------------------------------------------------------------

TYPO_MIN_CHARS = 5
TYPO_CUTOFF = 0.82  # difflib ratio: "germny" -> "germany" (0.92), "frnace" -> "france" (0.83); "market" stays


@lru_cache(maxsize=4096)
def _closest(word: str, vocabulary: tuple[str, ...]) -> str | None:
    # difflib (stdlib) is enough for a few hundred words; the first letter must agree, which is where people
    # rarely slip and keeps "detail" from becoming "retail".
    candidates = [w for w in vocabulary if w[0] == word[0]]
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=TYPO_CUTOFF)
    return found[0] if found else None


def correct_typo(word: str, vocabulary: tuple[str, ...], known: Collection[str]) -> str | None:
    """The vocabulary word ``word`` is a slip of, or ``None`` (a known or short word is never corrected)."""
    if len(word) < TYPO_MIN_CHARS or word in known or not word.isalpha():
        return None
    return _closest(word, vocabulary)
