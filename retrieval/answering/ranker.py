"""Reorder answer candidates by evidence beyond one chunk's BM25, with a learned linear model.

BM25 over one chunk misses what a reader uses to find the passage: whether the rest of
the article is about the question too, whether the headline names it, whether the
neighbouring paragraphs hold the words the chunk lacks, how tightly the matches sit,
whether the question's phrases appear as phrases, and whether the kind of thing asked
(a date, a sum) is there. Each is one feature below, computed from what every backend
returns (the ranked chunk records: text, terms, article identity, paragraph, BM25 score),
so the features are the same over the embedded index and Xapian shards.

The model is a linear score over standardised features, trained with a listwise softmax
loss (conditional logistic regression) by benchmarks/train_ranker.py on SQuAD-Shifts'
new_wiki, reddit and amazon splits only; its weights ship as ranker.json beside this
module, with the training set, seed, date and held-out figures. It reorders answer
candidates only: BM25 scores shown or ranked by `search` are untouched.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answering.question import Query
from retrieval.answering.snippets import Candidate, Snippet, cover_width, coverage
from retrieval.text.analysis import spans

if TYPE_CHECKING:  # imported when the trees are first used: it takes a second to load
    import lightgbm

# Chunks retrieved for the per-article evidence: deeper than the answer candidates, so an
# article's other passages on the question are seen; cheap (records of the top chunks only).
POOL = 50
# Chunks of the same article this many paragraphs apart or closer are neighbours: the
# chunker joins short paragraphs, so a neighbour may start two paragraphs away.
NEIGHBOUR_PARAGRAPHS = 2

# What each feature measures (the docs explain why each helps); the order is the model's.
FEATURES = (
    "chunk_bm25",  # the chunk's BM25 score as a share of the best chunk's
    "chunk_rank",  # 1 / (1 + its place in BM25's order)
    "article_bm25",  # the article's retrieved chunks' summed BM25, as a share of the best article's
    "article_coverage",  # the question's idf mass held anywhere in the article's retrieved chunks
    "headline",  # the question's idf mass in the headline (a field of its own)
    "neighbours",  # idf mass the chunk lacks but a neighbouring chunk of the article holds
    "coverage",  # the snippet's coverage (with the headline's credit), as the scorer computes it
    "chunk_coverage",  # the chunk's coverage
    "coord",  # the share of the question's distinct terms the snippet holds
    "answer_kind",  # the snippet holds the kind of thing asked for (0 to 1)
    "proximity",  # distinct matched terms / the width of the shortest stretch holding them
    "density",  # question-term occurrences per term of the snippet
    "bigrams",  # the question's adjacent term pairs found adjacent in the snippet
    "missing_rare",  # the idf share of the rarest question term the chunk lacks
    "hand_score",  # the hand-weighted snippet score, as a share of the best one's
    "pair",  # the snippet is more than its one answering sentence
)


@dataclass(frozen=True)
class Linear:
    """A linear model over standardised features: score = ((x - mean) / scale) . weights."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    short_confidence: float = 0.5  # see `Ranker`

    def scores(self, rows: np.ndarray) -> np.ndarray:
        mean, scale = np.asarray(self.mean), np.asarray(self.scale)
        return ((rows - mean) / scale) @ np.asarray(self.weights)

    def model(self) -> dict[str, object]:
        return {
            "kind": "linear",
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "short_confidence": self.short_confidence,
        }


@dataclass(frozen=True)
class Forest:
    """LambdaMART: boosted regression trees (LightGBM's text model) scoring each candidate."""

    features: tuple[str, ...]
    trees: str  # LightGBM's model, as its model_to_string() writes it
    short_confidence: float = 0.5  # see `Ranker`

    @functools.cached_property
    def booster(self) -> lightgbm.Booster:
        import lightgbm

        return lightgbm.Booster(model_str=self.trees)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(rows, num_threads=1), dtype=np.float64)

    def model(self) -> dict[str, object]:
        return {
            "kind": "lambdamart",
            "features": list(self.features),
            "trees": self.trees,
            "short_confidence": self.short_confidence,
        }


# The shipped model, whichever kind won on the training splits' validation questions; its
# `short_confidence` is the probability (softmax of its scores among a question's candidates)
# from which a short answer is shown, calibrated on those questions by train_ranker.py.
Ranker = Linear | Forest


def to_json(ranker: Ranker, about: Mapping[str, object]) -> str:
    return json.dumps({"model": ranker.model(), "about": dict(about)}, indent=1) + "\n"


def from_json(text: str) -> Ranker:
    """The ranker a JSON file holds; ValueError when its features are not this module's."""
    model = json.loads(text)["model"]
    features = tuple(model["features"])
    if features != FEATURES:
        raise ValueError(f"ranker features {features} are not {FEATURES}")
    confidence = float(model["short_confidence"])
    if model["kind"] == "lambdamart":
        return Forest(features, model["trees"], confidence)
    return Linear(
        features, tuple(model["mean"]), tuple(model["scale"]), tuple(model["weights"]), confidence
    )


