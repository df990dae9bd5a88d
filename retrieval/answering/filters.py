"""Which articles a question may be answered from: one publisher, a date range, or both.

Filters become one boolean mask over chunks (`chunk_mask`), which the index applies
while ranking: scores never change with a mask, so the top k under a filter are
exactly the top k of the unfiltered ranking cut by it. An article without a
date is outside every date filter (its date is unknown, not "any").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from retrieval.answering.names import match_names, name_key
from retrieval.answering.question import QuestionError
from retrieval.models import Article
from retrieval.reading.dates import iso, parse_bound


class UnknownPublisherError(QuestionError):
    pass


class FilterError(QuestionError):
    """A date bound the engine cannot read; the message shows what it accepts."""


@dataclass(frozen=True)
class Filters:
    publisher: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive (a bare day given as `until` is included whole)

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    @property
    def any(self) -> bool:
        return bool(self.publisher) or self.dated

    def describe(self) -> str:
        """The filters in a reader's words: "publisher: X · since … · until …"."""
        parts = [f"publisher: {self.publisher}"] if self.publisher else []
        if self.since is not None:
            parts.append(f"since {iso(self.since)}")
        if self.until is not None:
            parts.append(f"before {iso(self.until)}")
        return " · ".join(parts)


NO_FILTERS = Filters()


def parse_filters(
    publisher: str | None = None,
    since: str | None = None,
    until: str | None = None,
    now: datetime | None = None,
) -> Filters:
    """Filters from what a user typed (`--since 7d`, `until: 2025-07-06`); FilterError if not."""
    now = now or datetime.now(UTC)
    try:
        start = parse_bound(since, now) if since else None
        end = parse_bound(until, now, end=True) if until else None
    except ValueError as exc:
        raise FilterError(str(exc)) from None
    if start is not None and end is not None and start >= end:
        raise FilterError(f"'since' ({since}) must come before 'until' ({until}).")
    return Filters((publisher or "").strip() or None, start, end)


def as_filters(value: Filters | str | None) -> Filters:
    """A publisher's name alone is the common filter; None is none."""
    if isinstance(value, Filters):
        return value
    return Filters(publisher=value or None)


def resolve_publisher(typed: str, names: Sequence[str]) -> str:
    """The one publisher meant by what was typed (see names.match_names: case, a leading
    "The" and small typos do not matter); UnknownPublisherError listing the choices."""
    found = match_names(typed, names)
    if len(found) == 1:
        return found[0]
    if found:
        raise UnknownPublisherError(
            f"'{typed}' could mean several publishers: {', '.join(found)}. Which one?"
        )
    known = ", ".join(names) or "none"
    raise UnknownPublisherError(f"No articles from publisher '{typed}'. Known publishers: {known}.")


def publisher_articles(articles: Sequence[Article], publisher: str) -> np.ndarray:
    """Booleans over articles: from the publisher meant; UnknownPublisherError if none."""
    names = sorted({a.publisher for a in articles if a.publisher}, key=str.casefold)
    wanted = name_key(resolve_publisher(publisher, names))
    return np.fromiter((name_key(a.publisher) == wanted for a in articles), bool, len(articles))


def article_times(articles: Sequence[Article]) -> np.ndarray:
    """Each article's date as a POSIX timestamp, NaN when unknown."""
    return np.fromiter(
        (a.date.timestamp() if a.date is not None else np.nan for a in articles),
        np.float64,
        len(articles),
    )


def article_mask(filters: Filters, articles: Sequence[Article], times: np.ndarray) -> np.ndarray:
    """Booleans over articles: inside every filter."""
    keep = np.ones(len(articles), dtype=bool)
    if filters.publisher:
        keep &= publisher_articles(articles, filters.publisher)
    if filters.dated:
        with np.errstate(invalid="ignore"):  # NaN (undated) compares False: outside
            dated = ~np.isnan(times)
            if filters.since is not None:
                dated &= times >= filters.since.timestamp()
            if filters.until is not None:
                dated &= times < filters.until.timestamp()
        keep &= dated
    return keep


def undated_left_out(filters: Filters, articles: Sequence[Article], times: np.ndarray) -> int:
    """How many articles a date filter left out only because their date is unknown."""
    if not filters.dated:
        return 0
    scope = Filters(publisher=filters.publisher)
    return int((article_mask(scope, articles, times) & np.isnan(times)).sum())
