"""The engine cli/ and bot/ hold: one backend, opened from the config, asked through one API.

Where each call goes: asking.py (analyse, search, ask), listing.py (publishers,
sources, latest, undated counts), index/backends/opening.py (which backend, and
how it is loaded and refreshed). The engine itself tells no backend from another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.answering import asking, listing
from retrieval.answering.filters import Filters, UnknownPublisherError, as_filters, resolved
from retrieval.answering.question import Query, QuestionError
from retrieval.config import Config
from retrieval.index.backends import opening
from retrieval.index.backends.base import Backend, Progress, source_of
from retrieval.models import Article, Hit, Reply

if TYPE_CHECKING:  # xapian is optional: imported only when shards are used
    from retrieval.index.backends.shards.writer import ShardReport

__all__ = ["Engine", "Filters", "QuestionError", "UnknownPublisherError", "source_of"]


@dataclass
class Engine:
    """Answers over an index backend (the embedded index or Xapian shards)."""

    config: Config
    backend: Backend

    @classmethod
    def from_config(cls, config: Config, progress: Progress | None = None) -> Engine:
        """The configured backend: the saved embedded index when it matches the corpus
        (re-reading only what changed), or the shards (reading no corpus)."""
        return cls(config, opening.open_backend(config, progress))

    @classmethod
    def from_articles(cls, articles: Sequence[Article], config: Config) -> Engine:
        """An engine over articles in memory (no corpus folder, nothing saved)."""
        return cls(config, opening.in_memory(articles, config))

    def refreshed(self, progress: Progress | None = None) -> Engine | None:
        """A new engine when the index changed and was rebuilt; else None (unchanged, or
        picked up in place). CorpusError when the corpus is gone or unreadable."""
        backend = self.backend.refreshed(progress)
        return None if backend is None else Engine(self.config, backend)

    @property
    def size(self) -> int:
        """Chunks served (as last seen)."""
        return self.backend.size

    # -- a question --

    def analyse(self, text: str) -> Query:
        """The question analysed once against this index, its typos corrected where the
        corpus supports it; QuestionError if unusable."""
        return asking.analysed(self.backend, text)

    def search(
        self, question: str | Query, top: int = 5, filters: Filters | str | None = None
    ) -> list[Hit]:
        """Ranked passages for a query, best first (BM25 alone, whatever the words)."""
        query = asking.as_query(self.backend, question)
        return asking.search(self.backend, query, top, self._resolved(filters))

    def ask(self, question: str | Query, filters: Filters | str | None = None) -> Reply:
        """Answer with extractive snippets from different articles, or abstain."""
        return asking.ask(self.backend, self.config.answers, question, self._resolved(filters))

    def _resolved(self, filters: Filters | str | None) -> Filters:
        return resolved(filters, self.backend.publishers)

    # -- listings --

    def publishers(self) -> list[str]:
        return self.backend.publishers()

    def publisher_matches(self, typed: str) -> list[str]:
        return listing.publisher_matches(self.backend, typed)

    def resolve_publisher(self, typed: str) -> str:
        return listing.resolve(self.backend, typed)

    def sources(self, filters: Filters | str | None = None) -> list[tuple[Article, int]]:
        return listing.sources(self.backend, filters)

    def latest(
        self, topic: str | None = None, count: int = 10, filters: Filters | str | None = None
    ) -> list[Article]:
        min_coverage = self.config.answers.min_coverage
        return listing.latest(self.backend, min_coverage, topic, count, filters)

    def texts(self) -> Sequence[Article]:
        """Every live article with its full text (digests and alerts read whole articles);
        over shards, read from the corpus folder."""
        return opening.articles_with_text(self.backend, self.config)

    def undated(self, filters: Filters | str | None = None, topic: str | None = None) -> int:
        """Undated articles inside the publisher filter (and on `topic`, as `latest` reads
        it): the ones `latest` cannot list."""
        min_coverage = self.config.answers.min_coverage
        return listing.undated(self.backend, filters, topic, min_coverage)

    def undated_left_out(self, filters: Filters | str | None) -> int:
        return listing.undated_left_out(self.backend, as_filters(filters))


def write_shards(
    config: Config, progress: Progress | None = None
) -> tuple[Engine, list[ShardReport]]:
    """`newsbot index --backend xapian`: the corpus read, the shards synced; the engine
    over the embedded index that recorded what was read."""
    embedded, reports = opening.write_shards(config, progress)
    return Engine(config, embedded), reports
