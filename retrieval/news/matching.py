"""The percolator: stored topics matched against only the articles a refresh added.

Like Elasticsearch's percolator, the topics are the index: each topic term lists the
topics that hold it (`Percolator.holding`), so a batch of new articles costs its own
chunks' terms and the topics they touch, never the archive, and a topic sharing no term
with the batch is not even weighed. What lasts is done once, when the subscriptions
change: each topic analysed as a question is, its distinct terms, the inverted index.
What depends on the index as it grows (each term's idf) is redone per batch, as plain
floats per touched topic. A topic matches an article by the rules a question is
answered by (the same analysis, the same weighing `question.term_weights`, the same
abstention: `answers.min_coverage` and `answers.max_unseen`), and the alert shows the
chunk's sentence holding most of the topic's weight: a topic asks for no kind of answer
(a date, a sum), and `best_snippet`'s full scoring per pair would cost a batch's matches
milliseconds each. Sentences are picked only for the (topic, article) pairs that pass.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass

from retrieval.answering.question import Query, QuestionError, analyse, term_weights, unseen_share
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

    def norms(self, p: BM25Config) -> list[float]:
        """Each chunk's BM25Okapi length normalisation, against the batch's mean length."""
        lengths = [sum(c.values()) for c in self.terms]
        avgdl = sum(lengths) / len(lengths) if lengths else 1.0
        return [p.k1 * (1 - p.b + p.b * length / avgdl) for length in lengths]


@dataclass(frozen=True)
class Topic:
    """A followed topic analysed once as a question is, kept while the subscriptions stay
    the same; each batch weighs its terms against the index as it is then (`_Judged`)."""

    id: int
    query: Query  # unweighed (`_unweighed`): its terms in order, repeats kept for BM25
    distinct: tuple[str, ...]  # its distinct terms, as first typed (`term_weights`' order)

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.distinct)


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
    return 1.0  # a topic's analysis is kept unweighed: each batch weighs it (`_Judged.of`)


def topic_terms(text: str) -> frozenset[str]:
    """A text's index terms (a headline's, which lend a snippet their weight)."""
    return frozenset(t for t, _, _ in spans(text))


class Percolator:
    """Stored topics, analysed once; `match` finds which new articles answer which."""

    def __init__(self, topics: Sequence[tuple[int, str]]) -> None:
        self.topics: dict[int, Topic] = {}
        holding: dict[str, list[int]] = defaultdict(list)
        for topic_id, text in topics:
            try:
                query = analyse(text, _unweighed, 1)
            except QuestionError:
                continue  # only stop words (or too long): nothing could ever match it
            topic = Topic(topic_id, query, tuple(dict.fromkeys(query.terms)))
            self.topics[topic_id] = topic
            for term in topic.distinct:
                holding[term].append(topic_id)
        # The topics' inverted index: term -> the topics holding it.
        self.holding: dict[str, list[int]] = dict(holding)
        self.vocabulary = sorted(self.holding)

    def touched(self, batch: Batch) -> list[int]:
        """The topics sharing a term with the batch, in the order stored: no other could
        reach min_coverage in any of its chunks, so no other is weighed."""
        ids = {i for t in self.holding.keys() & batch.vocabulary for i in self.holding[t]}
        return [i for i in self.topics if i in ids]

    def terms_of(self, topic_ids: Sequence[int]) -> list[str]:
        """The terms these topics hold: what the index is asked idf for."""
        return sorted({t for i in topic_ids for t in self.topics[i].distinct})

    def weighed(
        self, stats: TermStats, answers: AnswersConfig, topic_ids: Sequence[int] | None = None
    ) -> dict[int, _Judged]:
        """The topics (all, or those given) weighed against the index now, those that
        could answer at all (`answers.max_unseen`, as a question abstains)."""
        judged = {}
        for topic_id in self.topics if topic_ids is None else topic_ids:
            topic = _Judged.of(self.topics[topic_id], stats)
            if topic.unseen_share < answers.max_unseen:
                judged[topic_id] = topic
        return judged

    def match(
        self,
        batch: Batch,
        stats: TermStats,
        answers: AnswersConfig,
        bm25: BM25Config,
        topic_ids: Sequence[int] | None = None,
    ) -> list[Match]:
        """Every (topic, new article) pair the topic answers, best chunk per pair.

        Only the topics touching the batch are weighed (`topic_ids` if already known),
        and a chunk is checked only against the topics whose *required* terms it holds
        (`_Judged.required`: without one of them no chunk reaches min_coverage), so the
        cost is the batch's chunks times the few topics each could answer.
        """
        judged = self.weighed(
            stats, answers, self.touched(batch) if topic_ids is None else topic_ids
        )
        required: dict[str, list[int]] = defaultdict(list)
        for topic_id, topic in judged.items():
            for term in topic.required(answers.min_coverage):
                required[term].append(topic_id)
        norms = batch.norms(bm25)
        best: dict[tuple[int, int], tuple[float, float, int]] = {}  # -> coverage, score, chunk
        for row, counts in enumerate(batch.terms):
            touched = {i for t in required.keys() & counts.keys() for i in required[t]}
            article = batch.chunks[row].article
            for topic_id in touched:
                topic = judged[topic_id]
                covered = topic.coverage(counts)
                if covered < answers.min_coverage:
                    continue
                score = _bm25(topic, counts, norms[row], bm25)
                key = (topic_id, article)
                if key not in best or (covered, score) > best[key][:2]:
                    best[key] = (covered, score, row)
        matches = []
        for (topic_id, article), (covered, score, row) in sorted(best.items()):
            sentence, marks = batch.sentences[row].best(judged[topic_id].weights)
            matches.append(Match(topic_id, article, sentence, marks, covered, score))
        return matches


@dataclass(frozen=True)
class _Judged:
    """A topic weighed against the index now, with its findable weight (for `coverage`)."""

    topic: Topic
    weights: dict[str, float]  # distinct term -> idf (unseen terms weigh most)
    unseen_share: float  # as Query.unseen_share
    seen: tuple[tuple[str, float], ...]  # the terms the corpus holds, with their idf
    mass: float

    @classmethod
    def of(cls, topic: Topic, stats: TermStats) -> _Judged:
        """What `question.weigh` makes of the topic, as plain values: no Query per topic
        per batch."""
        weights, unseen = term_weights(topic.distinct, stats.idf.get, stats.size)
        seen = tuple((t, w) for t, w in weights.items() if t not in unseen)
        return cls(topic, weights, unseen_share(weights, unseen), seen, sum(w for _, w in seen))

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
    where: tuple[dict[str, tuple[int, ...]], ...]  # per sentence: term -> its places in terms

    @classmethod
    def of(cls, text: str) -> _Sentences:
        bounds = tuple(sentence_spans(text)) or ((0, len(text)),)
        per: list[list[tuple[str, int, int]]] = [[] for _ in bounds]
        i = 0
        for term, start, end in spans(text):
            while i + 1 < len(bounds) and start >= bounds[i][1]:
                i += 1
            per[i].append((term, start, end))
        where = []
        for ts in per:
            places: dict[str, list[int]] = defaultdict(list)
            for n, (term, _, _) in enumerate(ts):
                places[term].append(n)
            where.append({t: tuple(ns) for t, ns in places.items()})
        return cls(text, bounds, tuple(map(tuple, per)), tuple(where))

    def best(self, weights: Mapping[str, float]) -> tuple[str, tuple[tuple[int, int], ...]]:
        """The sentence holding the most of the topic's weight (the first of equals),
        with the topic's terms marked; the chunk's first sentence if none holds any
        (it matched by its headline)."""
        scores = [sum(w for t, w in weights.items() if t in held) for held in self.where]
        n = scores.index(max(scores))  # the first of equals
        a, b = self.spans[n]
        # Only the topic's own terms, in the sentence's order: highlight_spans passes
        # over any other term, so its marks are those of the whole sentence's terms.
        places = sorted(p for t in weights if t in self.where[n] for p in self.where[n][t])
        found = [self.terms[n][p] for p in places]
        return self.text[a:b], highlight_spans(self.text, found, a, b, weights.keys())


def _bm25(topic: _Judged, counts: Counter[str], norm: float, p: BM25Config) -> float:
    """BM25Okapi's sum for one chunk: the serving index's idf, the batch's mean length
    (in `norm`, `Batch.norms`). fsum is exact, so no order of terms changes it."""
    weights = topic.weights
    return math.fsum(
        weights[t] * counts[t] * (p.k1 + 1) / (counts[t] + norm)
        for t in topic.topic.query.terms
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
    """Match stored topics against a batch, asking the backend once for the statistics
    of the terms of the topics the batch touches (none asked when it touches none)."""
    touched = percolator.touched(batch)
    if not touched:
        return []
    stats = stats_of(percolator.terms_of(touched))
    return percolator.match(batch, stats, answers, bm25, touched)
