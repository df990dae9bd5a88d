"""BM25Okapi's scoring, written once: idf (with its epsilon floor), length norm, term weight.

rank_bm25.BM25Okapi is the reference; each expression here is its own, in its float
order, so a term's weight in a chunk has the same bits wherever it is computed
(the embedded build and query, the shards' rescoring, a question's term weights).
Two things can still differ from BM25Okapi in the last bits of a score: the
order a chunk's term weights are summed in, and the mean idf behind the epsilon
floor (summed exactly here with math.fsum, in whatever order the terms come;
BM25Okapi sums it in its dictionary's order). docs/performance.md gives the
measured difference.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from itertools import chain, repeat

import numpy as np


def raw_idf(df: int, n: int) -> float:
    """BM25Okapi's idf before the floor: log(N - df + .5) - log(df + .5), with math.log as
    it does. For df = 0 it is the weight of a word no chunk holds (more than any held)."""
    return math.log(n - df + 0.5) - math.log(df + 0.5)


def mean_idf(dfs: Iterable[int], n: int) -> float:
    """The mean raw idf over a vocabulary's document frequencies (exact: math.fsum)."""
    return _mean(Counter(dfs).items(), n)


def _mean(counts: Iterable[tuple[int, int]], n: int) -> float:
    """The mean raw idf over (document frequency, terms with it) pairs."""
    counts = list(counts)
    size = sum(c for _, c in counts)
    if not size:
        return 0.0
    # fsum is exact, so summing each distinct idf `count` times matches any order.
    values = (repeat(raw_idf(df, n), c) for df, c in counts)
    return math.fsum(chain.from_iterable(values)) / size


def idf(df: int, n: int, epsilon: float, mean: float | None) -> float:
    """BM25Okapi's idf of one term; `mean` (mean_idf) is needed only when the raw idf < 0."""
    raw = raw_idf(df, n)
    if raw >= 0:
        return raw
    if mean is None:
        raise ValueError("the epsilon floor needs the vocabulary's mean idf")
    return epsilon * mean


def idfs(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """BM25Okapi's idf of every term of a vocabulary (`df` per term), floor included."""
    if df.size == 0:
        return np.zeros(0)
    distinct, where, counts = np.unique(df, return_inverse=True, return_counts=True)
    raw = np.array([raw_idf(f, n) for f in distinct.tolist()])
    if raw.min() < 0:
        mean = _mean(zip(distinct.tolist(), counts.tolist(), strict=True), n)
        raw[raw < 0] = epsilon * mean
    return raw[where]


def length_norm(length, k1: float, b: float, avgdl: float):
    """k1 * (1 - b + b * dl / avgdl): one chunk's (a number) or many (an array)."""
    return k1 * (1 - b + b * length / avgdl)


def term_weights(tf: np.ndarray, norm: np.ndarray, idf: float, k1: float) -> np.ndarray:
    """idf * (tf * (k1 + 1) / (tf + norm)) per posting, BM25Okapi's term weight, computed in
    place to spare temporaries: `norm` (the chunks' length norms, a gathered copy) is
    overwritten. The same operations as BM25Okapi's, so the same bits."""
    weights = tf.astype(np.float64)
    norm += weights
    weights *= k1 + 1
    weights /= norm
    weights *= idf
    return weights


def term_weight(tf: int, norm: float, idf: float, k1: float) -> float:
    """term_weights for one chunk (the shards' rescoring reads chunks one by one)."""
    return float(term_weights(np.array([tf]), np.array([norm]), idf, k1)[0])
