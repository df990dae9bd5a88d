"""The percolator: stored topics matched against only the articles a refresh added.

Like Elasticsearch's percolator, the topics are the index: each topic term lists the
topics that hold it, so a batch of new articles costs its own chunks' terms and the
topics they touch, never the archive. A topic matches an article by the rules a
question is answered by (the same analysis, idf from the serving index, the same
abstention: `answers.min_coverage` and `answers.max_unseen`), and the alert shows the
chunk's sentence holding most of the topic's weight: a topic asks for no kind of answer
(a date, a sum), and `best_snippet`'s full scoring per pair would cost a batch's matches
milliseconds each.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from retrieval.answering.question import Query, QuestionError, analyse, weigh
from retrieval.answering.snippets import Candidate, best_snippet, highlight_spans
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
    sentences: list[_Sentences]  # each chunk's sentences and their terms, for alerts

    @classmethod
    def of(cls, articles: Sequence[Article], chunking: ChunkingConfig) -> Batch:
        """Analysed once per refresh, whatever the number of topics (like indexing)."""
        chunks, terms = analyze_articles(articles, chunking)
        sentences = [_Sentences.of(c.text) for c in chunks]
        return cls(list(articles), chunks, [Counter(t) for t in terms], sentences)

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(t for counts in self.terms for t in counts)


@dataclass(frozen=True)
class Topic:
    id: int
    query: Query  # analysed as a question is, once; weighed again against each batch

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.query.terms)


@dataclass(frozen=True)
class Match:
    """One new article that answers a topic, with the sentence that matches."""

    topic: int
    article: int  # index into the batch's articles
    sentence: str
    marks: tuple[tuple[int, int], ...]
    coverage: float
    score: float  # BM25 of the matching chunk, with the serving index's idf


def _unweighed(term: str) -> float:
    return 1.0  # a topic's analysis is kept unweighed: each batch weighs it (`weigh`)


def topic_terms(text: str) -> frozenset[str]:
    return frozenset(t for t, _, _ in spans(text))


class Percolator:
    """Topics indexed by their terms; `match` finds which new articles answer which."""

    def __init__(self, topics: Sequence[tuple[int, str]]) -> None:
        self.topics: dict[int, Topic] = {}
        self.by_term: dict[str, list[int]] = defaultdict(list)
        for topic_id, text in topics:
            try:
                query = analyse(text, _unweighed, 1)
            except QuestionError:
                continue  # only stop words (or too long): nothing could ever match it
            topic = Topic(topic_id, query)
            self.topics[topic_id] = topic
            for term in topic.terms:
                self.by_term[term].append(topic_id)

    @property
    def vocabulary(self) -> list[str]:
        """Every topic term: one term_stats call weighs them all."""
        return sorted(self.by_term)

    def weighed(
        self, stats: TermStats, answers: AnswersConfig, batch: Batch | None = None
    ) -> dict[int, _Judged]:
        """Each topic weighed against the index now, those that could answer at all
        (and, given a batch, share a term with it)."""
        vocabulary = batch.vocabulary if batch is not None else None
        judged = {}
        for topic_id, topic in self.topics.items():
            if vocabulary is not None and vocabulary.isdisjoint(topic.query.terms):
                continue
            query = weigh(topic.query, stats.idf.get, stats.size)
            if query.unseen_share < answers.max_unseen:
                judged[topic_id] = _Judged.of(query)
        return judged

    def match(
        self, batch: Batch, stats: TermStats, answers: AnswersConfig, bm25: BM25Config
    ) -> list[Match]:
        """Every (topic, new article) pair the topic answers, best chunk per pair.

        A chunk is checked only against the topics whose *required* terms it holds
        (`_Judged.required`: without one of them no chunk reaches min_coverage), so the
        cost is the batch's chunks times the few topics each could answer.
        """
        judged = self.weighed(stats, answers, batch)
        required: dict[str, list[int]] = defaultdict(list)
        for topic_id, topic in judged.items():
            for term in topic.required(answers.min_coverage):
                required[term].append(topic_id)
        lengths = [sum(c.values()) for c in batch.terms]
        avgdl = sum(lengths) / len(lengths) if lengths else 1.0
        best: dict[tuple[int, int], tuple[float, float, int]] = {}  # -> coverage, score, chunk
        for row, counts in enumerate(batch.terms):
            touched = {i for t in counts if t in required for i in required[t]}
            for topic_id in touched:
                topic = judged[topic_id]
                covered = topic.coverage(counts)
                if covered < answers.min_coverage:
                    continue
                score = _bm25(topic.query, counts, lengths[row], avgdl, bm25)
                key = (topic_id, batch.chunks[row].article)
                if key not in best or (covered, score) > best[key][:2]:
                    best[key] = (covered, score, row)
        matches = []
        for (topic_id, article), (covered, score, row) in sorted(best.items()):
            sentence, marks = batch.sentences[row].best(judged[topic_id].query)
            matches.append(Match(topic_id, article, sentence, marks, covered, score))
        return matches


@dataclass(frozen=True)
class _Judged:
    """A topic's query with its findable weight computed once (for `coverage`)."""

    query: Query
    seen: tuple[tuple[str, float], ...]  # the terms the corpus holds, with their idf
    mass: float

    @classmethod
    def of(cls, query: Query) -> _Judged:
        seen = tuple((t, w) for t, w in query.weights.items() if t not in query.unseen)
        return cls(query, seen, sum(w for _, w in seen))

    def required(self, min_coverage: float) -> list[str]:
        """The heaviest terms until the rest weigh less than `min_coverage` of the topic:
        a chunk holding none of them cannot reach it, so it is never checked."""
        out, rest = [], self.mass
        for term, weight in sorted(self.seen, key=lambda tw: -tw[1]):
            if rest < min_coverage * self.mass:
                break
            out.append(term)
            rest -= weight
        return out

    def coverage(self, held: Container[str]) -> float:
        """snippets.coverage(query, held), the answering rule, without recomputing the mass."""
        if self.mass <= 0:
            return 0.0
        return sum(w for t, w in self.seen if t in held) / self.mass