@functools.cache
def shipped() -> Ranker:
    """The ranker that ships in the package (retrieval/answering/ranker.json)."""
    return from_json(resources.files(__package__).joinpath("ranker.json").read_text("utf-8"))


@dataclass(frozen=True)
class Pool:
    """What all retrieved chunks say about each article, for one question."""

    top: float  # the best chunk's BM25 score
    rank: Mapping[int, int]  # chunk id -> its place in BM25's order
    article_score: Mapping[Hashable, float]  # summed BM25 of the article's retrieved chunks
    best_article: float
    article_terms: Mapping[Hashable, frozenset[str]]
    by_article: Mapping[Hashable, Sequence[Candidate]]


def pool_of(candidates: Sequence[Candidate]) -> Pool:
    """The per-article evidence of every retrieved chunk (best first, as BM25 ranked them)."""
    score: dict[Hashable, float] = {}
    terms: dict[Hashable, set[str]] = {}
    by_article: dict[Hashable, list[Candidate]] = {}
    for c in candidates:
        score[c.article] = score.get(c.article, 0.0) + c.score
        terms.setdefault(c.article, set()).update(c.terms)
        by_article.setdefault(c.article, []).append(c)
    return Pool(
        candidates[0].score if candidates else 0.0,
        {c.chunk: i for i, c in enumerate(candidates)},
        score,
        max(score.values(), default=0.0),
        {a: frozenset(t) for a, t in terms.items()},
        by_article,
    )


def _share(value: float, best: float) -> float:
    return value / best if best > 0 else 0.0


def _mass(query: Query, terms: frozenset[str] | set[str]) -> float:
    """The question's idf mass among `terms`, as a share of all of it."""
    return _share(sum(w for t, w in query.weights.items() if t in terms), query.mass)


def features(
    query: Query, snippet: Snippet, candidate: Candidate, pool: Pool, best_hand: float
) -> list[float]:
    """The FEATURES of one answer candidate (its best snippet within its chunk)."""
    text = candidate.text[snippet.start : snippet.end]
    found = [t for t, _, _ in spans(text)]
    wanted = query.weights.keys()
    positions = [(i, t) for i, t in enumerate(found) if t in wanted]
    distinct = {t for _, t in positions}
    width = cover_width(positions, len(distinct)) if len(distinct) > 1 else 0
    proximity = len(distinct) / width if width else 0.0
    pairs = {(a, b) for a, b in pairwise(query.terms) if a != b}
    held_pairs = pairs & set(pairwise(found))
    neighbours: set[str] = set()
    for other in pool.by_article.get(candidate.article, ()):
        if other.chunk != candidate.chunk and (
            abs(other.paragraph - candidate.paragraph) <= NEIGHBOUR_PARAGRAPHS
        ):
            neighbours |= other.terms
    lacking = [w for t, w in query.weights.items() if t not in candidate.terms]
    headline = {t for t, _, _ in spans(candidate.headline)}
    return [
        _share(candidate.score, pool.top),
        1.0 / (1 + pool.rank.get(candidate.chunk, len(pool.rank))),
        _share(pool.article_score.get(candidate.article, 0.0), pool.best_article),
        coverage(query, pool.article_terms.get(candidate.article, candidate.terms)),
        _mass(query, headline),
        _mass(query, neighbours - candidate.terms),
        snippet.coverage,
        coverage(query, candidate.terms),
        _share(len(distinct), len(query.weights)),
        snippet.answer,
        proximity,
        _share(len(positions), len(found)),
        _share(len(held_pairs), len(pairs)) if pairs else 0.0,
        _share(max(lacking, default=0.0), query.mass),
        _share(snippet.score, best_hand),
        float(snippet.sentence != (snippet.start, snippet.end)),
    ]


def feature_rows(
    query: Query, snippets: Sequence[tuple[Snippet, Candidate]], candidates: Sequence[Candidate]
) -> np.ndarray:
    """One row of FEATURES per answer candidate."""
    pool = pool_of(candidates)
    best_hand = max((s.score for s, _ in snippets), default=0.0)
    rows = [features(query, s, c, pool, best_hand) for s, c in snippets]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def softmax(scores: np.ndarray) -> np.ndarray:
    if not len(scores):
        return scores
    e = np.exp(scores - scores.max())
    return e / e.sum()


def rerank(
    ranker: Ranker,
    query: Query,
    snippets: Sequence[tuple[Snippet, Candidate]],
    candidates: Sequence[Candidate],
) -> list[tuple[Snippet, Candidate]]:
    """The answer candidates best first by the ranker; each snippet's score becomes its
    probability of being the answer among them (a confidence later stages can read)."""
    if not snippets:
        return []
    probability = softmax(ranker.scores(feature_rows(query, snippets, candidates)))
    order = sorted(range(len(snippets)), key=lambda i: (-probability[i], i))
    return [(replace(snippets[i][0], score=float(probability[i])), snippets[i][1]) for i in order]
