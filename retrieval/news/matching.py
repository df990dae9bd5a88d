"""The percolator: stored topics matched against only the articles a refresh added.

Like Elasticsearch's percolator, the topics are the index, built once when the
subscriptions change: every topic analysed as a question is, its distinct terms as ids
into the topics' vocabulary (`Percolator.terms`, a topics x terms array). A batch of
new articles is an index too (`Postings`: each term's chunks). Matching then costs the
terms the two share and the topics they touch, never the archive; a topic sharing no
term with the batch is not even weighed. Per batch, what depends on the index as it
grows (each term's idf, `question.term_weights`) is weighed for the touched topics at
once, as arrays; only the (topic, chunk) pairs that pass are handled one by one.

A topic matches an article by the rules a question is answered by: the same analysis,
weights and abstention (`answers.max_unseen`, and `answers.min_coverage` of the
topic's findable weight held by a chunk), and the alert shows the chunk's sentence
holding most of the topic's weight: a topic asks for no kind of answer (a date, a
sum), and `best_snippet`'s full scoring per pair would cost a batch's matches
milliseconds each. The arrays add a topic's weights column after column, left to
right, as Python's `sum` over its terms does, so every total, coverage and decision is
the per-topic rule's to the last bit (tests/retrieval/news/test_matching.py checks it
against the answering code, topic by topic).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.answering.question import Query, QuestionError, analyse, term_weights
from retrieval.answering.snippets import Candidate, best_snippet, highlight_spans
from retrieval.config import AnswersConfig, BM25Config, ChunkingConfig
from retrieval.index.backends.base import TermStats
from retrieval.index.catalog import analyze_articles
from retrieval.models import Article, Chunk
from retrieval.text.analysis import spans
from retrieval.text.sentences import sentence_spans


@dataclass(frozen=True)
class Postings:
    """A batch's own inverted index: each term's chunks (rows of the batch) and how often
    each holds it, as arrays."""

    ids: dict[str, int]  # term -> its id here
    start: np.ndarray  # term id -> where its rows begin in `rows` (one more entry: the end)
    rows: np.ndarray  # each term's chunk rows, ascending, one term after another
    counts: np.ndarray  # how often the chunk in `rows` holds the term

    @classmethod
    def of(cls, terms: Sequence[Counter[str]]) -> Postings:
        lists: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row, counts in enumerate(terms):
            for term, n in counts.items():
                lists[term].append((row, n))
        start = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(rows) for rows in lists.values()], out=start[1:])
        pairs = np.array(list(itertools.chain.from_iterable(lists.values())), dtype=np.int64)
        pairs = pairs.reshape(-1, 2)
        return cls({t: i for i, t in enumerate(lists)}, start, pairs[:, 0], pairs[:, 1])

    def of_terms(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the given term ids' rows are in `rows`, one term after another, and for
        each which of `ids` it belongs to."""
        begin = self.start[ids]
        counts = self.start[ids + 1] - begin
        owner = np.repeat(np.arange(len(ids)), counts)
        first = np.cumsum(counts) - counts  # where each term's rows begin in the output
        return begin[owner] + np.arange(len(owner)) - first[owner], owner


@dataclass(frozen=True)
class _Held:
    """How often each chunk holds each term the batch and the topics share: sorted keys
    (chunk row x (pad + 1) + vocabulary id), looked up for many pairs at once."""

    keys: np.ndarray
    counts: np.ndarray
    stride: int

    @classmethod
    def of(cls, batch: Batch, shared: tuple[np.ndarray, np.ndarray], pad: int) -> _Held:
        at, owner = batch.postings.of_terms(shared[1])
        keys = batch.postings.rows[at] * (pad + 1) + shared[0][owner]
        order = np.argsort(keys)
        return cls(keys[order], batch.postings.counts[at][order], pad + 1)

    def count(self, chunk: np.ndarray, term: np.ndarray) -> np.ndarray:
        """How often each chunk holds the term beside it (0: not at all)."""
        if not self.keys.size:
            return np.zeros(len(chunk), dtype=np.int64)
        key = chunk * self.stride + term
        at = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return np.where(self.keys[at] == key, self.counts[at], 0)


