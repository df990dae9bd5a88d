"""The embedded index of a corpus folder: read (incrementally), built, saved and reloaded.

The saved index (index.path, when index.persist is on) is loaded when it matches
the corpus and the settings; only files added, changed or removed since are read
again, and the BM25 index is then rebuilt from the forward index alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.config import Config
from retrieval.index import store
from retrieval.index.backends.base import Progress
from retrieval.index.bm25 import BM25Index, BM25Params, Forward
from retrieval.index.catalog import Catalog, ChunkTerms, analyze_articles, update
from retrieval.models import Article, Chunk, Skipped
from retrieval.reading.ingest import no_articles

log = logging.getLogger("newsbot.index")


@dataclass(frozen=True)
class CorpusIndex:
    """The live (de-duplicated) articles and chunks of a corpus, and their BM25 index."""

    articles: list[Article]
    chunks: list[Chunk]
    index: BM25Index
    terms: ChunkTerms  # each chunk's indexed terms, for coverage without re-analysis
    catalog: Catalog | None = None  # what was read from the folder (None: articles given)

    @property
    def skipped(self) -> list[Skipped]:
        return self.catalog.skipped if self.catalog is not None else []


def params(config: Config) -> BM25Params:
    p = config.bm25
    return BM25Params(p.k1, p.b, p.epsilon)


def from_articles(articles: Sequence[Article], config: Config) -> CorpusIndex:
    """An index over articles in memory (no corpus folder, nothing saved)."""
    chunks, terms = analyze_articles(articles, config.chunking)
    vocabulary: dict[str, int] = {}
    forward = Forward.from_docs(terms, vocabulary)
    index = BM25Index.from_forward(forward, list(vocabulary), params(config))
    rows = np.arange(len(chunks), dtype=np.int64)
    return CorpusIndex(list(articles), chunks, index, ChunkTerms(forward, rows, list(vocabulary)))


def load(config: Config, progress: Progress | None = None) -> CorpusIndex:
    """The saved index when it matches the corpus; else (re)built from what changed.

    CorpusError when the corpus is gone or nothing in it is readable.
    """
    catalog, index = None, None
    saved = store.location(config.index.path, config.corpus)
    if config.index.persist and store.exists(saved):
        try:
            catalog, index = store.load(saved, config.index_settings())
        except store.StoreError as exc:
            log.warning("building the index anew: %s", exc)
    catalog, changed = _read(config, catalog, progress)
    return _assemble(config, catalog, None if changed else index)


def refreshed(
    previous: CorpusIndex, config: Config, progress: Progress | None = None
) -> CorpusIndex | None:
    """A new index when corpus files were added, changed or removed; else None.

    An index over articles given in memory has no folder to re-read: always None.
    """
    if previous.catalog is None:
        return None
    catalog, changed = _read(config, previous.catalog, progress)
    return _assemble(config, catalog, None) if changed else None


def _read(
    config: Config, catalog: Catalog | None, progress: Progress | None
) -> tuple[Catalog, bool]:
    """The corpus' catalog now, re-reading only what changed since `catalog`."""
    return update(
        config.corpus,
        config.chunking,
        catalog,
        config.index.workers,
        progress,
        config.corpus_allow_outside,
        config.index.memory_mb,
    )


def _assemble(config: Config, catalog: Catalog, index: BM25Index | None) -> CorpusIndex:
    """The index over a catalog's live articles; built (and saved) if needed."""
    articles, chunks, rows = catalog.live()
    if not chunks:
        raise no_articles(config.corpus, len(catalog.files), catalog.skipped)
    if index is None:
        forward = catalog.forward.select(rows)
        index = BM25Index.from_forward(
            forward, catalog.vocabulary, params(config), config.index.memory_mb
        )
        if config.index.persist:
            saved = store.location(config.index.path, config.corpus)
            try:
                store.save(saved, catalog, index, config.index_settings())
            except OSError as exc:
                log.warning("could not save the index to %s: %s", saved, exc)
    log.info(
        "%d articles, %d chunks from %s (%d skipped)",
        len(articles),
        len(chunks),
        config.corpus,
        len(catalog.skipped),
    )
    terms = ChunkTerms(catalog.forward, rows, catalog.vocabulary)
    return CorpusIndex(articles, chunks, index, terms, catalog)
