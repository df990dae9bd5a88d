"""Exact top k over CSR postings: MaxScore with per-block upper bounds (block-max).

The layout is arrays only: term t owns doc_ids[indptr[t]:indptr[t+1]] (sorted) and
tfs[...] (its frequencies), and doc_len holds every chunk's length. Scoring needs the
query-time statistics, passed in: each query term's idf and the per-chunk length norm
k1 * (1 - b + b * dl / avgdl) (retrieval/index/okapi.py, the one scorer). Nothing
stored depends on them, so a segment of a larger index is searched with the whole
index's idf and average length.

MaxScore: terms are taken by decreasing bound (rare terms first) and scored in full
until the k-th best partial score beats what all remaining terms could add to a chunk
not seen yet; from then on no new chunk can enter the top k, and the remaining terms
only matter for the candidates found. Block-max: each term's postings are cut into
blocks of BLOCK, each with its largest tf and least doc lengths, so the bound of a
remaining term at a candidate is its block's bound, not the term's; a candidate whose
partial score plus those bounds cannot reach the k-th best is dropped before its
remaining terms are looked up. Exact: a chunk is only dropped when it provably
cannot be in the top k (ties included), and scores are summed in the order of terms
by decreasing bound, term weight times its number of uses in the query.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.index.okapi import length_norm, term_weights

# Postings per block: small enough that a block's maximum is tight (few postings share
# one), large enough that the per-block arrays stay under a tenth of the postings.
BLOCK = 128
# Relative slack on every bound comparison: bounds are summed in another order than the
# scores, so they may differ from them by a few ulps; a chunk is kept on any doubt.
SLACK = 1e-9
# Below this many postings a term is scored through binary search of its postings for
# each candidate, above it by scattering its postings (see _lookup).
SCATTER_RATIO = 8
# Block bounds are looked up for the candidates (a binary search each) only when they
# are this many times fewer than the postings left to read; else term bounds are used.
BLOCK_TEST_RATIO = 4
# Postings per step when computing maxima over many terms, so temporaries stay small.
STEP_POSTINGS = 1 << 20


@dataclass(frozen=True)
class Postings:
    """Postings in CSR layout by term, and every chunk's length (number of terms)."""

    indptr: np.ndarray
    doc_ids: np.ndarray
    tfs: np.ndarray
    doc_len: np.ndarray


@dataclass(frozen=True)
class Blocks:
    """One term's blocks: last chunk id, largest tf, least length among the postings with
    that tf, and least length over the block. Valid whatever idf and avgdl are."""

    last: np.ndarray
    max_tf: np.ndarray
    max_tf_len: np.ndarray
    min_len: np.ndarray


class BlockMaxima:
    """Per-term block maxima of a Postings, computed on a term's first query and kept.

    Lazily, so opening an index costs nothing and only queried terms pay (once)."""

    def __init__(self, postings: Postings) -> None:
        self.postings = postings
        self._terms: dict[int, Blocks] = {}
        self._lock = threading.Lock()

    def of(self, t: int) -> Blocks:
        blocks = self._terms.get(t)
        if blocks is None:
            blocks = self._compute(t)
            with self._lock:
                self._terms[t] = blocks
        return blocks

    def _compute(self, t: int) -> Blocks:
        p = self.postings
        a, b = int(p.indptr[t]), int(p.indptr[t + 1])
        ids, tf = p.doc_ids[a:b], p.tfs[a:b]
        length = p.doc_len[ids]
        starts = np.arange(0, b - a, BLOCK)
        max_tf = np.maximum.reduceat(tf, starts)
        at_max = tf == np.repeat(max_tf, np.diff(np.append(starts, b - a)))
        big = np.iinfo(length.dtype).max
        return Blocks(
            last=ids[np.minimum(starts + BLOCK, b - a) - 1].astype(np.int64),
            max_tf=max_tf.astype(np.float64),
            max_tf_len=np.minimum.reduceat(np.where(at_max, length, big), starts),
            min_len=np.minimum.reduceat(length, starts),
        )


@dataclass(frozen=True)
class Weighting:
    """The query-time statistics: BM25's k1 and b, the average chunk length (of the whole
    index, which a segment may be part of) and the per-chunk norms computed from it."""

    k1: float
    b: float
    avgdl: float
    norm: np.ndarray

    def block_bounds(self, blocks: Blocks, idf: float) -> np.ndarray:
        """The most one use of a term can add to any chunk of each block.

        A posting either has the block's largest tf, and then at least max_tf_len
        terms, or at most one less, and at least min_len terms; weights grow with tf
        and shrink with length (and rounding keeps both monotone)."""
        k1, b, avgdl = self.k1, self.b, self.avgdl
        top = term_weights(blocks.max_tf, length_norm(blocks.max_tf_len, k1, b, avgdl), idf, k1)
        below = np.maximum(blocks.max_tf - 1, 0)
        rest = term_weights(below, length_norm(blocks.min_len, k1, b, avgdl), idf, k1)
        return np.maximum(top, rest)


