"""The percolator: stored topics matched against only the articles a refresh added.

Like Elasticsearch's percolator, the topics are the index: each topic term lists the
topics that hold it, so a batch of new articles costs its own chunks' terms and the
topics they touch, never the archive. A topic matches an article by the rules a
question is answered by (the same analysis, idf from the serving index, the same
abstention: `answers.min_coverage` and `answers.max_unseen`), and the alert shows the
sentence `best_snippet` would answer with.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from retrieval.answering.question import Query, QuestionError, analyse
from retrieval.answering.snippets import Candidate, best_snippet, coverage
from retrieval.config import AnswersConfig, BM25Config, ChunkingConfig
from retrieval.index.backends.base import TermStats
from retrieval.index.catalog import analyze_articles
from retrieval.models import Article, Chunk
from retrieval.text.analysis import spans
from retrieval.text.sentences import sentence_spans


@dataclass(frozen=True)
class Batch:
    """New articles, chunked and analysed as the index analyses them."""

    articles: list[Article]
    chunks: list[Chunk]
    terms: list[Counter[str]]  # each chunk's indexed terms with their counts

    @classmethod
    def of(cls, articles: Sequence[Article], chunking: ChunkingConfig) -> Batch:
        chunks, terms = analyze_articles(articles, chunking)
        return cls(list(articles), chunks, [Counter(t) for t in terms])

    @property
    def vocabulary(self) -> set[str]:
        return {t for counts in self.terms for t in counts}


@dataclass(frozen=True)
class Topic:
    id: int
    text: str
    terms: frozenset[str]  # its index terms (the same analysis as a question's)


@dataclass(frozen=True)
class Match:
    """One new article that answers a topic, with the sentence that matches."""

    topic: int
    article: int  # index into the batch's articles
    sentence: str
    marks: tuple[tuple[int, int], ...]
    coverage: float
    score: float  # BM25 of the matching chunk, with the serving index's idf


def topic_terms(text: str) -> frozenset[str]:
    return frozenset(t for t, _, _ in spans(text))


class Percolator:
    """Topics indexed by their terms; `match` finds which new articles answer which."""

    def __init__(self, topics: Sequence[tuple[int, str]]) -> None:
        self.topics: dict[int, Topic] = {}
        self.by_term: dict[str, list[int]] = defaultdict(list)
        for topic_id, text in topics:
            terms = topic_terms(text)
            if not terms:
                continue  # only stop words: nothing could ever match it
            self.topics[topic_id] = Topic(topic_id, text, terms)
            for term in terms:
                self.by_term[term].append(topic_id)

    def terms_touched(self, batch: Batch) -> set[str]:
        """Terms of the topics a batch could match (one term_stats call covers them)."""
        touched = {i for t in batch.vocabulary for i in self.by_term.get(t, ())}
        return {t for i in touched for t in self.topics[i].terms}

    def match(
        self, batch: Batch, stats: TermStats, answers: AnswersConfig, bm25: BM25Config
    ) -> list[Match]:
        """Every (topic, new article) pair the topic answers, best chunk per pair."""
        queries: dict[int, Query | None] = {}
        lengths = [sum(c.values()) for c in batch.terms]
        avgdl = sum(lengths) / len(lengths) if lengths else 1.0
        best: dict[tuple[int, int], tuple[float, float, int]] = {}  # -> coverage, score, chunk
        for row, counts in enumerate(batch.terms):
            held = frozenset(counts)
            touched = {i for t in held for i in self.by_term.get(t, ())}
            for topic_id in touched:
                if topic_id not in queries:
                    queries[topic_id] = self._query(topic_id, stats)
                query = queries[topic_id]
                if query is None or query.unseen_share >= answers.max_unseen:
                    continue
                covered = coverage(query, held)
                if covered < answers.min_coverage:
                    continue
                score = _bm25(query, counts, lengths[row], avgdl, bm25)
                key = (topic_id, batch.chunks[row].article)
                if key not in best or (covered, score) > best[key][:2]:
                    best[key] = (covered, score, row)
        matches = []
        for (topic_id, article), (covered, score, row) in sorted(best.items()):
            query = queries[topic_id]
            assert query is not None
            sentence = _sentence(query, batch, row, score)
            matches.append(Match(topic_id, article, *sentence, covered, score))
        return matches

    def _query(self, topic_id: int, stats: TermStats) -> Query | None:
        try:
            return analyse(self.topics[topic_id].text, stats.idf.get, stats.size)
        except QuestionError:
            return None


def _bm25(query: Query, counts: Counter[str], length: int, avgdl: float, p: BM25Config) -> float:
    """BM25Okapi's sum for one chunk: the serving index's idf, the batch's mean length."""
    norm = p.k1 * (1 - p.b + p.b * length / avgdl)
    return math.fsum(
        query.weights[t] * counts[t] * (p.k1 + 1) / (counts[t] + norm)
        for t in query.terms
        if counts.get(t)
    )


def _sentence(query: Query, batch: Batch, row: int, score: float) -> Marked:
    chunk = batch.chunks[row]
    article = batch.articles[chunk.article]
    terms = frozenset(batch.terms[row])
    return sentence_of(
        query, Candidate(row, chunk.article, score, chunk.text, article.headline, terms)
    )


Marked = tuple[str, tuple[tuple[int, int], ...]]


def sentence_of(query: Query, candidate: Candidate) -> Marked:
    """The sentence an answer would show from a chunk, its matches marked; the chunk's
    first sentence when it matched by its headline alone."""
    snippet = best_snippet(query, candidate, candidate.score, topic_terms(candidate.headline))
    if snippet is not None:
        return candidate.text[snippet.start : snippet.end], snippet.marks
    first = sentence_spans(candidate.text)[:1] or [(0, len(candidate.text))]
    return candidate.text[first[0][0] : first[0][1]], ()


StatsOf = Callable[[Sequence[str]], TermStats]


def percolate(
    topics: Sequence[tuple[int, str]],
    batch: Batch,
    stats_of: StatsOf,
    answers: AnswersConfig,
    bm25: BM25Config,
) -> list[Match]:
    """Match topics against a batch, asking the backend once for the statistics needed."""
    percolator = Percolator(topics)
    stats = stats_of(sorted(percolator.terms_touched(batch)))
    return percolator.match(batch, stats, answers, bm25)
