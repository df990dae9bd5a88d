"""The question-answering engine: corpus in, ranked passages and answers out."""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.answering.snippets import (
    Candidate,
    Question,
    best_snippet,
    coverage,
    highlight_spans,
    unseen_weight,
)
from retrieval.config import Config
from retrieval.errors import UserError
from retrieval.index import store
from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.index.catalog import Catalog, Progress, analyze_articles, update
from retrieval.models import Answer, Article, Chunk, Hit, Reply, Skipped, Source
from retrieval.text.analysis import analyze, spans

log = logging.getLogger("newsbot.engine")

MAX_QUESTION_CHARS = 1000


class QuestionError(UserError, ValueError):
    """A question the engine cannot use; the message tells the user what to do."""


class UnknownPublisherError(QuestionError):
    pass


def source_of(article: Article) -> Source:
    return Source(
        headline=article.headline,
        publisher=article.publisher or None,
        published=article.published or None,
        file=article.file,
        url=article.url or None,
    )


def _params(config: Config) -> BM25Params:
    p = config.bm25
    return BM25Params(p.k1, p.b, p.epsilon)


def candidate(engine_chunk: int, chunk: Chunk, article: Article, score: float) -> Candidate:
    return Candidate(engine_chunk, chunk.article, score, chunk.text, article.headline)