class Scratch(threading.local):
    """A zeroed score buffer per thread and index size: queries never share one."""

    scores: np.ndarray | None = None

    def zeros(self, size: int) -> np.ndarray:
        if self.scores is None or self.scores.size != size:
            self.scores = np.zeros(size)
        return self.scores


def top_k(
    postings: Postings,
    blocks: BlockMaxima,
    weighting: Weighting,
    terms: Sequence[int],
    idf: Sequence[float],
    bounds: Sequence[float],
    k: int,
    mask: np.ndarray | None = None,
    scratch: Scratch | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The k best chunks with a positive score, best first, ties by chunk id.

    `terms` are term ids, repeated as often as the query uses them; `idf` and
    `bounds` are per term id (bounds: the most one use adds to any chunk, e.g. from
    `term_bounds`). `mask` (booleans over chunks) filters candidates; scores never
    change with it.
    """
    uses: dict[int, int] = {}
    for t in terms:
        uses[t] = uses.get(t, 0) + 1
    if not uses or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if any(idf[t] <= 0 for t in uses):  # bounds and "untouched" both assume weights > 0
        return _exhaustive(postings, weighting, uses, idf, bounds, k, mask, scratch)
    bound = {t: float(bounds[t]) * n for t, n in uses.items()}
    order = sorted(uses, key=lambda t: -bound[t])  # rare terms first
    indptr, doc_ids, tfs = postings.indptr, postings.doc_ids, postings.tfs
    left = sum(bound.values())
    left_postings = int(sum(indptr[t + 1] - indptr[t] for t in order))
    scores = (scratch or Scratch()).zeros(postings.doc_len.size)
    new_ids: list[np.ndarray] = []
    found = done = 0
    kth = 0.0
    try:
        for t in order:
            a, b = indptr[t], indptr[t + 1]
            ids = doc_ids[a:b].astype(np.intp)  # native indices gather faster
            w = term_weights(tfs[a:b], weighting.norm[ids], idf[t], weighting.k1)
            if uses[t] != 1:
                w *= uses[t]
            if done == 0:  # nothing touched yet: 0 + w is w
                fresh = ids
            else:
                before = scores[ids]
                fresh = ids[before == 0]  # untouched so far (every weight is > 0)
                w += before
            scores[ids] = w
            new_ids.append(fresh)
            found += fresh.size
            done += 1
            left -= bound[t]
            left_postings -= ids.size
            # Prune only when it saves work: the rest is big next to what we have.
            if done < len(order) and left_postings > found:
                kth = _kth(scores, np.concatenate(new_ids), k, mask)
                if kth > left * (1 + SLACK):
                    break
        candidates = np.concatenate(new_ids)
        values = scores[candidates]
    finally:
        for ids in new_ids:
            scores[ids] = 0.0
    if mask is not None:
        keep = mask[candidates]
        candidates, values = candidates[keep], values[keep]
    rest = order[done:]
    if rest:
        candidates, values = _finish(
            postings, blocks, weighting, rest, uses, bound, idf, candidates, values, k, kth, scores
        )
    return _best(candidates, values, k)


def _finish(
    postings: Postings,
    blocks: BlockMaxima,
    weighting: Weighting,
    rest: list[int],
    uses: dict[int, int],
    bound: dict[int, float],
    idf: Sequence[float],
    candidates: np.ndarray,
    values: np.ndarray,
    k: int,
    kth: float,
    scores: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Add the pruned terms to the candidates, dropping those that cannot make the top k.

    A candidate's ceiling is its partial score plus each remaining term's bound in the
    block where the candidate would sit; the k-th best partial score only rises."""
    left = sum(bound[t] for t in rest)
    keep = (values + left) * (1 + SLACK) >= kth  # first the cheap test, with term bounds
    candidates, values = candidates[keep], values[keep]
    postings_left = sum(int(postings.indptr[t + 1] - postings.indptr[t]) for t in rest)
    if candidates.size * BLOCK_TEST_RATIO > postings_left:  # block bounds would cost more
        ceilings = [np.full(candidates.size, bound[t]) for t in rest]
    else:
        ceilings = [_ceilings(blocks.of(t), weighting, idf[t], candidates) * uses[t] for t in rest]
    headroom = np.sum(ceilings, axis=0)
    for i, t in enumerate(rest):
        keep = (values + headroom) * (1 + SLACK) >= kth
        if not keep.all():
            candidates, values, headroom = candidates[keep], values[keep], headroom[keep]
            ceilings = [c[keep] for c in ceilings]
        w = _lookup(postings, weighting, t, idf[t], candidates, scores)
        if uses[t] != 1:
            w *= uses[t]
        values = values + w
        headroom = headroom - ceilings[i]
        if candidates.size > k:
            kth = max(kth, float(np.partition(values, candidates.size - k)[candidates.size - k]))
    return candidates, values


def _ceilings(
    blocks: Blocks, weighting: Weighting, idf: float, candidates: np.ndarray
) -> np.ndarray:
    """One use's bound at each candidate: that of the block where it would sit, or 0."""
    at = np.searchsorted(blocks.last, candidates)
    inside = at < blocks.last.size
    out = np.zeros(candidates.size)
    out[inside] = weighting.block_bounds(blocks, idf)[at[inside]]
    return out


def _exhaustive(
    postings: Postings,
    weighting: Weighting,
    uses: dict[int, int],
    idf: Sequence[float],
    bounds: Sequence[float],
    k: int,
    mask: np.ndarray | None,
    scratch: Scratch | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of every term scored, in the same order as the pruned path: for a
    query with a term of idf <= 0, where a weight can be 0 or negative."""
    order = sorted(uses, key=lambda t: -float(bounds[t]) * uses[t])
    scores = (scratch or Scratch()).zeros(postings.doc_len.size)
    touched = []
    try:
        for t in order:
            a, b = postings.indptr[t], postings.indptr[t + 1]
            ids = postings.doc_ids[a:b].astype(np.intp)
            w = term_weights(postings.tfs[a:b], weighting.norm[ids], idf[t], weighting.k1)
            scores[ids] += w * uses[t]
            touched.append(ids)
        candidates = np.unique(np.concatenate(touched))
        values = scores[candidates]
    finally:
        for ids in touched:
            scores[ids] = 0.0
    if mask is not None:
        candidates, values = candidates[mask[candidates]], values[mask[candidates]]
    return _best(candidates, values, k)


def _kth(scores: np.ndarray, ids: np.ndarray, k: int, mask: np.ndarray | None) -> float:
    """The k-th best partial score so far: a lower bound on the final k-th score."""
    if mask is not None:
        ids = ids[mask[ids]]
    if ids.size < k:
        return 0.0
    return float(np.partition(scores[ids], ids.size - k)[ids.size - k])


def _lookup(
    postings: Postings,
    weighting: Weighting,
    t: int,
    idf: float,
    candidates: np.ndarray,
    scores: np.ndarray,
) -> np.ndarray:
    """Term t's weight at each candidate (0 where absent).

    Binary search when the candidates are few next to the postings; otherwise mark the
    candidates' places in the (zeroed) scratch buffer, find the postings that hit one,
    and weigh only those."""
    a, b = postings.indptr[t], postings.indptr[t + 1]
    if candidates.size * SCATTER_RATIO < b - a:
        return _search(postings, weighting, t, idf, candidates)
    ids = postings.doc_ids[a:b]
    scores[candidates] = np.arange(1, candidates.size + 1)  # place + 1: 0 is no candidate
    place = scores[ids]
    scores[candidates] = 0.0
    hit = np.flatnonzero(place)
    out = np.zeros(candidates.size)
    weights = term_weights(postings.tfs[a:b][hit], weighting.norm[ids[hit]], idf, weighting.k1)
    out[place[hit].astype(np.intp) - 1] = weights
    return out


def _search(
    postings: Postings, weighting: Weighting, t: int, idf: float, candidates: np.ndarray
) -> np.ndarray:
    """Term t's weight at each candidate (0 where absent), by binary search.

    The candidates take the postings' dtype: searchsorted would otherwise convert the
    whole posting list to theirs on every call."""
    a, b = postings.indptr[t], postings.indptr[t + 1]
    ids = postings.doc_ids[a:b]
    out = np.zeros(candidates.size)
    if ids.size == 0 or candidates.size == 0:
        return out
    at = np.searchsorted(ids, candidates.astype(ids.dtype, copy=False))
    np.minimum(at, ids.size - 1, out=at)
    hit = ids[at] == candidates
    found = candidates[hit]
    out[hit] = term_weights(postings.tfs[a:b][at[hit]], weighting.norm[found], idf, weighting.k1)
    return out


def term_bounds(postings: Postings, weighting: Weighting, idf: np.ndarray) -> np.ndarray:
    """Per term, the largest weight it gives any chunk (MaxScore's bound), exactly.

    Computed over runs of whole terms of about STEP_POSTINGS postings, so the float64
    temporaries stay small whatever the index size."""
    indptr = postings.indptr
    terms = indptr.size - 1
    out = np.zeros(terms)
    start = 0
    while start < terms:
        limit = indptr[start] + STEP_POSTINGS
        end = int(np.searchsorted(indptr, limit, "right")) - 1
        end = min(max(end, start + 1), terms)
        a, b = int(indptr[start]), int(indptr[end])
        norm = weighting.norm[postings.doc_ids[a:b]]
        ratio = term_weights(postings.tfs[a:b], norm, 1.0, weighting.k1)
        nonempty = indptr[start:end] < indptr[start + 1 : end + 1]
        at = indptr[start:end][nonempty] - a
        out[start:end][nonempty] = np.maximum.reduceat(ratio, at) if at.size else 0.0
        start = end
    return idf * out


def _best(candidates: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top k positive values, ties by id; everything tied with the k-th is considered."""
    keep = values > 0
    candidates, values = candidates[keep], values[keep]
    if values.size > k:
        kth = np.partition(values, values.size - k)[values.size - k]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:k]
    return candidates[order].astype(np.int64), values[order]
