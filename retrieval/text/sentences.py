"""Split text into sentences without breaking titles, initials, decimals or quotes.

A split inside "state Rep. Gene Wu" or "the U.S. will" loses the answer, so a
period only ends a sentence when what precedes it is not a known abbreviation,
an initial or part of a dotted acronym, and what follows starts a new sentence.
"""

from __future__ import annotations

import re

# Abbreviations that are followed by a capitalised word without ending a sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof sr jr st mt ft rev fr sen rep gov gen lt col maj capt cmdr sgt cpl
    adm pres supt det insp atty hon amb sec dept univ assn bros inc ltd co corp plc llc vs
    etc al approx vol fig figs pp eds jan feb apr jun jul aug sep sept oct nov dec tues thur
    thurs ave blvd rd hwy
    """.split()
)

# Abbreviations that stand before a number: "No. 1", "Nos. 2 and 3", "Art. 5", "Vol. 2".
NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "art", "vol", "ch", "para", "pt"})
_DIGIT_NEXT = re.compile(r"\s+\d")

_OPENERS = "\"'“‘([«"
_CLOSERS = "\"'”’)]»"
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(rf"(?:[.!?]+|…|\.\.\.)[{re.escape(_CLOSERS)}]*(?=\s+)")
_NEXT_START = re.compile(rf"\s+(?=[{re.escape(_OPENERS)}]*[A-Z0-9À-ÖØ-Þ])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    punct = match.group(0).rstrip(_CLOSERS)
    if not _NEXT_START.match(text, match.end()):
        return False  # next word is lower case: "... and the U.S. will", "wait... what"
    if punct != ".":
        return True  # "!", "?", "?!", and ellipses before a capital
    if match.group(0) != punct:
        return True  # 'he said.' followed by a quote close: the period is inside a quote
    # Only the word just before the period matters; never rescan the text from its start.
    before = _WORD_BEFORE.search(text, max(0, match.start() - 40), match.start() + 1)
    if before is None:
        return True  # after a digit or symbol: "rose 5." ends a sentence
    word = before.group(1)
    if "." in word:
        return False  # dotted acronym such as "U.S." or "a.m."
    if len(word) == 1 and word.isupper():
        return False  # an initial: "Donald J. Trump"
    if word.lower() in NUMBER_ABBREVIATIONS and _DIGIT_NEXT.match(text, match.end()):
        return False  # "No. 1 in the world", "Nos. 3 and 4"
    return word.lower() not in ABBREVIATIONS


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ends_sentence(text, match):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed
