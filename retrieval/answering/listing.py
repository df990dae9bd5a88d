"""Listing and filtering articles: publishers, sources, the latest news, undated counts.

What a user typed as a publisher is resolved here to one of the backend's
names; the backend lists and filters by that name.
"""

from __future__ import annotations

from retrieval.answering.asking import analysed
from retrieval.answering.filters import Filters, resolve_publisher, resolved
from retrieval.answering.names import match_names
from retrieval.answering.snippets import coverage
from retrieval.index.backends.base import Backend, Topic
from retrieval.models import Article


def publisher_matches(backend: Backend, typed: str) -> list[str]:
    """The publishers a user most likely means by what they typed (case, a leading
    "The" and small typos do not matter): what autocomplete offers."""
    return match_names(typed, backend.publishers())


def resolve(backend: Backend, typed: str) -> str:
    """The one publisher meant, or UnknownPublisherError listing the choices."""
    return resolve_publisher(typed, backend.publishers())


def sources(backend: Backend, filters: Filters | str | None) -> list[tuple[Article, int]]:
    """Indexed articles inside the filters (in corpus order) with their chunk counts."""
    return backend.sources(resolved(filters, backend.publishers))


def latest(
    backend: Backend,
    min_coverage: float,
    topic: str | None,
    count: int,
    filters: Filters | str | None,
) -> list[Article]:
    """The newest dated articles inside the filters, newest first; with a topic, only
    articles with a passage that covers it as an answer must (`min_coverage`)."""
    filters = resolved(filters, backend.publishers)
    return backend.latest(count, filters, _topic(backend, topic, min_coverage))


def _topic(backend: Backend, topic: str | None, min_coverage: float) -> Topic | None:
    """A topic as `latest` keeps it: a passage holding its terms that covers it."""
    if not topic:
        return None
    query = analysed(backend, topic)
    return Topic(
        frozenset(query.terms) - query.unseen,
        lambda terms: coverage(query, terms) >= min_coverage,
    )


def undated(
    backend: Backend,
    filters: Filters | str | None = None,
    topic: str | None = None,
    min_coverage: float = 0.0,
) -> int:
    """Undated articles inside the publisher filter (and about `topic`, as `latest` reads
    it): what `latest` and any date filter leave out."""
    publisher = resolved(filters, backend.publishers).publisher
    return backend.undated(publisher, _topic(backend, topic, min_coverage))


def undated_left_out(backend: Backend, filters: Filters | str | None) -> int:
    """How many undated articles a date filter left out (replies say so)."""
    if not isinstance(filters, Filters) or not filters.dated:
        return 0
    return undated(backend, filters)
