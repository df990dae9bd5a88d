"""The embedded index of a corpus folder: a live, segmented index kept in step with it.

The saved index (index.path, when index.persist is on) is mapped when it matches
the settings; only files added, changed or removed since are read again, as one
new segment plus deletions (retrieval/index/upkeep.py). The backend above sees
compact chunk and article ids and never knows the index is segmented.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.config import Config
from retrieval.index import upkeep
from retrieval.index.backends.base import Progress
from retrieval.index.bm25 import BM25Params
from retrieval.index.catalog import Catalog
from retrieval.index.live import ArticleView, ChunkView, LiveIndex, SegmentTerms
from retrieval.models import Article, Skipped
from retrieval.reading.ingest import no_articles

log = logging.getLogger("newsbot.index")


@dataclass(frozen=True)
class CorpusIndex:
    """The live (de-duplicated) articles and chunks of a corpus, and their BM25 index."""

    index: LiveIndex
    folder: bool = True  # False: articles given in memory, no folder to re-read

    @property
    def articles(self) -> ArticleView:
        return self.index.articles

    @property
    def chunks(self) -> ChunkView:
        return self.index.chunks

    @property
    def terms(self) -> SegmentTerms:
        """Each chunk's indexed terms, for coverage without re-analysis."""
        return self.index.chunk_terms

    @property
    def catalog(self) -> Catalog | None:
        """The corpus as one whole Catalog (what the shard writer syncs from)."""
        return self.index.catalog() if self.folder else None

    @property
    def skipped(self) -> list[Skipped]:
        return self.index.skipped


def params(config: Config) -> BM25Params:
    return upkeep.params_of(config)


def from_articles(articles: Sequence[Article], config: Config) -> CorpusIndex:
    """An index over articles in memory (no corpus folder, nothing saved)."""
    return CorpusIndex(upkeep.in_memory(articles, config), folder=False)


def load(config: Config, progress: Progress | None = None) -> CorpusIndex:
    """The saved index when it matches the settings, brought up to date with the corpus.

    CorpusError when the corpus is gone or nothing in it is readable.
    """
    return _assemble(config, upkeep.open_index(config, progress))


def refreshed(
    previous: CorpusIndex, config: Config, progress: Progress | None = None
) -> CorpusIndex | None:
    """A new index when corpus files were added, changed or removed (or a background
    merge was committed); else None. Articles given in memory: always None."""
    if not previous.folder:
        return None
    fresh = upkeep.refresh(previous.index, config, progress)
    return None if fresh is None else _assemble(config, fresh)


def settle() -> None:
    """Wait for background merges this process started (before a command exits)."""
    upkeep.settle()


def _assemble(config: Config, live: LiveIndex) -> CorpusIndex:
    skipped = live.skipped
    if not live.size:
        raise no_articles(config.corpus, len(live.files), skipped)
    log.info(
        "%d articles, %d chunks in %d segments from %s (%d skipped)",
        len(live.articles),
        live.size,
        len(live.segments),
        config.corpus,
        len(skipped),
    )
    return CorpusIndex(live)
