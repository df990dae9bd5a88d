"""The embedded backend: the in-process BM25 index over a corpus folder's live chunks."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.config import Config
from retrieval.index.backends import loading
from retrieval.index.backends.base import (
    ChunkRecord,
    Filters,
    Progress,
    Ranked,
    TermStats,
    Topic,
    article_mask,
    article_times,
    newest_first,
    source_of,
)
from retrieval.index.backends.loading import CorpusIndex
from retrieval.index.catalog import Catalog
from retrieval.index.live import LiveIndex, SegmentTerms
from retrieval.models import Article, Chunk, Skipped
from retrieval.text.analysis import indexed_text


@dataclass
class EmbeddedBackend:
    """The Backend contract over one CorpusIndex (see base.Backend for each method)."""

    config: Config
    corpus: CorpusIndex

    @classmethod
    def open(cls, config: Config, progress: Progress | None = None) -> EmbeddedBackend:
        return cls(config, loading.load(config, progress))

    @classmethod
    def from_articles(cls, articles: Sequence[Article], config: Config) -> EmbeddedBackend:
        return cls(config, loading.from_articles(articles, config))

    # -- what tests and the indexer read directly --

    @property
    def articles(self) -> Sequence[Article]:
        return self.corpus.articles

    @property
    def chunks(self) -> Sequence[Chunk]:
        return self.corpus.chunks

    @property
    def index(self) -> LiveIndex:
        return self.corpus.index

    @property
    def terms(self) -> SegmentTerms:
        return self.corpus.terms

    @property
    def catalog(self) -> Catalog | None:
        return self.corpus.catalog

    @property
    def skipped(self) -> list[Skipped]:
        return self.corpus.skipped

    @property
    def size(self) -> int:
        return self.index.size

    # -- filters as booleans --

    @functools.cached_property
    def _times(self) -> np.ndarray:
        return article_times(self.articles)

    @functools.cached_property
    def _chunk_articles(self) -> np.ndarray:
        """Each chunk's article (article filters become chunk filters)."""
        return self.corpus.chunks.article_ids

    def _articles_inside(self, filters: Filters) -> np.ndarray:
        return article_mask(filters, self.articles, self._times)

    def chunk_mask(self, filters: Filters) -> np.ndarray | None:
        """Booleans over chunks inside every filter; None when nothing is filtered."""
        if not filters.any:
            return None
        return self._articles_inside(filters)[self._chunk_articles]

    # -- ranking and statistics --

    def record(self, chunk_id: int) -> ChunkRecord:
        chunk = self.chunks[chunk_id]
        article = self.articles[chunk.article]
        return ChunkRecord(
            chunk_id,
            chunk.text,
            chunk.article,
            article.headline,
            source_of(article),
            self.terms.of(chunk_id),
            article.section(chunk.paragraph),
            chunk.paragraph,
        )

    def top_k(self, terms: Sequence[str], k: int, filters: Filters) -> Ranked:
        ids, scores = self.index.top_k(terms, k, self.chunk_mask(filters))
        return Ranked([self.record(int(i)) for i in ids], [float(s) for s in scores])

    def term_stats(self, terms: Sequence[str]) -> TermStats:
        idf, df = self.index.term_figures(terms)
        return TermStats(
            self.index.size, dict(zip(terms, idf, strict=True)), dict(zip(terms, df, strict=True))
        )

    # -- spelling evidence --

    def _postings(self, term: str) -> np.ndarray:
        if self.index.term_idf(term) is None:
            return np.zeros(0, dtype=np.int64)
        return self.index.postings(term)

    def vocabulary(self) -> Sequence[str]:
        return self.index.terms

    def cooccurrence(self, term: str, weights: Mapping[str, float]) -> float:
        ids = self._postings(term)
        if not ids.size:
            return 0.0
        held = np.zeros(ids.size)  # base.held_weight per chunk: the same sums in the same order
        for other, weight in weights.items():
            held += weight * np.isin(ids, self._postings(other), assume_unique=True)
        return float(held.max())

    def indexed_texts(self, term: str, count: int) -> list[str]:
        out = []
        for chunk_id in self._postings(term)[:count].tolist():
            chunk = self.chunks[chunk_id]
            article = self.articles[chunk.article]
            out.append(indexed_text(chunk.text, article.headline, article.section(chunk.paragraph)))
        return out

    # -- listings --

    def publishers(self) -> list[str]:
        return sorted({a.publisher for a in self.articles if a.publisher}, key=str.casefold)

    def sources(self, filters: Filters) -> list[tuple[Article, int]]:
        per_article = np.bincount(self._chunk_articles, minlength=len(self.articles))
        keep = self._articles_inside(filters)
        return [(self.articles[i], int(per_article[i])) for i in np.flatnonzero(keep).tolist()]

    def latest(self, count: int, filters: Filters, topic: Topic | None) -> list[Article]:
        order = newest_first(self._times, self._articles_inside(filters))
        if topic is None:
            return [self.articles[i] for i in order[:count]]
        return [self.articles[i] for i in self._about(order, topic, count)]

    def _about(self, order: list[int], topic: Topic, count: int | None = None) -> list[int]:
        """The articles of `order` (in that order, at most `count`) with a chunk covering
        the topic. Only chunks holding a topic term can cover it: only those are read."""
        parts = [self._postings(t) for t in topic.terms]
        held = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        owners = self._chunk_articles[held]
        by_owner = np.argsort(owners, kind="stable")
        held, owners = held[by_owner], owners[by_owner]
        candidates = np.asarray(order, dtype=np.int64)
        candidates = candidates[np.isin(candidates, owners)]
        found = []
        for i in candidates.tolist():
            a, b = np.searchsorted(owners, [i, i + 1])
            if any(topic.covers(self.terms.of(c)) for c in held[a:b].tolist()):
                found.append(i)
                if len(found) == count:
                    break
        return found

    def undated(self, publisher: str | None, topic: Topic | None = None) -> int:
        keep = self._articles_inside(Filters(publisher=publisher)) & np.isnan(self._times)
        if topic is None:
            return int(keep.sum())
        return len(self._about(np.flatnonzero(keep).tolist(), topic))

    def refreshed(self, progress: Progress | None = None) -> EmbeddedBackend | None:
        new = loading.refreshed(self.corpus, self.config, progress)
        return None if new is None else EmbeddedBackend(self.config, new)

    def settle(self) -> None:
        """Wait for the background merges this process started (before a command exits)."""
        loading.settle()
