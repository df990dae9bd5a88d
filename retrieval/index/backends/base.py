"""What every index backend answers: top chunks under filters, term statistics, records."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from retrieval.models import Article, Source


class FilterSpec(Protocol):
    """Which chunks a query may return (answering's Filters); scores never depend on it.

    An article without a date is outside every date bound.
    """

    @property
    def publisher(self) -> str | None: ...  # compared case-insensitively

    @property
    def since(self) -> datetime | None: ...  # inclusive

    @property
    def until(self) -> datetime | None: ...  # exclusive


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as answering needs it: its text and where it came from."""

    id: int  # stable while the index is unchanged
    text: str
    article: Hashable  # the article's identity: answers come from different articles
    headline: str
    source: Source
    terms: frozenset[str]  # the chunk's indexed terms (text and headline)
    section: str = ""  # the sub-heading the chunk sits under
    paragraph: int = 0  # the article's first paragraph the chunk covers: neighbours are near


@dataclass(frozen=True)
class Ranked:
    """The best chunks, best first, with BM25Okapi's scores."""

    chunks: list[ChunkRecord]
    scores: list[float]
    partial: bool = False  # part of the index did not answer


@dataclass(frozen=True)
class TermStats:
    """Chunks indexed, and each term's idf (None when no chunk holds it)."""

    size: int
    idf: dict[str, float | None]
    partial: bool = False


def source_of(article: Article) -> Source:
    return Source(
        headline=article.headline,
        publisher=article.publisher or None,
        published=article.published or None,
        file=article.file,
        url=article.url or None,
        date=article.date,
        date_precision=article.date_precision,
        author=article.author or None,
    )


class Backend(Protocol):
    @property
    def size(self) -> int:
        """Chunks indexed (as last seen: never a network call)."""
        ...

    def top_k(self, terms: Sequence[str], k: int, filters: FilterSpec) -> Ranked: ...

    def term_stats(self, terms: Sequence[str]) -> TermStats: ...

    def publishers(self) -> list[str]: ...

    def refresh(self) -> None:
        """Pick up what the indexer wrote since the backend was opened (if it can)."""
        ...
