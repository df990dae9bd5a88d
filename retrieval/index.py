"""An inverted BM25 index that returns rank_bm25.BM25Okapi's exact scores.

BM25Okapi walks every document for every query term. Here each term owns a
posting list (int32 chunk ids, sorted, with their term frequencies), so a query
costs the postings of its terms, not the corpus size. Scores use the same
float64 expression in the same order as BM25Okapi, so they agree to the bit.
Analysis lives elsewhere: the index only sees token lists.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TF_DTYPE = np.uint16
TF_MAX = np.iinfo(TF_DTYPE).max


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


class BM25Index:
    """Postings in CSR layout by term: term t owns doc_ids[indptr[t]:indptr[t+1]]."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        tfs: np.ndarray,
        doc_len: np.ndarray,
        params: BM25Params,
    ) -> None:
        self.vocabulary = vocabulary
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.tfs = tfs
        self.doc_len = doc_len
        self.params = params
        self.size = len(doc_len)
        self.avgdl = float(doc_len.sum()) / self.size if self.size else 0.0
        df = np.diff(indptr)
        self.idf = _okapi_idf(df, self.size, params.epsilon)
        p = params
        # k1 * (1 - b + b * dl / avgdl), computed exactly as BM25Okapi does.
        self.norm = (
            p.k1 * (1 - p.b + p.b * doc_len.astype(np.float64) / self.avgdl)
            if self.size
            else np.zeros(0)
        )
        self._scratch = threading.local()

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], params: BM25Params | None = None) -> BM25Index:
        """Index token lists; vectorised so a million chunks build in seconds."""
        params = params or BM25Params()
        n = len(docs)
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n)
        vocabulary: dict[str, int] = {}
        setdefault = vocabulary.setdefault
        term_ids = np.fromiter(
            (setdefault(t, len(vocabulary)) for d in docs for t in d),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys, counts = np.unique(term_ids * max(n, 1) + doc_of, return_counts=True)
        terms = keys // max(n, 1)
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(vocabulary)), out=indptr[1:])
        if counts.size and counts.max() > TF_MAX:
            raise ValueError(f"a term occurs more than {TF_MAX} times in one chunk")
        return cls(
            vocabulary,
            indptr,
            (keys % max(n, 1)).astype(np.int32),
            counts.astype(TF_DTYPE),
            lengths.astype(np.int32),
            params,
        )

    def term_idf(self, term: str) -> float | None:
        """The index's idf for a term, None when the term is not in any chunk."""
        t = self.vocabulary.get(term)
        return None if t is None else float(self.idf[t])

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Chunk ids holding `term` and their BM25Okapi contribution."""
        t = self.vocabulary.get(term)
        if t is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        a, b = self.indptr[t], self.indptr[t + 1]
        ids = self.doc_ids[a:b]
        tf = self.tfs[a:b].astype(np.float64)
        k1 = self.params.k1
        return ids, self.idf[t] * (tf * (k1 + 1) / (tf + self.norm[ids]))

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Dense scores for every chunk, like BM25Okapi.get_scores."""
        scores = np.zeros(self.size)
        for term in query:
            ids, weights = self._postings(term)
            scores[ids] += weights
        return scores

    def top_k(
        self, query: Sequence[str], k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best chunks with a positive score, best first (ties by chunk id).

        Only chunks touched by the query's postings are considered; `mask`
        (a boolean array over chunks) filters them after exact scoring, so a
        filter never changes a score.
        """
        scratch = self._scratch_scores()
        touched = []
        for term in query:
            ids, weights = self._postings(term)
            if ids.size:
                scratch[ids] += weights
                touched.append(ids)
        if not touched:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        candidates = np.concatenate(touched) if len(touched) > 1 else touched[0]
        values = scratch[candidates]
        scratch[candidates] = 0.0
        if mask is not None:
            keep = mask[candidates]
            candidates, values = candidates[keep], values[keep]
        keep = values > 0
        candidates, values = candidates[keep], values[keep]
        # A chunk appears once per query term it holds, so k * terms entries hold k chunks;
        # everything tied with the last of them stays, so ties resolve by chunk id.
        wanted = min(candidates.size, k * len(touched))
        if 0 < wanted < candidates.size:
            kth = np.partition(values, candidates.size - wanted)[candidates.size - wanted]
            keep = values >= kth
            candidates, values = candidates[keep], values[keep]
        candidates, first = np.unique(candidates, return_index=True)
        values = values[first]
        order = np.lexsort((candidates, -values))[:k]
        return candidates[order].astype(np.int64), values[order]

    def _scratch_scores(self) -> np.ndarray:
        """A zeroed score buffer per thread, so concurrent queries never share one."""
        buf = getattr(self._scratch, "scores", None)
        if buf is None or buf.size != self.size:
            buf = np.zeros(self.size)
            self._scratch.scores = buf
        return buf


def _okapi_idf(df: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """BM25Okapi's idf: log(N - df + .5) - log(df + .5), negatives floored at eps * mean."""
    idf = np.array([math.log(n - f + 0.5) - math.log(f + 0.5) for f in df.tolist()])
    if idf.size == 0:
        return idf
    # rank_bm25 sums the idfs one by one in Python; do the same for an identical mean.
    average = sum(idf.tolist()) / idf.size
    idf[idf < 0] = epsilon * average
    return idf
