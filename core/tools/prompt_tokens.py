"""The ``ai_search`` tokenizer: a prompt as word and number tokens, compared by a crude singular key.

Diacritics are stripped ("München" -> "Munchen"), "u.s." becomes "US", letter hyphens split words
("e-commerce" -> "e commerce") while number ranges keep their dash ("50-200"), numbers take their
value ("5,000", "1.5k", "10K") and numbers written as words become one number token ("five hundred").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.tools import prompt_words as words

# Longer prompts are cut: the parser is linear, but there is no use in reading an essay.
MAX_PROMPT_CHARS = 4000
MAX_NUMBER = 10**12


@dataclass(slots=True)
class Token:
    raw: str  # as written, diacritics stripped (case kept: "DE" vs "de" matters)
    norm: str  # lowercase
    key: str  # norm, crudely singular: the form vocabulary lookups compare
    number: Decimal | None = None  # for numbers: the value ("5,000" / "5k" -> 5000, "1.5" -> 1.5)
    plus: bool = False  # "200+"
    numeric: bool = False  # a number token, even one too absurd to have a value
    used: bool = False


_TOKEN = re.compile(
    r"(?P<num>[0-9]+(?:[.,][0-9]+)*(?:[kKmM](?![^\W_]))?(?![^\W_])\+?)"
    r"|(?P<word>[^\W_]+)"
    r"|(?P<sym>[<>]=?|[-~])"
)
_DOTTED = re.compile(r"\b[uU]\.([sSkK])\.(?:([aA])\.?)?")
_LETTER_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010-\u2015](?=[^\W\d_])")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:\.[0-9]{3}){2,}")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def key(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def number(text: str) -> Decimal | None:
    """ "5,000" -> 5000, "1.5k" -> 1500, "10K" -> 10000, "2m" -> 2000000; ``None`` when absurd."""
    multiplier = 1
    if text[-1] in "kKmM":
        multiplier = 1000 if text[-1] in "kK" else 1_000_000
        text = text[:-1]
    if len(text) > 15:
        return None
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "").replace(".", "")
    try:
        value = Decimal(text.replace(",", ".")) * multiplier
    except InvalidOperation:
        return None
    return value if value <= MAX_NUMBER else None


def tokenize(prompt: str) -> list[Token]:
    text = _strip_marks(prompt[:MAX_PROMPT_CHARS])
    text = _DOTTED.sub(lambda m: "U" + m.group(1).upper() + (m.group(2) or "").upper(), text)
    text = _LETTER_HYPHEN.sub(" ", text)  # "e-commerce" -> "e commerce"; "50-200" keeps its dash
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        s = m.group()
        if m.lastgroup == "num":
            plus = s.endswith("+")
            digits = s.rstrip("+")
            value = number(digits)
            tokens.append(Token(s, digits.lower(), digits.lower(), value, plus, numeric=True))
        else:
            tokens.append(Token(s, s.casefold(), key(s.casefold())))
    return _merge_number_words(tokens)


def _merge_number_words(tokens: list[Token]) -> list[Token]:
    """ "five hundred" -> one number token 500 (as if written "500"); other tokens unchanged."""
    norms = [t.norm for t in tokens]
    merged: list[Token] = []
    i = 0
    while i < len(tokens):
        found = words.read_number_words(norms, i) if norms[i] in words.NUMBER_WORDS or norms[i] == "a" else None
        if found is None or (found[0] <= 1 and norms[i] in ("one", "a")):  # "one of", "a company": not numbers
            merged.append(tokens[i])
            i += 1
            continue
        value, used = found
        raw = " ".join(t.raw for t in tokens[i : i + used])
        merged.append(Token(raw, str(value), str(value), Decimal(value), numeric=True))
        i += used
    return merged
