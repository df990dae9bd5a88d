"""An inverted BM25 index that returns rank_bm25.BM25Okapi's scores, fast.

BM25Okapi walks every document for every query term. Here each term owns a
posting list (int32 chunk ids, sorted, with uint16 term frequencies), so a
query costs the postings of its terms, not the corpus size. Scores use
BM25Okapi's float64 expression, summed in query order, so they agree with it
to within a few ulps (summation order and the exact mean behind the epsilon floor).

Queries use MaxScore pruning: rare terms are scored first; once the k-th best
partial score beats what all remaining (common) terms could add to an unseen
chunk, the common terms are only looked up for the candidates already found.
The top k is exact; heavy queries with very common words stay cheap.

Analysis lives elsewhere: the index only sees token lists (or a forward index
of term ids, which is what lets it be rebuilt after updates without re-reading
text).
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

TF_DTYPE = np.uint16
TF_MAX = int(np.iinfo(TF_DTYPE).max)


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True)
class Forward:
    """Per chunk, its distinct term ids and their counts (CSR by chunk)."""

    indptr: np.ndarray  # int64, chunks + 1
    terms: np.ndarray  # int32 term ids
    tfs: np.ndarray  # uint16 counts

    @property
    def size(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def from_docs(cls, docs: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> Forward:
        """Count each chunk's terms, adding unseen terms to `vocabulary` (in place)."""
        doc_of, ids = _token_ids(docs, vocabulary)
        return cls._count(doc_of, ids, len(docs))

    @classmethod
    def _count(cls, doc_of: np.ndarray, ids: np.ndarray, n: int) -> Forward:
        """Run-length count (chunk, term) pairs: sort by term within chunk, then group."""
        order = _stable_order(ids)  # by term...
        order = order[_stable_order(doc_of[order])]  # ...then by chunk, stably
        docs, terms = doc_of[order], ids[order]
        starts = _run_starts(docs, terms)
        counts = np.diff(np.append(starts, len(order)))
        if counts.size and counts.max() > TF_MAX:
            raise ValueError(f"a term occurs more than {TF_MAX} times in one chunk")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(docs[starts], minlength=n), out=indptr[1:])
        return cls(indptr, terms[starts].astype(np.int32), counts.astype(TF_DTYPE))

    def lengths(self) -> np.ndarray:
        """Tokens per chunk (the BM25 document length)."""
        doc_of = np.repeat(np.arange(self.size), np.diff(self.indptr))
        return np.bincount(doc_of, weights=self.tfs, minlength=self.size).astype(np.int64)

    def select(self, rows: np.ndarray) -> Forward:
        """The forward index of some chunks, in the given order."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        take = _ranges(starts, lengths)
        return Forward(indptr, self.terms[take], self.tfs[take])

    @staticmethod
    def concat(parts: Sequence[Forward]) -> Forward:
        offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
        indptr = np.concatenate(
            [np.zeros(1, dtype=np.int64)]
            + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)]
        )
        return Forward(
            indptr,
            np.concatenate([p.terms for p in parts]).astype(np.int32),
            np.concatenate([p.tfs for p in parts]).astype(TF_DTYPE),
        )


class BM25Index:
    """Postings in CSR layout by term: term t owns doc_ids[indptr[t]:indptr[t+1]]."""

    def __init__(
        self,
        terms: Sequence[str],
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        tfs: np.ndarray,
        doc_len: np.ndarray,
        params: BM25Params,
        derived: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """`derived` (idf, norm, max_impact) comes from a saved index; else it is computed."""
        self.terms = list(terms)
        self.vocabulary = {t: i for i, t in enumerate(self.terms)}
        # Plain views of (possibly memory-mapped) arrays: np.memmap slicing is slow.
        self.indptr = np.asarray(indptr)
        self.doc_ids = np.asarray(doc_ids)
        self.tfs = np.asarray(tfs)
        self.doc_len = np.asarray(doc_len)
        self.params = params
        self.size = len(doc_len)
        if derived is not None:
            self.idf, self.norm, self.max_impact = (np.asarray(a) for a in derived)
        else:
            self.idf = _okapi_idf(np.diff(indptr), self.size, params.epsilon)
            avgdl = float(doc_len.sum()) / self.size if self.size else 1.0
            # k1 * (1 - b + b * dl / avgdl), computed exactly as BM25Okapi does.
            p = params
            self.norm = p.k1 * (1 - p.b + p.b * doc_len.astype(np.float64) / avgdl)
            self.max_impact = self._max_impacts()
        self._scratch = threading.local()

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], params: BM25Params | None = None) -> BM25Index:
        """Index token lists (a chunk's terms, repeats counted), inverting them directly."""
        vocabulary: dict[str, int] = {}
        doc_of, ids = _token_ids(docs, vocabulary)
        order = _stable_order(ids)  # by term; chunk order (and so sorted ids) kept within
        terms, chunks = ids[order], doc_of[order]
        del order, ids, doc_of
        starts = _run_starts(terms, chunks)
        tfs = np.diff(np.append(starts, terms.size))
        if tfs.size and tfs.max() > TF_MAX:
            raise ValueError(f"a term occurs more than {TF_MAX} times in one chunk")
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms[starts], minlength=len(vocabulary)), out=indptr[1:])
        lengths = np.fromiter(map(len, docs), dtype=np.int32, count=len(docs))
        return cls(
            list(vocabulary),
            indptr,
            chunks[starts],
            tfs.astype(TF_DTYPE),
            lengths,
            params or BM25Params(),
        )

    @classmethod
    def from_forward(cls, forward: Forward, terms: Sequence[str], params: BM25Params) -> BM25Index:
        """Invert a forward index; terms no chunk holds are dropped from the vocabulary."""
        n = forward.size
        doc_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(forward.indptr))
        order = _stable_order(forward.terms)  # chunk ids stay sorted within each term
        df = np.bincount(forward.terms, minlength=len(terms))
        used = np.flatnonzero(df)
        indptr = np.zeros(len(used) + 1, dtype=np.int64)
        np.cumsum(df[used], out=indptr[1:])
        return cls(
            [terms[i] for i in used.tolist()],
            indptr,
            doc_of[order],
            forward.tfs[order],
            forward.lengths().astype(np.int32),
            params,
        )

    def _weights(self, t: int, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """BM25Okapi's contribution of term t to chunks `ids` with frequencies `tf`."""
        k1 = self.params.k1
        tf = tf.astype(np.float64)
        return self.idf[t] * (tf * (k1 + 1) / (tf + self.norm[ids]))

    def _max_impacts(self) -> np.ndarray:
        """Per term, the largest contribution it makes to any chunk (MaxScore's bound)."""
        if not self.doc_ids.size:
            return np.zeros(len(self.terms))
        k1 = self.params.k1
        tf = self.tfs.astype(np.float64)
        ratio = tf * (k1 + 1) / (tf + self.norm[self.doc_ids])
        return self.idf * np.maximum.reduceat(ratio, self.indptr[:-1])

    def term_idf(self, term: str) -> float | None:
        """The index's idf for a term, None when no chunk holds it."""
        t = self.vocabulary.get(term)
        return None if t is None else float(self.idf[t])

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Dense scores for every chunk, like BM25Okapi.get_scores."""
        scores = np.zeros(self.size)
        for term in query:
            t = self.vocabulary.get(term)
            if t is not None:
                a, b = self.indptr[t], self.indptr[t + 1]
                ids = self.doc_ids[a:b]
                scores[ids] += self._weights(t, ids, self.tfs[a:b])
        return scores

    def top_k(
        self, query: Sequence[str], k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best chunks with a positive score, best first (ties by chunk id).

        `mask` (booleans over chunks) filters candidates; scores never change
        with it, so a filter before or after scoring gives the same answer.
        """
        uses: dict[int, int] = {}
        for term in query:
            t = self.vocabulary.get(term)
            if t is not None:
                uses[t] = uses.get(t, 0) + 1
        if not uses or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        bound = {t: float(self.max_impact[t]) * n for t, n in uses.items()}
        order = sorted(uses, key=lambda t: -bound[t])  # rare terms first
        left = sum(bound.values())
        left_postings = sum(self.postings_of(t) for t in order)
        scores = self._scratch_scores()
        new_ids: list[np.ndarray] = []
        found = 0
        done = 0
        try:
            for t in order:
                a, b = self.indptr[t], self.indptr[t + 1]
                ids = self.doc_ids[a:b].astype(np.intp)  # native indices gather faster
                before = scores[ids]
                fresh = ids[before == 0]  # untouched so far (every weight is > 0)
                scores[ids] = before + self._weights(t, ids, self.tfs[a:b]) * uses[t]
                new_ids.append(fresh)
                found += fresh.size
                done += 1
                left -= bound[t]
                left_postings -= ids.size
                # Prune only when it saves work: the rest is big next to what we have.
                if done < len(order) and left_postings > found:
                    kth = self._kth(scores, np.concatenate(new_ids), k, mask)
                    if kth > left * (1 + 1e-9):
                        break
            candidates = np.concatenate(new_ids)
            values = scores[candidates]
        finally:
            for ids in new_ids:
                scores[ids] = 0.0
        if np.any(self.idf[list(uses)] <= 0):  # a zero weight can list a chunk twice
            candidates, first = np.unique(candidates, return_index=True)
            values = values[first]
        if mask is not None:
            keep = mask[candidates]
            candidates, values = candidates[keep], values[keep]
        for t in order[done:]:  # pruned terms: only the candidates' postings are read
            values = values + self._lookup(t, candidates) * uses[t]
        return _best(candidates, values, k)

    def postings_of(self, t: int) -> int:
        return int(self.indptr[t + 1] - self.indptr[t])

    @staticmethod
    def _kth(scores: np.ndarray, ids: np.ndarray, k: int, mask: np.ndarray | None) -> float:
        """The k-th best partial score so far: a lower bound on the final k-th score."""
        if mask is not None:
            ids = ids[mask[ids]]
        if ids.size < k:
            return 0.0
        return float(np.partition(scores[ids], ids.size - k)[ids.size - k])

    def _lookup(self, t: int, candidates: np.ndarray) -> np.ndarray:
        """Term t's contribution to each candidate (0 where absent).

        Binary search when the candidates are few next to the postings; otherwise
        scatter the postings into the scratch buffer and gather.
        """
        a, b = self.indptr[t], self.indptr[t + 1]
        ids = self.doc_ids[a:b]
        if candidates.size * 8 < ids.size:
            out = np.zeros(candidates.size)
            at = np.minimum(np.searchsorted(ids, candidates), ids.size - 1)
            hit = ids[at] == candidates
            out[hit] = self._weights(t, candidates[hit], self.tfs[a:b][at[hit]])
            return out
        scores = self._scratch_scores()
        ids = ids.astype(np.intp)
        scores[ids] = self._weights(t, ids, self.tfs[a:b])
        out = scores[candidates]
        scores[ids] = 0.0
        return out

    def _scratch_scores(self) -> np.ndarray:
        """A zeroed score buffer per thread, so concurrent queries never share one."""
        local = self._scratch
        if getattr(local, "size", None) != self.size:
            local.scores = np.zeros(self.size)
            local.size = self.size
        return local.scores


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


def _token_ids(
    docs: Sequence[Sequence[str]], vocabulary: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(chunk of each token, term id of each token); unseen terms join `vocabulary`.

    One pass in C over all tokens: setdefault records each new term with the position
    of its first occurrence, which a lookup table then turns into consecutive ids.
    """
    n = len(docs)
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n)
    total = int(lengths.sum())
    known = len(vocabulary)
    raw = np.fromiter(
        map(vocabulary.setdefault, chain.from_iterable(docs), itertools.count(known)),
        dtype=np.int64,
        count=total,
    )
    fresh = list(itertools.islice(vocabulary, known, None))
    positions = np.fromiter((vocabulary[t] for t in fresh), dtype=np.int64, count=len(fresh))
    remap = np.zeros(known + total, dtype=np.int32)
    remap[:known] = np.arange(known, dtype=np.int32)
    remap[positions] = np.arange(known, known + len(fresh), dtype=np.int32)
    for i, t in enumerate(fresh):
        vocabulary[t] = known + i
    ids = remap[raw]
    doc_of = np.repeat(np.arange(n, dtype=np.int32), lengths)
    return doc_of, ids


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """A stable argsort of non-negative int32 keys, as two 16-bit radix passes."""
    keys = keys.astype(np.int64, copy=False)
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if keys.size == 0 or keys.max() <= 0xFFFF:
        return low
    high = (keys[low] >> 16).astype(np.uint16)
    return low[np.argsort(high, kind="stable")]


def _run_starts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Indices where the pair (a[i], b[i]) differs from the previous pair."""
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(a.size, dtype=bool)
    change[0] = True
    np.not_equal(a[1:], a[:-1], out=change[1:])
    change[1:] |= b[1:] != b[:-1]
    return np.flatnonzero(change)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s + n) for each (s, n), vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(np.concatenate(([0], lengths[:-1]))), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def _okapi_idf(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """BM25Okapi's idf: log(N - df + .5) - log(df + .5), negatives floored at eps * mean."""
    if df.size == 0:
        return np.zeros(0)
    # math.log, as BM25Okapi uses, once per distinct document frequency.
    distinct, where = np.unique(df, return_inverse=True)
    logs = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in distinct.tolist()]
    idf = np.array(logs)[where]
    average = math.fsum(idf.tolist()) / idf.size
    idf[idf < 0] = epsilon * average
    return idf
