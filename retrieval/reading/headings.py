"""Find the sub-headings inside an article body ("Lack of US security guarantee").

A saved page gives sub-headings as paragraphs of their own. Read as running
text they glue onto the next sentence ("Safety and staffing Each night tram
will…"). A sub-heading is recognised by its shape: a short line that does not
end a sentence, starting with a capital, between paragraphs that do, and
followed by a longer paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_WORDS = 10  # longer lines are sentences that lost their full stop, not headings
MAX_CHARS = 90
# The paragraph under a heading is real text: several times longer than the heading.
MIN_FOLLOWING_WORDS = 12
_ENDS_SENTENCE = re.compile(r"[.!?:;,…\"'”’)\]]$")
_STARTS_CAPITAL = re.compile(r"^[\"'“‘(]?[A-Z0-9À-ÖØ-Þ]")


def _is_heading(line: str, following: str, previous: str | None) -> bool:
    words = len(line.split())
    return (
        0 < words <= MAX_WORDS
        and len(line) <= MAX_CHARS
        and not _ENDS_SENTENCE.search(line)
        and bool(_STARTS_CAPITAL.match(line))
        and len(following.split()) >= max(MIN_FOLLOWING_WORDS, 2 * words)
        and (previous is None or bool(_ENDS_SENTENCE.search(previous)))
    )


def find_headings(paragraphs: Sequence[str]) -> tuple[int, ...]:
    """Indices of the paragraphs that are sub-headings (never the first or the last)."""
    return tuple(
        i
        for i in range(1, len(paragraphs) - 1)
        if _is_heading(paragraphs[i], paragraphs[i + 1], paragraphs[i - 1])
    )
