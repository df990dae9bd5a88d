"""The question-answering engine: corpus in, ranked passages and answers out."""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

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
from retrieval.answering.question import Query, QuestionError, analyse
from retrieval.answering.selection import choose, stands_alone
from retrieval.answering.snippets import Candidate, best_snippet, coverage
from retrieval.config import Config
from retrieval.index import store
from retrieval.index.bm25 import BM25Index, BM25Params, Forward
from retrieval.index.catalog import Catalog, ChunkTerms, Progress, analyze_articles, update
from retrieval.models import Answer, Article, Chunk, Hit, Reply, Skipped, Source
from retrieval.reading.ingest import no_articles
from retrieval.text.analysis import spans

log = logging.getLogger("newsbot.engine")

__all__ = ["Engine", "Filters", "QuestionError", "UnknownPublisherError"]


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


def _params(config: Config) -> BM25Params:
    p = config.bm25
    return BM25Params(p.k1, p.b, p.epsilon)


@dataclass
class Engine:
    config: Config
    articles: list[Article]
    chunks: list[Chunk]
    index: BM25Index
    terms: ChunkTerms  # each chunk's indexed terms, for coverage without re-analysis
    skipped: list[Skipped] = field(default_factory=list)
    catalog: Catalog | None = None  # what was read from the corpus, for cheap refreshes

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
        """Load the saved index when it matches the corpus; re-read only what changed."""
        catalog, index = None, None
        saved = store.location(config.index.path, config.corpus)
        if config.index.persist and store.exists(saved):
            try:
                catalog, index = store.load(saved, config.index_settings())
            except store.StoreError as exc:
                log.warning("building the index anew: %s", exc)
        catalog, changed = update(
            config.corpus,
            config.chunking,
            catalog,
            config.index.workers,
            progress,
            config.corpus_allow_outside,
            config.index.memory_mb,
        )
        return cls._assemble(config, catalog, None if changed else index)

    def refreshed(self, progress: Progress | None = None) -> Engine | None:
        """A new engine when corpus files were added, changed or removed; else None.

        CorpusError when the corpus is gone or nothing in it is readable any more.
        """
        catalog, changed = update(
            self.config.corpus,
            self.config.chunking,
            self.catalog,
            self.config.index.workers,
            progress,
            self.config.corpus_allow_outside,
            self.config.index.memory_mb,
        )
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
        return sorted({a.publisher for a in self.articles if a.publisher}, key=str.casefold)

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
        return undated_left_out(as_filters(filters), self.articles, self._article_times)

    def sources(self, filters: Filters | str | None = None) -> list[tuple[Article, int]]:
        """Indexed articles inside the filters (in corpus order) with their chunk counts."""
        keep = article_mask(as_filters(filters), self.articles, self._article_times)
        per_article = Counter(c.article for c in self.chunks)
        return [(self.articles[i], per_article[i]) for i in np.flatnonzero(keep).tolist()]

    def latest(
        self, topic: str | None = None, count: int = 10, filters: Filters | str | None = None
    ) -> list[Article]:
        """The newest dated articles inside the filters, newest first; with a topic, only
        articles with a passage that covers it (as an answer must)."""
        keep = article_mask(as_filters(filters), self.articles, self._article_times)
        keep &= ~np.isnan(self._article_times)
        if topic:
            query = self.analyse(topic)
            mask = keep[self._chunk_articles]
            ids, _ = self.index.top_k(query.terms, int(mask.sum()), mask)
            covering = {
                self.chunks[i].article
                for i in ids.tolist()
                if coverage(query, self.terms.of(i)) >= self.config.answers.min_coverage
            }
            keep &= np.isin(np.arange(len(self.articles)), list(covering))
        order = sorted(np.flatnonzero(keep).tolist(), key=lambda i: -self._article_times[i])
        return [self.articles[i] for i in order[:count]]

    def analyse(self, text: str) -> Query:
        """The question analysed once against this index, its typos corrected where the
        corpus supports it; QuestionError if unusable."""
        query = analyse(text, self.index.term_idf, self.index.size)
        return correct(query, self.index, self._indexed_text)

    def _indexed_text(self, chunk_id: int) -> str:
        """The text a chunk's terms were indexed from: its own and its headline."""
        chunk = self.chunks[chunk_id]
        return f"{chunk.text}\n{self.articles[chunk.article].headline}"

    def _query(self, question: str | Query) -> Query:
        return question if isinstance(question, Query) else self.analyse(question)

    def search(
        self, question: str | Query, top: int = 5, filters: Filters | str | None = None
    ) -> list[Hit]:
        """Ranked passages for a query, best first (BM25 alone, whatever the words)."""
        query = self._query(question)
        ids, scores = self.index.top_k(query.terms, top, self.filter_mask(filters))
        return [self._hit(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]

    def _hit(self, chunk_id: int, score: float) -> Hit:
        chunk = self.chunks[chunk_id]
        return Hit(chunk_id, score, chunk.text, source_of(self.articles[chunk.article]))

    def _section(self, chunk_id: int) -> str:
        chunk = self.chunks[chunk_id]
        return self.articles[chunk.article].section(chunk.paragraph)

    def _candidate(self, chunk_id: int, score: float) -> Candidate:
        chunk = self.chunks[chunk_id]
        headline = self.articles[chunk.article].headline
        return Candidate(
            chunk_id, chunk.article, score, chunk.text, headline, self.terms.of(chunk_id)
        )

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
        ids, scores = self.index.top_k(query.terms, cfg.candidates, self.filter_mask(filters))
        candidates = [self._candidate(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]
        strong = [c for c in candidates if coverage(query, c.terms) >= cfg.min_coverage]
        if not strong or query.unseen_share >= cfg.max_unseen:
            return Reply(query.text, False, reason=abstain_reason(query, candidates))
        top = strong[0].score
        headlines: dict[int, frozenset[str]] = {}
        snippets = []
        for c in strong:
            if c.article not in headlines:
                headlines[c.article] = frozenset(t for t, _, _ in spans(c.headline))
            snippet = best_snippet(query, c, top, headlines[c.article])
            if snippet is not None:
                snippets.append((snippet, c))
        snippets.sort(key=lambda pair: -pair[0].score)
        if recent:
            # Newer first only among the snippets that answer as well as the best one:
            # in "who was recently indicted?" the word describes the event asked about.
            best = snippets[0][0] if snippets else None
            able = [p for p in snippets if best is not None and stands_alone(p[0], best)]
            rest = [p for p in snippets if p not in able]
            dates = [self.articles[c.article].date for _, c in able]
            snippets = freshen(able, dates, cfg.recency_half_life_hours) + rest
        answers = tuple(
            Answer(
                text=choice.candidate.text[choice.snippet.start : choice.snippet.end],
                marks=choice.snippet.marks,
                passage=choice.candidate.text,
                score=round(choice.candidate.score, 4),
                source=source_of(self.articles[choice.candidate.article]),
                section=self._section(choice.candidate.chunk),
                start=choice.snippet.start,
                also=tuple(source_of(self.articles[c.article]) for c in choice.also),
            )
            for choice in choose(snippets, cfg.count)
        )
        return Reply(query.text, bool(answers), answers)


def abstain_reason(query: Query, candidates: Sequence[Candidate]) -> str:
    """Why no answer, in the reader's words: what the corpus never mentions, or too little."""
    if query.missing:
        return f"The indexed articles never mention: {', '.join(query.missing)}."
    if not candidates:
        return "No indexed article matches this question."
    return "No indexed article covers enough of this question to answer it."
