"""Freshness, only where the question asks for it ("latest", "newest", "so far", "today"…).

Such a question is about a topic *and* about time: the recency words are taken
out of what is searched (they are an instruction, not a topic) and, among the
snippets that answer as well as the best one (`selection.stands_alone`), newer
articles rank first; a snippet that answers less well never moves ahead of it,
so "who was recently indicted?" still gets the article about the indictment. Each snippet's score is
multiplied by a recency factor

    factor = 0.5 ** (age / half_life)

where age is how much older its article is than the newest answering article
(`answers.recency_half_life_hours` in the config). An article without a date
ranks after every dated one. Any other question is ranked by BM25 alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from retrieval.answering.snippets import Snippet

T = TypeVar("T")

_RECENT = re.compile(
    r"\b(?:latest|newest|most\s+recent(?:ly)?|recent(?:ly)?|lately|today|tonight|"
    r"this\s+(?:morning|afternoon|evening|week|month)|so\s+far|right\s+now|as\s+of\s+now|"
    r"currently|up\s+to\s+date|breaking|just\s+in)\b",
    re.IGNORECASE,
)


_WHEN = (
    r"(?:\s+(?:today|tonight|now|right\s+now|so\s+far|lately|recently|this\s+(?:morning|"
    r"afternoon|evening|week|month)|in\s+the\s+news|out\s+there))?"
)
_WHAT = (
    r"(?:what(?:['’]?s|\s+is|\s+are|\s+has|\s+have)?\s+|any\s+|anything\s+|is\s+there\s+any\s+)?"
)
_STORIES = r"(?:news|stories|headlines|updates?)"
_LATE = r"(?:latest|newest|breaking|top|recent|new|big)"
# The whole question asks for the news and nothing else: no topic left to search.
_NEWS_WIDE = re.compile(
    rf"^\s*(?:(?:tell|give|show)\s+me\s+)?{_WHAT}(?:the\s+)?"
    rf"(?:{_LATE}(?:\s+{_STORIES})?|{_STORIES}|new|happening|going\s+on"
    rf"|(?:has\s+)?happened|is\s+happening){_WHEN}\s*[?!.]*\s*$",
    re.IGNORECASE,
)
# News on a topic: "Any news on the night trams?", "What's new with Ice?".
_NEWS_ON = re.compile(
    rf"^\s*(?:(?:tell|give|show)\s+me\s+)?{_WHAT}(?:the\s+)?(?:{_LATE}\s+)?"
    rf"(?:{_STORIES}|new)\s+(?:on|about|regarding|with|from|in)\s+(?P<topic>.+?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NewsRequest:
    """A question about the news: the newest stories, or the latest on `topic`."""

    topic: str = ""  # "" for the news in general


def news_request(question: str) -> NewsRequest | None:
    """The news request a question is, or None for any other question."""
    if _NEWS_WIDE.match(question):
        return NewsRequest()
    on = _NEWS_ON.match(question)
    return NewsRequest(on["topic"]) if on else None


def wants_recent(question: str) -> bool:
    return bool(_RECENT.search(question))


def topic_of(question: str) -> str:
    """The question without its recency words: what to search for."""
    return re.sub(r"\s{2,}", " ", _RECENT.sub(" ", question)).strip()


def recency_factor(date: datetime, newest: datetime, half_life_hours: float) -> float:
    age_hours = max(0.0, (newest - date).total_seconds() / 3600)
    return 0.5 ** (age_hours / half_life_hours)


def freshen(
    ranked: Sequence[tuple[Snippet, T]],
    dates: Sequence[datetime | None],
    half_life_hours: float,
) -> list[tuple[Snippet, T]]:
    """Answering snippets re-ranked newest first, by score times recency factor.

    `dates[i]` is the date of the article of `ranked[i]`; undated ones go last,
    in their BM25 order.
    """
    known = [d for d in dates if d is not None]
    if not known:
        return list(ranked)
    newest = max(known)

    def key(i: int) -> tuple[int, float]:
        snippet, date = ranked[i][0], dates[i]
        if date is None:
            return 1, -snippet.score
        return 0, -snippet.score * recency_factor(date, newest, half_life_hours)

    return [ranked[i] for i in sorted(range(len(ranked)), key=key)]
