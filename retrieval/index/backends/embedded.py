"""The embedded backend: the in-process BM25 index over the catalog's live chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.index.backends.base import ChunkRecord, FilterSpec, Ranked, TermStats, source_of
from retrieval.index.bm25 import BM25Index
from retrieval.index.catalog import ChunkTerms
from retrieval.models import Article, Chunk


@dataclass
class EmbeddedBackend:
    index: BM25Index
    articles: list[Article]
    chunks: list[Chunk]
    terms: ChunkTerms  # each chunk's indexed terms, for coverage without re-analysis
    mask_of: Callable[[FilterSpec], np.ndarray | None]  # filters as booleans over chunks

    @property
    def size(self) -> int:
        return self.index.size

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

    def top_k(self, terms: Sequence[str], k: int, filters: FilterSpec) -> Ranked:
        ids, scores = self.index.top_k(terms, k, self.mask_of(filters))
        return Ranked([self.record(int(i)) for i in ids], [float(s) for s in scores])

    def term_stats(self, terms: Sequence[str]) -> TermStats:
        return TermStats(self.index.size, {t: self.index.term_idf(t) for t in terms})

    def publishers(self) -> list[str]:
        return sorted({a.publisher for a in self.articles if a.publisher}, key=str.casefold)

    def refresh(self) -> None:
        """Nothing to reopen: the engine rebuilds an embedded index from the corpus."""