@dataclass(frozen=True)
class Batch:
    """New articles, chunked and analysed as the index analyses them."""

    articles: list[Article]
    chunks: list[Chunk]
    terms: list[Counter[str]]  # each chunk's indexed terms with their counts
    sentences: list[_Sentences]  # each chunk's sentences and their terms, for alerts
    postings: Postings  # each term's chunks
    lengths: np.ndarray  # each chunk's number of indexed terms (BM25's length)
    article_of: np.ndarray  # each chunk's article (index into articles)

    @classmethod
    def of(cls, articles: Sequence[Article], chunking: ChunkingConfig) -> Batch:
        """Analysed once per refresh, whatever the number of topics (like indexing)."""
        chunks, analysed = analyze_articles(articles, chunking)
        terms = [Counter(t) for t in analysed]
        return cls(
            list(articles),
            chunks,
            terms,
            [_Sentences.of(c.text) for c in chunks],
            Postings.of(terms),
            np.array([len(t) for t in analysed], dtype=np.int64),
            np.array([c.article for c in chunks], dtype=np.int64),
        )

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.postings.ids)

    def norms(self, p: BM25Config) -> np.ndarray:
        """Each chunk's BM25Okapi length normalisation, against the batch's mean length."""
        avgdl = int(self.lengths.sum()) / len(self.lengths) if len(self.lengths) else 1.0
        return p.k1 * (1 - p.b + p.b * self.lengths / avgdl)


@dataclass(frozen=True)
class Topic:
    """A followed topic analysed once as a question is, kept while the subscriptions stay
    the same; each batch weighs its terms against the index as it is then (`_Weighed`)."""

    id: int
    query: Query  # unweighed (`_unweighed`): its terms in order, repeats kept for BM25
    distinct: tuple[str, ...]  # its distinct terms, as first typed (`term_weights`' order)


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
    return 1.0  # a topic's analysis is kept unweighed: each batch weighs it (`_Weighed`)


def topic_terms(text: str) -> frozenset[str]:
    """A text's index terms (a headline's, which lend a snippet their weight)."""
    return frozenset(t for t, _, _ in spans(text))


