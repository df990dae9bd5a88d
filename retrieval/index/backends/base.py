"""What every index backend answers: the one contract the engine reads any index through.

Ranking under filters, term statistics, the vocabulary and co-occurrence evidence
spelling correction weighs, listings (sources, the latest articles, undated
counts) and refreshing. The embedded index and the Xapian shards implement it;
tests/retrieval/index/backends/test_contract.py runs one suite against both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from retrieval.models import Article, Source
from retrieval.reading.dates import iso

Progress = Callable[[int, int, int], None]  # files done, files total, chunks so far


@dataclass(frozen=True)
class Filters:
    """Which chunks and articles a call may return; scores never depend on them.

    A backend compares `publisher` by its exact name, case aside (the engine resolves
    what a user typed to one name first). An article without a date is outside every
    date bound: its date is unknown, not "any".
    """

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


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as answering needs it: its text and where it came from."""

    id: int  # stable while the index is unchanged
    text: str
    article: object  # the article's identity (hashable): answers come from different articles
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
    """Chunks indexed, and each term's idf and document frequency (None / 0 when no
    chunk holds it)."""

    size: int
    idf: dict[str, float | None]
    df: dict[str, int]
    partial: bool = False


@dataclass(frozen=True)
class Topic:
    """What `latest` with a topic keeps: articles with a chunk that holds some of `terms`
    and that `covers` accepts (given the chunk's indexed terms), as an answer must."""

    terms: frozenset[str]
    covers: Callable[[frozenset[str]], bool]


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


def publisher_key(name: str) -> str:
    """How backends compare a publisher's name: trimmed, case folded."""
    return name.strip().casefold()


def article_times(articles: Sequence[Article]) -> np.ndarray:
    """Each article's date as a POSIX timestamp, NaN when unknown."""
    return np.fromiter(
        (a.date.timestamp() if a.date is not None else np.nan for a in articles),
        np.float64,
        len(articles),
    )


def article_mask(filters: Filters, articles: Sequence[Article], times: np.ndarray) -> np.ndarray:
    """Booleans over articles: inside every filter (`times` from article_times)."""
    keep = np.ones(len(articles), dtype=bool)
    if filters.publisher:
        wanted = publisher_key(filters.publisher)
        keep &= np.fromiter(
            (publisher_key(a.publisher) == wanted for a in articles), bool, len(articles)
        )
    if filters.dated:
        with np.errstate(invalid="ignore"):  # NaN (undated) compares False: outside
            dated = ~np.isnan(times)
            if filters.since is not None:
                dated &= times >= filters.since.timestamp()
            if filters.until is not None:
                dated &= times < filters.until.timestamp()
        keep &= dated
    return keep


def newest_first(times: np.ndarray, keep: np.ndarray) -> list[int]:
    """The kept dated articles' positions, newest first (equal dates in corpus order)."""
    dated = np.flatnonzero(keep & ~np.isnan(times))
    return dated[np.argsort(-times[dated], kind="stable")].tolist()


def held_weight(terms: Collection[str], weights: Mapping[str, float]) -> float:
    """The weight of `weights`' terms that `terms` holds, summed in `weights`' order
    (every backend sums it so, so the same chunk gives the same bits everywhere)."""
    held = 0.0
    for term, weight in weights.items():
        if term in terms:
            held += weight
    return held


class Backend(Protocol):
    """An index the engine answers from. Every method may be a network call except
    `size`; a backend that cannot reach part of its index says so (`partial`) or raises
    a UserError whose message is the reply."""

    @property
    def size(self) -> int:
        """Chunks indexed (as last seen: never a network call)."""
        ...

    # -- ranking and statistics --

    def top_k(self, terms: Sequence[str], k: int, filters: Filters) -> Ranked:
        """BM25Okapi's k best chunks with a positive score inside the filters, best first
        (equal scores in corpus order)."""
        ...

    def term_stats(self, terms: Sequence[str]) -> TermStats: ...

    # -- the evidence spelling correction weighs --

    def vocabulary(self) -> Sequence[str]:
        """Every indexed term (what a misspelt word is compared with)."""
        ...

    def cooccurrence(self, term: str, weights: Mapping[str, float]) -> float:
        """The most of `weights` (held_weight) one chunk holding `term` holds (0 when no
        chunk holds `term`)."""
        ...

    def indexed_texts(self, term: str, count: int) -> list[str]:
        """The indexed text (indexed_text) of up to `count` chunks holding `term`, the first
        in corpus order: how the corpus writes the term."""
        ...

    # -- listings --

    def publishers(self) -> list[str]:
        """Every publisher's name, sorted case-insensitively."""
        ...

    def sources(self, filters: Filters) -> list[tuple[Article, int]]:
        """The articles inside the filters, in corpus order, with their chunk counts."""
        ...

    def latest(self, count: int, filters: Filters, topic: Topic | None) -> list[Article]:
        """The `count` newest dated articles inside the filters (and about `topic`),
        newest first, equal dates in corpus order."""
        ...

    def undated(self, publisher: str | None, topic: Topic | None = None) -> int:
        """Articles (from `publisher`, when given, and about `topic`) without a date."""
        ...

    # -- freshness --

    def refreshed(self, progress: Progress | None = None) -> Backend | None:
        """A new backend when the index changed and must be rebuilt (the old one serves
        until it is swapped in), or None: unchanged, or picked up in place."""
        ...