@dataclass
class Engine:
    config: Config
    articles: list[Article]
    chunks: list[Chunk]
    index: BM25Index
    skipped: list[Skipped] = field(default_factory=list)
    catalog: Catalog | None = None  # what was read from the corpus, for cheap refreshes

    @classmethod
    def from_articles(cls, articles: Sequence[Article], config: Config) -> Engine:
        """An engine over articles in memory (no corpus folder, nothing saved)."""
        chunks, terms = analyze_articles(articles, config.chunking)
        index = BM25Index.build(terms, _params(config))
        return cls(config, list(articles), chunks, index)

    @classmethod
    def from_config(cls, config: Config, progress: Progress | None = None) -> Engine:
        """Load the saved index when it matches the corpus; re-read only what changed."""
        catalog, index = None, None
        if config.index.persist and store.exists(config.index.path):
            try:
                catalog, index = store.load(config.index.path, config.index_settings())
            except store.StoreError as exc:
                log.warning("building the index anew: %s", exc)
        catalog, changed = update(
            config.corpus, config.chunking, catalog, config.index.workers, progress
        )
        return cls._assemble(config, catalog, None if changed else index)

    def refreshed(self, progress: Progress | None = None) -> Engine | None:
        """A new engine when corpus files were added, changed or removed; else None."""
        catalog, changed = update(
            self.config.corpus,
            self.config.chunking,
            self.catalog,
            self.config.index.workers,
            progress,
        )
        return self._assemble(self.config, catalog, None) if changed else None

    @classmethod
    def _assemble(cls, config: Config, catalog: Catalog, index: BM25Index | None) -> Engine:
        """The engine over a catalog's live articles; builds (and saves) the index if needed."""
        articles, chunks, rows = catalog.live()
        if index is None:
            forward = catalog.forward.select(rows)
            index = BM25Index.from_forward(forward, catalog.vocabulary, _params(config))
            if config.index.persist:
                try:
                    store.save(config.index.path, catalog, index, config.index_settings())
                except OSError as exc:
                    log.warning("could not save the index to %s: %s", config.index.path, exc)
        log.info(
            "%d articles, %d chunks from %s (%d skipped)",
            len(articles),
            len(chunks),
            config.corpus,
            len(catalog.skipped),
        )
        return cls(config, articles, chunks, index, catalog.skipped, catalog)

    # -- queries -------------------------------------------------------------------------

    def publishers(self) -> list[str]:
        return sorted({a.publisher for a in self.articles if a.publisher}, key=str.casefold)

    def _articles_from(self, publisher: str) -> set[int]:
        wanted = publisher.strip().casefold()
        articles = {i for i, a in enumerate(self.articles) if a.publisher.casefold() == wanted}
        if not articles:
            known = ", ".join(self.publishers()) or "none"
            raise UnknownPublisherError(
                f"No articles from publisher '{publisher}'. Known publishers: {known}."
            )
        return articles

    def _publisher_mask(self, publisher: str | None) -> np.ndarray | None:
        if not publisher:
            return None
        articles = np.fromiter(self._articles_from(publisher), dtype=np.int64)
        return np.isin(self._chunk_articles, articles)

    @functools.cached_property
    def _chunk_articles(self) -> np.ndarray:
        """Each chunk's article, as an array (publisher filters become one np.isin)."""
        return np.fromiter((c.article for c in self.chunks), np.int64, len(self.chunks))

    def sources(self, publisher: str | None = None) -> list[tuple[Article, int]]:
        """Indexed articles (optionally one publisher's) with their chunk counts."""
        wanted = self._articles_from(publisher) if publisher else range(len(self.articles))
        per_article = Counter(c.article for c in self.chunks)
        return [(self.articles[i], per_article[i]) for i in sorted(wanted)]

    def validate(self, text: str, publisher: str | None = None) -> None:
        """Raise QuestionError for a question or publisher the engine cannot use (cheap)."""
        self._terms(text)
        if publisher:
            self._articles_from(publisher)

    def _terms(self, text: str) -> list[str]:
        text = text.strip()
        if not text:
            raise QuestionError("Ask a question, for example: Who chaired the meeting?")
        if len(text) > MAX_QUESTION_CHARS:
            raise QuestionError(
                f"That question is {len(text)} characters long; please keep it under "
                f"{MAX_QUESTION_CHARS}."
            )
        terms = analyze(text)
        if not terms:
            raise QuestionError(
                "That question has only very common words; name what you are asking about, "
                "for example a person, place or event."
            )
        return terms

    def search(self, query: str, top: int = 5, publisher: str | None = None) -> list[Hit]:
        """Ranked passages for a query, best first."""
        terms = self._terms(query)
        ids, scores = self.index.top_k(terms, top, self._publisher_mask(publisher))
        return [self._hit(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]

    def _hit(self, chunk_id: int, score: float) -> Hit:
        chunk = self.chunks[chunk_id]
        return Hit(chunk_id, score, chunk.text, source_of(self.articles[chunk.article]))

    def question(self, text: str) -> Question:
        unseen_idf = unseen_weight(self.index.size)
        weights, unseen = {}, set()
        for term in analyze(text):
            idf = self.index.term_idf(term)
            if idf is None:
                unseen.add(term)
            weights[term] = unseen_idf if idf is None else idf
        return Question(text, weights, frozenset(unseen))

    def ask(self, text: str, publisher: str | None = None) -> Reply:
        """Answer with extractive snippets from different articles, or abstain."""
        terms = self._terms(text)
        cfg = self.config.answers
        ids, scores = self.index.top_k(terms, cfg.candidates, self._publisher_mask(publisher))
        question = self.question(text)
        candidates = [
            candidate(int(i), self.chunks[i], self.articles[self.chunks[i].article], float(s))
            for i, s in zip(ids, scores, strict=True)
        ]
        strong = [c for c in candidates if coverage(question, c.indexed_text) >= cfg.min_coverage]
        if not strong or question.unseen_share >= cfg.max_unseen:
            return Reply(text, False, reason=self._abstain_reason(text, candidates))
        top = strong[0].score
        bm25 = {c.chunk: c.score for c in strong}
        snippets = [s for c in strong if (s := best_snippet(question, c, top)) is not None]
        snippets.sort(key=lambda s: -s.score)
        answers: list[Answer] = []
        seen_articles: set[int] = set()
        seen_text: set[str] = set()
        for snip in snippets:
            chunk = self.chunks[snip.chunk]
            raw = chunk.text[snip.start : snip.end]
            key = re.sub(r"\W+", " ", raw.casefold()).strip()
            if snip.article in seen_articles or key in seen_text:
                continue
            seen_articles.add(snip.article)
            seen_text.add(key)
            answers.append(
                Answer(
                    text=raw,
                    marks=highlight_spans(raw, set(question.weights)),
                    passage=chunk.text,
                    score=round(bm25[snip.chunk], 4),
                    source=source_of(self.articles[snip.article]),
                )
            )
            if len(answers) == cfg.count:
                break
        return Reply(text, bool(answers), tuple(answers))

    def _abstain_reason(self, text: str, candidates: Sequence[Candidate]) -> str:
        missing = [text[a:b] for term, a, b in spans(text) if self.index.term_idf(term) is None]
        if missing:
            words = ", ".join(dict.fromkeys(missing))
            return f"The indexed articles never mention: {words}."
        if not candidates:
            return "No indexed article matches this question."
        return "No indexed article covers enough of this question to answer it."
