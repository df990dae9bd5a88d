"""Text clean-up shared by every parser: one cleaned line, one loose comparison key."""

from __future__ import annotations

import re
import unicodedata

# Runs injected inside text by widgets that failed to load.
_INLINE_JUNK = re.compile(
    r"\s*(?:Error (?:in )?(?:retrieving|loading|fetching) data"
    r"|Sign in to (?:access|view) your (?:portfolio|watchlist|account))\s*",
    re.IGNORECASE,
)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_NON_WORD = re.compile(r"[\W_]+")


def clean_line(line: str) -> str:
    """Normalise one raw line: Unicode NFC, no invisible marks, no widget errors."""
    line = unicodedata.normalize("NFC", line)
    line = _INVISIBLE.sub("", line)
    line = _INLINE_JUNK.sub(" ", line)
    return " ".join(line.split())


def fold_key(text: str) -> str:
    """Compare headlines loosely: case, quotes and punctuation do not count."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
