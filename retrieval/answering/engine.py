"""The question-answering engine: corpus in, ranked passages and answers out."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answering.correction import correct
from retrieval.answering.filters import (
    Filters,
    UnknownPublisherError,
    article_mask,
    article_times,
    as_filters,
    resolve_publisher,
    undated_left_out,
)
from retrieval.answering.freshness import freshen, topic_of, wants_recent
from retrieval.answering.names import match_names
from retrieval.answering.question import Query, QuestionError, analyse, check_text
from retrieval.answering.selection import choose, stands_alone
from retrieval.answering.snippets import Candidate, best_snippet, coverage
from retrieval.config import Config, ConfigError
from retrieval.index import store
from retrieval.index.backends.base import Backend, ChunkRecord, Ranked, source_of
from retrieval.index.backends.embedded import EmbeddedBackend
from retrieval.index.bm25 import BM25Index, BM25Params, Forward
from retrieval.index.catalog import Catalog, ChunkTerms, Progress, analyze_articles, update
from retrieval.models import Answer, Article, Chunk, Hit, Reply, Skipped
from retrieval.reading.ingest import no_articles
from retrieval.text.analysis import indexed_text, spans

if TYPE_CHECKING:  # xapian is optional: imported only when shards are used
    from retrieval.index.backends.shards.writer import ShardReport

log = logging.getLogger("newsbot.engine")

__all__ = ["Engine", "Filters", "QuestionError", "UnknownPublisherError", "source_of"]
NO_SHARDS = "config key 'backend': xapian needs the xapian extra (pip install 'newsbot[xapian]')"


def _params(config: Config) -> BM25Params:
    p = config.bm25
    return BM25Params(p.k1, p.b, p.epsilon)


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


def _open_shards(config: Config) -> Backend:
    """The Xapian backend over the configured shards (the optional `xapian` extra)."""
    try:
        from retrieval.index.backends.shards.search import ShardSet, XapianBackend
        from retrieval.index.backends.shards.writer import Timeouts
    except ImportError:
        raise ConfigError(NO_SHARDS) from None
    x = config.xapian
    timeouts = Timeouts(x.connect_timeout_seconds, x.timeout_seconds)
    backend = XapianBackend(ShardSet(x.addresses(), timeouts, x.retry_seconds), _params(config))
    backend.refresh()  # connects; a shard that is down is retried on later queries
    return backend


def write_shards(
    config: Config, progress: Progress | None = None
) -> tuple[Engine, list[ShardReport]]:
    """`newsbot index --backend xapian`: read the corpus (incrementally), then sync the shards.

    The embedded engine over the corpus is this machine's record of what was read
    (saved under index.path when index.persist is on); the shards get its live chunks.
    """
    try:
        from retrieval.index.backends.shards.writer import Timeouts, sync
    except ImportError:
        raise ConfigError(NO_SHARDS) from None
    engine = Engine.from_config(dataclasses.replace(config, backend="embedded"), progress)
    x = config.xapian
    settings = store.fingerprint({"chunking": dataclasses.asdict(config.chunking)})
    timeouts = Timeouts(x.connect_timeout_seconds, x.timeout_seconds)
    return engine, sync(x.addresses(), engine.catalog, settings, timeouts)


@dataclass
class Engine:
    """Answers over an index backend: the embedded BM25 index over `articles` and
    `chunks`, or Xapian shards (`shards`; then the corpus fields are empty). Ranking
    goes through the backend's records either way; analysis, answers and abstention
    are one code path."""

    config: Config
    articles: list[Article]
    chunks: list[Chunk]
    index: BM25Index | None
    terms: ChunkTerms | None  # each chunk's indexed terms, for coverage without re-analysis
    skipped: list[Skipped] = field(default_factory=list)
    catalog: Catalog | None = None  # what was read from the corpus, for cheap refreshes
    shards: Backend | None = None  # backend: xapian

    @functools.cached_property
    def backend(self) -> Backend:
        if self.shards is not None:
            return self.shards
        return EmbeddedBackend(self.index, self.articles, self.chunks, self.terms, self.filter_mask)

    @property
    def size(self) -> int:
        """Chunks served (as last seen)."""
        return self.backend.size

    def _not_over_shards(self, what: str) -> None:
        """QuestionError naming a feature the sharded backend does not offer yet."""
        if self.shards is not None:
            raise QuestionError(f"{what} is not available with backend: xapian yet.")

    @classmethod
    def from_articles(cls, articles: Sequence[Article], config: Config) -> Engine:
        """An engine over articles in memory (no corpus folder, nothing saved)."""
        chunks, terms = analyze_articles(articles, config.chunking)
        vocabulary: dict[str, int] = {}
        forward = Forward.from_docs(terms, vocabulary)
        index = BM25Index.from_forward(forward, list(vocabulary), _params(config))
        rows = np.arange(len(chunks), dtype=np.int64)
        terms = ChunkTerms(forward, rows, list(vocabulary))
        return cls(config, list(articles), chunks, index, terms)

    @classmethod
    def from_config(cls, config: Config, progress: Progress | None = None) -> Engine:
        """Load the saved index when it matches the corpus; re-read only what changed.

        With `backend: xapian` the engine serves from the shards and reads no corpus.
        """
        if config.backend == "xapian":
            return cls(config, [], [], None, None, shards=_open_shards(config))
        catalog, index = None, None
        saved = store.location(config.index.path, config.corpus)
        if config.index.persist and store.exists(saved):
            try:
                catalog, index = store.load(saved, config.index_settings())
            except store.StoreError as exc:
                log.warning("building the index anew: %s", exc)
        catalog, changed = _read(config, catalog, progress)
        return cls._assemble(config, catalog, None if changed else index)

    def refreshed(self, progress: Progress | None = None) -> Engine | None:
        """A new engine when corpus files were added, changed or removed; else None.

        CorpusError when the corpus is gone or nothing in it is readable any more.
        Shards are reopened in place instead: the indexer writes them.
        """
        if self.shards is not None:
            self.shards.refresh()
            return None
        catalog, changed = _read(self.config, self.catalog, progress)
        return self._assemble(self.config, catalog, None) if changed else None

    @classmethod
    def _assemble(cls, config: Config, catalog: Catalog, index: BM25Index | None) -> Engine:
        """The engine over a catalog's live articles; builds (and saves) the index if needed.

        CorpusError when nothing in the corpus could be read.
        """
        articles, chunks, rows = catalog.live()
        if not chunks:
            raise no_articles(config.corpus, len(catalog.files), catalog.skipped)
        if index is None:
            forward = catalog.forward.select(rows)
            index = BM25Index.from_forward(
                forward, catalog.vocabulary, _params(config), config.index.memory_mb
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
        return cls(config, articles, chunks, index, terms, catalog.skipped, catalog)

    # -- queries -------------------------------------------------------------------------

    def publishers(self) -> list[str]:
        return self.backend.publishers()

    def publisher_matches(self, typed: str) -> list[str]:
        """The publishers a user most likely means by what they typed (case, a leading
        "The" and small typos do not matter): what autocomplete offers."""
        return match_names(typed, self.publishers())

    def resolve_publisher(self, typed: str) -> str:
        """The one publisher meant, or UnknownPublisherError listing the choices."""
        return resolve_publisher(typed, self.publishers())

    # -- filters (publisher, dates) as one chunk mask ----------------------------------------

    @functools.cached_property
    def _article_times(self) -> np.ndarray:
        """Each article's date as a timestamp (NaN when unknown), for date filters."""
        return article_times(self.articles)

    @functools.cached_property
    def _chunk_articles(self) -> np.ndarray:
        """Each chunk's article, as an array (article filters become chunk filters)."""
        return np.fromiter((c.article for c in self.chunks), np.int64, len(self.chunks))

    def filter_mask(self, filters: Filters | str | None) -> np.ndarray | None:
        """Booleans over chunks inside every filter; None when nothing is filtered.

        UnknownPublisherError names the publishers there are.
        """
        filters = as_filters(filters)
        if not filters.any:
            return None
        return article_mask(filters, self.articles, self._article_times)[self._chunk_articles]

    def undated_left_out(self, filters: Filters | str | None) -> int:
        """How many undated articles a date filter left out (replies say so)."""
        if self.shards is not None:
            return 0  # not counted over shards
        return undated_left_out(as_filters(filters), self.articles, self._article_times)

    def sources(self, filters: Filters | str | None = None) -> list[tuple[Article, int]]:
        """Indexed articles inside the filters (in corpus order) with their chunk counts."""
        if self.shards is not None:
            filters = as_filters(filters)
            if filters.dated:
                self._not_over_shards("A date filter on sources")
            publisher = filters.publisher and self.resolve_publisher(filters.publisher)
            return self.shards.sources(publisher)
        keep = article_mask(as_filters(filters), self.articles, self._article_times)
        per_article = Counter(c.article for c in self.chunks)
        return [(self.articles[i], per_article[i]) for i in np.flatnonzero(keep).tolist()]

    def latest(
        self, topic: str | None = None, count: int = 10, filters: Filters | str | None = None
    ) -> list[Article]:
        """The newest dated articles inside the filters, newest first; with a topic, only
        articles with a passage that covers it (as an answer must)."""
        self._not_over_shards("latest")
        keep = self._on_topic(topic, filters, dated=True)
        order = sorted(np.flatnonzero(keep).tolist(), key=lambda i: -self._article_times[i])
        return [self.articles[i] for i in order[:count]]

    def undated_on(self, topic: str | None = None, filters: Filters | str | None = None) -> int:
        """How many articles `latest` left out only for having no date: those inside the
        filters' publisher that cover the topic (all of them without one)."""
        if self.shards is not None:
            return 0  # not counted over shards
        scope = Filters(publisher=as_filters(filters).publisher)
        return int(self._on_topic(topic, scope, dated=False).sum())

    def _on_topic(
        self, topic: str | None, filters: Filters | str | None, dated: bool
    ) -> np.ndarray:
        """Booleans over articles: inside the filters, dated (or undated), and with a
        passage that covers the topic, as an answer must."""
        keep = article_mask(as_filters(filters), self.articles, self._article_times)
        keep &= np.isnan(self._article_times) != dated
        if topic:
            query = self.analyse(topic)  # QuestionError for a topic it cannot use
            mask = keep[self._chunk_articles]
            if not mask.any():
                return keep
            ids, _ = self.index.top_k(query.terms, int(mask.sum()), mask)
            covering = {
                self.chunks[i].article
                for i in ids.tolist()
                if coverage(query, self.terms.of(i)) >= self.config.answers.min_coverage
            }
            keep &= np.isin(np.arange(len(self.articles)), list(covering))
        return keep

    def analyse(self, text: str) -> Query:
        """The question analysed once against this index, its typos corrected where the
        corpus supports it; QuestionError if unusable."""
        if self.shards is not None:  # one round of statistics; no spelling correction
            stats = self.shards.term_stats([t for t, _, _ in spans(check_text(text))])
            return analyse(text, stats.idf.get, stats.size)
        query = analyse(text, self.index.term_idf, self.index.size)
        return correct(query, self.index, self._indexed_text)

    def _indexed_text(self, chunk_id: int) -> str:
        """The text a chunk's terms were indexed from: its own, its headline and section."""
        chunk = self.chunks[chunk_id]
        article = self.articles[chunk.article]
        return indexed_text(chunk.text, article.headline, article.section(chunk.paragraph))

    def _query(self, question: str | Query) -> Query:
        return question if isinstance(question, Query) else self.analyse(question)

    def search(
        self, question: str | Query, top: int = 5, filters: Filters | str | None = None
    ) -> list[Hit]:
        """Ranked passages for a query, best first (BM25 alone, whatever the words)."""
        query = self._query(question)
        ranked = self._rank(query, top, filters)
        return [
            Hit(r.id, s, r.text, r.source, ranked.partial)
            for r, s in zip(ranked.chunks, ranked.scores, strict=True)
        ]

    def _rank(self, query: Query, k: int, filters: Filters | str | None) -> Ranked:
        """The backend's top k chunks under the filters (publisher names resolved first)."""
        filters = as_filters(filters)
        if filters.publisher and self.shards is not None:  # shards match the exact name
            filters = replace(filters, publisher=self.resolve_publisher(filters.publisher))
        return self.backend.top_k(query.terms, k, filters)

    def ask(self, question: str | Query, filters: Filters | str | None = None) -> Reply:
        """Answer with extractive snippets from different articles, or abstain.

        A question that asks for the latest news is searched without its recency
        words, and its answers are ranked newer first (see freshness). A reply to a
        corrected question says how it was read.
        """
        recent = isinstance(question, str) and wants_recent(question)
        if recent:
            try:
                topic = self.analyse(topic_of(question))
            except QuestionError:
                raise QuestionError(
                    "Name what you want the latest on, for example: what is the latest on the "
                    "night trams? (For the newest articles on anything, use latest.)"
                ) from None
            question = replace(topic, text=question.strip())
        query = self._query(question)
        reply = self._answer(query, filters, recent)
        if query.corrected is None:
            return reply
        return replace(reply, corrected=query.corrected, corrected_marks=query.corrected_marks)

    def _answer(self, query: Query, filters: Filters | str | None, recent: bool) -> Reply:
        """The answers to an analysed question (newer first when `recent`), or why none."""
        cfg = self.config.answers
        ranked = self._rank(query, cfg.candidates, filters)
        records: dict[int, ChunkRecord] = {r.id: r for r in ranked.chunks}
        candidates = [
            Candidate(r.id, r.article, s, r.text, r.headline, r.terms)
            for r, s in zip(ranked.chunks, ranked.scores, strict=True)
        ]
        strong = [c for c in candidates if coverage(query, c.terms) >= cfg.min_coverage]
        if not strong or query.unseen_share >= cfg.max_unseen:
            reason = abstain_reason(query, candidates)
            return Reply(
                query.text, False, reason=reason, partial=ranked.partial, missing=query.missing
            )
        top = strong[0].score
        headlines: dict[Hashable, frozenset[str]] = {}
        snippets = []
        for c in strong:
            if c.article not in headlines:
                headlines[c.article] = frozenset(t for t, _, _ in spans(c.headline))
            snippet = best_snippet(query, c, top, headlines[c.article])
            if snippet is not None:
                snippets.append((snippet, c))
        snippets.sort(key=lambda pair: -pair[0].score)
        if recent and snippets:
            # Newer first only among the snippets that answer as well as the best one:
            # in "who was recently indicted?" the word describes the event asked about.
            best = snippets[0][0]
            able, rest = [], []
            for pair in snippets:
                (able if stands_alone(pair[0], best) else rest).append(pair)
            dates = [records[c.chunk].source.date for _, c in able]
            snippets = freshen(able, dates, cfg.recency_half_life_hours) + rest
        answers = tuple(
            Answer(
                text=choice.candidate.text[choice.snippet.start : choice.snippet.end],
                marks=choice.snippet.marks,
                passage=choice.candidate.text,
                score=round(choice.candidate.score, 4),
                source=records[choice.candidate.chunk].source,
                section=records[choice.candidate.chunk].section,
                start=choice.snippet.start,
                also=tuple(records[c.chunk].source for c in choice.also),
            )
            for choice in choose(snippets, cfg.count)
        )
        return Reply(query.text, bool(answers), answers, partial=ranked.partial)


def abstain_reason(query: Query, candidates: Sequence[Candidate]) -> str:
    """Why no answer, in the reader's words: what the corpus never mentions, or too little."""
    if query.missing:
        return f"The indexed articles never mention: {', '.join(query.missing)}."
    if not candidates:
        return "No indexed article matches this question."
    return "No indexed article covers enough of this question to answer it."