@dataclass(frozen=True)
class _Sentences:
    """A chunk's sentences and their terms, analysed once for every topic it matches."""

    text: str
    spans: tuple[tuple[int, int], ...]
    terms: tuple[tuple[tuple[str, int, int], ...], ...]  # per sentence: (term, start, end)
    held: tuple[frozenset[str], ...]  # per sentence: its distinct terms

    @classmethod
    def of(cls, text: str) -> _Sentences:
        bounds = tuple(sentence_spans(text)) or ((0, len(text)),)
        per: list[list[tuple[str, int, int]]] = [[] for _ in bounds]
        i = 0
        for term, start, end in spans(text):
            while i + 1 < len(bounds) and start >= bounds[i][1]:
                i += 1
            per[i].append((term, start, end))
        held = tuple(frozenset(t for t, _, _ in ts) for ts in per)
        return cls(text, bounds, tuple(map(tuple, per)), held)

    def best(self, query: Query) -> tuple[str, tuple[tuple[int, int], ...]]:
        """The sentence holding the most of the topic's weight (the first of equals),
        with the topic's terms marked; the chunk's first sentence if none holds any
        (it matched by its headline)."""
        weights = query.weights
        scores = [sum(w for t, w in weights.items() if t in held) for held in self.held]
        n = scores.index(max(scores))  # the first of equals
        a, b = self.spans[n]
        marks = highlight_spans(self.text, self.terms[n], a, b, weights.keys())
        return self.text[a:b], marks


def _bm25(query: Query, counts: Counter[str], length: int, avgdl: float, p: BM25Config) -> float:
    """BM25Okapi's sum for one chunk: the serving index's idf, the batch's mean length."""
    norm = p.k1 * (1 - p.b + p.b * length / avgdl)
    return math.fsum(
        query.weights[t] * counts[t] * (p.k1 + 1) / (counts[t] + norm)
        for t in query.terms
        if counts.get(t)
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
    percolator: Percolator,
    batch: Batch,
    stats_of: StatsOf,
    answers: AnswersConfig,
    bm25: BM25Config,
) -> list[Match]:
    """Match stored topics against a batch, asking the backend once for the statistics."""
    return percolator.match(batch, stats_of(percolator.vocabulary), answers, bm25)
