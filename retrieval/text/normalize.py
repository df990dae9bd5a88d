"""The one normaliser: clean a raw line, fold for matching, key for loose comparison.

- `clean_line`: what every parser does to a line of corpus text.
- `fold`: case and accents off, length kept, so spans found in folded text index
  the original (analysis and highlights).
- `fold_key`: case, accents, quote styles, markup and punctuation off, for
  comparing headlines, de-duplicating snippets and scoring evaluations.
"""

from __future__ import annotations

import re
import unicodedata

# Runs injected inside text by widgets that failed to load.
_INLINE_JUNK = re.compile(
    r"\s*(?:Error (?:in )?(?:retrieving|loading|fetching) data"
    r"|Sign in to (?:access|view) your (?:portfolio|watchlist|account))\s*",
    re.IGNORECASE,
)
# Words every match of _INLINE_JUNK contains: a line without them skips the slow regex.
_INLINE_JUNK_WORDS = ("data", "your")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")  # never in ASCII text
_NON_WORD = re.compile(r"[\W_]+")


def clean_line(line: str) -> str:
    """Normalise one raw line: Unicode NFC, no invisible marks, no widget errors."""
    line = unicodedata.normalize("NFC", line)
    if not line.isascii():
        line = _INVISIBLE.sub("", line)
    if may_contain(line, _INLINE_JUNK_WORDS):
        line = _INLINE_JUNK.sub(" ", line)
    return " ".join(line.split())


class _FoldTable(dict[int, str]):
    """str.translate table folding one character to one: computed once per character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        if len(base) != 1:
            base = char.lower() if len(char.lower()) == 1 else char
        self[code] = base
        return base


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Case- and accent-insensitive form with the same length as the input.

    Keeping the length lets term spans found in the folded text index the original.
    """
    return text.translate(_FOLD_TABLE)


# What re.IGNORECASE also equates with a lower-case ASCII letter, beyond str.lower():
# dotted capital I (whose full lower case is two characters), dotless i and long s.
_LOOSE_CASE = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def may_contain(line: str, words: tuple[str, ...]) -> bool:
    """Whether one of the lower-case ASCII `words` occurs in line, ignoring case exactly
    as re.IGNORECASE does: a cheap test that lets a line skip a slow case-insensitive
    regex whose every match contains one of the words."""
    folded = line.lower() if line.isascii() else line.translate(_LOOSE_CASE).lower()
    return any(word in folded for word in words)


def fold_key(text: str) -> str:
    """Compare texts loosely: case, accents, quotes, markup and punctuation do not count."""
    return _NON_WORD.sub(" ", fold(unicodedata.normalize("NFKC", text))).strip()