class Percolator:
    """Stored topics analysed once, as arrays; `percolate` matches them against a batch."""

    def __init__(self, topics: Sequence[tuple[int, str]]) -> None:
        self.topics: dict[int, Topic] = {}
        for topic_id, text in topics:
            try:
                query = analyse(text, _unweighed, 1)
            except QuestionError:
                continue  # only stop words (or too long): nothing could ever match it
            self.topics[topic_id] = Topic(topic_id, query, tuple(dict.fromkeys(query.terms)))
        self.vocabulary = sorted({t for topic in self.topics.values() for t in topic.distinct})
        self.term_ids = {t: j for j, t in enumerate(self.vocabulary)}
        self.ids = list(self.topics)  # row k of `terms` is topic ids[k]
        width = max((len(t.distinct) for t in self.topics.values()), default=0)
        # Row k: topic k's distinct terms as vocabulary ids, as first typed; the rest of
        # the row is `pad` (len(vocabulary)), a term that weighs 0 and no chunk holds.
        self.pad = len(self.vocabulary)
        self.terms = np.full((len(self.ids), width), self.pad, dtype=np.int64)
        # Row k: all of topic k's terms in order, repeats kept (BM25 counts them), padded.
        length = max((len(t.query.terms) for t in self.topics.values()), default=0)
        self.repeats = np.full((len(self.ids), length), self.pad, dtype=np.int64)
        for k, topic in enumerate(self.topics.values()):
            self.terms[k, : len(topic.distinct)] = [self.term_ids[t] for t in topic.distinct]
            self.repeats[k, : len(topic.query.terms)] = [
                self.term_ids[t] for t in topic.query.terms
            ]

    def shared(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        """The terms both the topics and the batch hold: their ids here and in the batch."""
        ids = batch.postings.ids
        common = self.term_ids.keys() & ids.keys()
        return (
            np.array([self.term_ids[t] for t in common], dtype=np.int64),
            np.array([ids[t] for t in common], dtype=np.int64),
        )

    def touching(self, term_ids: np.ndarray) -> np.ndarray:
        """The rows of the topics holding one of these terms (those a batch holds): a
        topic holding none of them could match none of the batch's chunks."""
        held = np.zeros(self.pad + 1, dtype=bool)
        held[term_ids] = True
        return np.flatnonzero(held[self.terms].any(axis=1))

    def terms_of(self, rows: np.ndarray) -> list[str]:
        """The terms these topics hold, sorted: what the index is asked idf for."""
        return [self.vocabulary[j] for j in np.unique(self.terms[rows]).tolist() if j < self.pad]


@dataclass(frozen=True)
class _Weighed:
    """The touched topics weighed against the index now, as arrays (one row a topic):
    those that could answer at all, as a question abstains (`answers.max_unseen`)."""

    rows: np.ndarray  # their rows in the percolator
    terms: np.ndarray  # their distinct terms (vocabulary ids), padded
    repeats: np.ndarray  # all their terms in order (vocabulary ids), padded
    weight: np.ndarray  # vocabulary id -> its weight now (idf; unseen: more; padding: 0)
    seen: np.ndarray  # per topic and term: the corpus holds it (padding is not)
    mass: np.ndarray  # the seen terms' weight: what coverage is a share of
    required: np.ndarray  # the terms a chunk must hold one of to reach min_coverage

    @classmethod
    def of(
        cls,
        percolator: Percolator,
        rows: np.ndarray,
        vocabulary: list[str],
        stats: TermStats,
        answers: AnswersConfig,
    ) -> _Weighed:
        """`rows`' topics weighed by `question.term_weights` (`vocabulary`: their terms,
        `stats`: the index's figures for them), those that abstain left out."""
        weights, unseen = term_weights(vocabulary, stats.idf.get, stats.size)
        weight = np.zeros(percolator.pad + 1)
        weight[[percolator.term_ids[t] for t in vocabulary]] = [weights[t] for t in vocabulary]
        is_unseen = np.zeros(percolator.pad + 1, dtype=bool)
        is_unseen[[percolator.term_ids[t] for t in unseen]] = True
        terms = percolator.terms[rows]
        w, u = weight[terms], is_unseen[terms]
        # Query.unseen_share: the unseen terms' share of all the weight (1 if none).
        total, lost = _running_sum(w), _running_sum(np.where(u, w, 0.0))
        share = np.divide(lost, total, out=np.ones_like(total), where=total != 0)
        keep = share < answers.max_unseen
        terms, w, u = terms[keep], w[keep], u[keep]
        seen = (terms != percolator.pad) & ~u
        mass = _running_sum(np.where(seen, w, 0.0))
        required = _required(w, seen, mass, answers.min_coverage)
        repeats = percolator.repeats[rows[keep]]
        return cls(rows[keep], terms, repeats, weight, seen, mass, required)

    def candidates(
        self, batch: Batch, shared: tuple[np.ndarray, np.ndarray], pad: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each (topic, chunk) pair where the chunk holds one of the topic's required
        terms, once: topic positions here, chunk rows."""
        in_batch = np.full(pad + 1, -1, dtype=np.int64)  # vocabulary id -> batch term id
        in_batch[shared[0]] = shared[1]
        k, c = np.nonzero(self.required)
        b = in_batch[self.terms[k, c]]
        at, owner = batch.postings.of_terms(b[b >= 0])
        stride = len(batch.chunks)
        pair = np.unique(k[b >= 0][owner] * stride + batch.postings.rows[at])
        return pair // stride, pair % stride

    def coverage(self, topic: np.ndarray, chunk: np.ndarray, held: _Held) -> np.ndarray:
        """`snippets.coverage` per pair: the share of the topic's findable weight the
        chunk holds, summed term after term as that rule sums them."""
        covered = np.zeros(len(topic))
        for column in range(self.terms.shape[1]):
            holds = (held.count(chunk, self.terms[topic, column]) > 0) & self.seen[topic, column]
            covered += np.where(holds, self.weight[self.terms[topic, column]], 0.0)
        mass = self.mass[topic]
        return np.divide(covered, mass, out=np.zeros_like(covered), where=mass > 0)

    def scores(
        self, topic: np.ndarray, chunk: np.ndarray, held: _Held, norms: np.ndarray, p: BM25Config
    ) -> list[float]:
        """BM25Okapi per pair: the serving index's idf, the batch's mean length (in
        `norms`, `Batch.norms`), each of the topic's terms as often as it was typed."""
        k1 = p.k1 + 1
        values = np.zeros((len(topic), self.repeats.shape[1]))
        for column in range(self.repeats.shape[1]):
            term = self.repeats[topic, column]
            n = held.count(chunk, term)
            top = self.weight[term] * n * k1
            np.divide(top, n + norms[chunk], out=values[:, column], where=n > 0)
        return [math.fsum(row) for row in values.tolist()]  # exact: no order changes it

    def weights_of(self, position: int, topic: Topic) -> dict[str, float]:
        """One topic's weights as `question.weigh` gives them: term -> weight, as typed."""
        return dict(zip(topic.distinct, self.weight[self.terms[position]].tolist(), strict=False))


def _running_sum(values: np.ndarray) -> np.ndarray:
    """Each row's sum, column after column from the left as Python's `sum` adds a
    topic's terms (padding adds 0.0, which changes no float): the same floats exactly."""
    total = np.zeros(len(values))
    for column in range(values.shape[1]):
        total += values[:, column]
    return total


def _required(
    weights: np.ndarray, seen: np.ndarray, mass: np.ndarray, min_coverage: float
) -> np.ndarray:
    """Per topic, its heaviest seen terms until the rest weigh less than `min_coverage`
    of it: a chunk holding none of them cannot reach it, so it is never checked."""
    order = np.argsort(np.where(seen, -weights, np.inf), axis=1, kind="stable")
    heaviest = np.take_along_axis(weights, order, axis=1)
    rest, floor = mass.copy(), min_coverage * mass
    taking = np.take_along_axis(seen, order, axis=1)
    for column in range(weights.shape[1]):
        taking[:, column] &= ~(rest < floor)
        if column + 1 < weights.shape[1]:
            taking[:, column + 1] &= taking[:, column]
        rest = np.where(taking[:, column], rest - heaviest[:, column], rest)
    required = np.zeros_like(seen)
    np.put_along_axis(required, order, taking, axis=1)
    return required


StatsOf = Callable[[Sequence[str]], TermStats]


def percolate(
    percolator: Percolator,
    batch: Batch,
    stats_of: StatsOf,
    answers: AnswersConfig,
    bm25: BM25Config,
) -> list[Match]:
    """Every (topic, new article) pair the topic answers, best chunk per pair (by
    coverage, then BM25, then the first), asking the backend once for the idf of the
    terms of the topics the batch touches (not at all when it touches none)."""
    shared = percolator.shared(batch)
    rows = percolator.touching(shared[0])
    if not rows.size:
        return []
    vocabulary = percolator.terms_of(rows)
    weighed = _Weighed.of(percolator, rows, vocabulary, stats_of(vocabulary), answers)
    held = _Held.of(batch, shared, percolator.pad)
    topic, chunk = weighed.candidates(batch, shared, percolator.pad)
    covered = weighed.coverage(topic, chunk, held)
    passing = ~(covered < answers.min_coverage)
    topic, chunk, covered = topic[passing], chunk[passing], covered[passing]
    score = np.array(weighed.scores(topic, chunk, held, batch.norms(bm25), bm25))
    topic_id = np.array(percolator.ids, dtype=np.int64)[weighed.rows[topic]]
    article = batch.article_of[chunk]
    # Per (topic, article): the most coverage, then the best score, then the first chunk.
    order = np.lexsort((chunk, -score, -covered, article, topic_id))
    ids, articles = topic_id[order], article[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ids[1:] != ids[:-1]) | (articles[1:] != articles[:-1])
    won = order[first]
    weights: dict[int, dict[str, float]] = {}
    matches = []
    for k, topic_id_, article_, row, share, bm in zip(
        topic[won].tolist(),
        topic_id[won].tolist(),
        article[won].tolist(),
        chunk[won].tolist(),
        covered[won].tolist(),
        score[won].tolist(),
        strict=True,
    ):
        if topic_id_ not in weights:
            weights[topic_id_] = weighed.weights_of(k, percolator.topics[topic_id_])
        sentence, marks = batch.sentences[row].best(weights[topic_id_])
        matches.append(Match(topic_id_, article_, sentence, marks, share, bm))
    return matches


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
        n = 0
        if len(self.where) > 1:
            scores = [sum([w for t, w in weights.items() if t in held]) for held in self.where]
            n = scores.index(max(scores))  # the first of equals
        a, b = self.spans[n]
        # Only the topic's own terms, in the sentence's order: highlight_spans passes
        # over any other term, so its marks are those of the whole sentence's terms.
        where = self.where[n]
        hits = [where[t] for t in weights if t in where]
        places = hits[0] if len(hits) == 1 else sorted(itertools.chain.from_iterable(hits))
        found = [self.terms[n][p] for p in places]
        return self.text[a:b], highlight_spans(self.text, found, a, b, weights.keys())


Marked = tuple[str, tuple[tuple[int, int], ...]]


def sentence_of(query: Query, candidate: Candidate) -> Marked:
    """The sentence an answer would show from a chunk, its matches marked; the chunk's
    first sentence when it matched by its headline alone."""
    snippet = best_snippet(query, candidate, candidate.score, topic_terms(candidate.headline))
    if snippet is not None:
        return candidate.text[snippet.start : snippet.end], snippet.marks
    first = sentence_spans(candidate.text)[:1] or [(0, len(candidate.text))]
    return candidate.text[first[0][0] : first[0][1]], ()
