"""Search results as a reader skims them: the sentences around the match, terms marked.

A whole passage (about 100 words) under every hit makes three results a wall of
text; a results page shows the sentence that matched best and a little around
it, the question's terms in bold, and leaves the whole passage one click away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from retrieval.answering.snippets import highlight_spans
from retrieval.text.analysis import spans
from retrieval.text.sentences import sentence_spans

# About two sentences: enough to see why a passage matched, short enough that a page of
# five results fits one screen.
FRAGMENT_WORDS = 40
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Fragment:
    """A piece of a passage: its text, the question's terms in it, and whether the passage
    goes on before or after it (renderers show an ellipsis there)."""

    text: str
    marks: tuple[tuple[int, int], ...]
    cut_before: bool
    cut_after: bool


def fragment(weights: Mapping[str, float], passage: str, words: int = FRAGMENT_WORDS) -> Fragment:
    """The sentence holding the most of the question's weight (a Query's `weights`), with
    its neighbours while they fit in `words` words; a window of `words` words around the
    first match when that sentence alone is longer. No weights: the passage's start."""
    found = [s for s in spans(passage) if s[0] in weights]
    sentences = sentence_spans(passage) or [(0, len(passage))]

    def weight(i: int) -> float:
        a, b = sentences[i]
        return sum(weights[t] for t in {t for t, x, y in found if a <= x and y <= b})

    best = max(range(len(sentences)), key=lambda i: (weight(i), -i))
    first, last = best, best
    size = _count(passage, *sentences[best])
    while True:  # grow after first, then before: what follows a match usually explains it
        grown = False
        for step in (last + 1, first - 1):
            if 0 <= step < len(sentences):
                extra = _count(passage, *sentences[step])
                if size + extra <= words:
                    size += extra
                    first, last = min(first, step), max(last, step)
                    grown = True
        if not grown:
            break
    start, end = sentences[first][0], sentences[last][1]
    if size > words:
        start, end = _window(passage, start, end, found, words)
    text = passage[start:end]
    marks = highlight_spans(passage, found, start, end, weights)
    return Fragment(text, marks, passage[:start].strip() != "", passage[end:].strip() != "")


def _count(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text, start, end))


def _window(
    text: str, start: int, end: int, found: list[tuple[str, int, int]], words: int
) -> tuple[int, int]:
    """`words` words of text[start:end], from a few words before its first match."""
    tokens = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    hit = next((x for _, x, y in found if start <= x and y <= end), start)
    at = next((i for i, (a, b) in enumerate(tokens) if b > hit), 0)
    lead = min(at, words // 4)  # a little before the match, so it is not the first word
    first = max(0, min(at - lead, len(tokens) - words))
    kept = tokens[first : first + words]
    return kept[0][0], kept[-1][1]
