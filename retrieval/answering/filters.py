"""Which articles a question may be answered from: one publisher, a date range, or both.

What a user typed becomes a `Filters` value (index/backends/base.py) whose
publisher is one known name: "guardian" is resolved to "The Guardian" here,
against the backend's publishers, before any backend sees it. Backends apply
filters while ranking: scores never change with them, so the top k under a
filter are exactly the top k of the unfiltered ranking cut by it. An article
without a date is outside every date filter (its date is unknown, not "any").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from retrieval.answering.names import match_names
from retrieval.answering.question import QuestionError
from retrieval.index.backends.base import NO_FILTERS, Filters
from retrieval.reading.dates import parse_bound

__all__ = [
    "NO_FILTERS",
    "FilterError",
    "Filters",
    "UnknownPublisherError",
    "as_filters",
    "parse_filters",
    "resolve_publisher",
    "resolved",
]


class UnknownPublisherError(QuestionError):
    pass


class FilterError(QuestionError):
    """A date bound the engine cannot read; the message shows what it accepts."""


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


def resolved(value: Filters | str | None, names: Callable[[], Sequence[str]]) -> Filters:
    """The filters with their publisher resolved to one of `names()` (the backend's,
    asked for only when there is a publisher to resolve)."""
    filters = as_filters(value)
    if not filters.publisher:
        return filters
    return replace(filters, publisher=resolve_publisher(filters.publisher, names()))
