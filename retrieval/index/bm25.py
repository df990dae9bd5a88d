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
text). Building goes through bounded segments (retrieval/index/segments.py), so
its memory is the final arrays plus a RAM buffer, whatever the corpus size.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.index import okapi
from retrieval.index.forward import Forward, Vocabulary
from retrieval.index.segments import (
    DEFAULT_MEMORY_MB,
    SegmentWriter,
    document_frequencies,
    invert,
    postings_budget,
    spill_folder,
)

IMPACT_BLOCK = 1 << 20  # postings per step when computing per-term bounds


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


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
        vocabulary: dict[str, int] | None = None,
        avgdl: float | None = None,
    ) -> None:
        """`derived` (idf, norm, max_impact) comes from a saved index or from global
        statistics (a live index's segment, whose `avgdl` is the whole corpus'); else it
        is computed. `vocabulary` (term -> id, matching `terms`) lets segments share one
        instead of building their own."""
        self.terms = terms if vocabulary is not None else list(terms)
        self.vocabulary = (
            vocabulary if vocabulary is not None else {t: i for i, t in enumerate(self.terms)}
        )
        # Plain views of (possibly memory-mapped) arrays: np.memmap slicing is slow.
        self.indptr = np.asarray(indptr)
        self.doc_ids = np.asarray(doc_ids)
        self.tfs = np.asarray(tfs)
        self.doc_len = np.asarray(doc_len)
        self.params = params
        self.size = len(doc_len)
        if avgdl is None:
            avgdl = float(doc_len.sum()) / self.size if self.size else 1.0
        self.avgdl = avgdl  # what `norm` was computed with (bounds must use the same)
        if derived is not None:
            self.idf, self.norm, self.max_impact = (np.asarray(a) for a in derived)
        else:
            self.idf = okapi.idfs(np.diff(indptr), self.size, params.epsilon)
            lengths = np.asarray(doc_len).astype(np.float64)
            self.norm = okapi.length_norm(lengths, params.k1, params.b, avgdl)
            self.max_impact = self._max_impacts()
        self._scratch = threading.local()

    @classmethod
    def build(
        cls,
        docs: Sequence[Sequence[str]],
        params: BM25Params | None = None,
        memory_mb: float = DEFAULT_MEMORY_MB,
        spill: Path | None = None,
    ) -> BM25Index:
        """Index token lists (a chunk's terms, repeats counted) in bounded memory.

        Chunks fill a RAM buffer of `memory_mb`, flushed as segments to a temporary
        folder (in `spill`, else the system's), which are then inverted one by one.
        """
        vocabulary = Vocabulary()
        with spill_folder(spill) as folder:
            writer = SegmentWriter(vocabulary, memory_mb, folder)
            writer.add_docs(docs)
            writer.flush()
            indptr, doc_ids, tfs, doc_len = invert(writer.segments(), writer.df)
        return cls(list(vocabulary), indptr, doc_ids, tfs, doc_len, params or BM25Params())

    @classmethod
    def from_forward(
        cls,
        forward: Forward,
        terms: Sequence[str],
        params: BM25Params,
        memory_mb: float = DEFAULT_MEMORY_MB,
    ) -> BM25Index:
        """Invert a forward index block by block; terms no chunk holds are dropped."""
        budget = postings_budget(memory_mb)
        df = document_frequencies(forward.blocks(budget), len(terms))
        indptr, doc_ids, tfs, doc_len = invert(forward.blocks(budget), df)
        used = np.flatnonzero(df)
        indptr = np.concatenate(([0], indptr[used + 1])).astype(np.int64)
        return cls([terms[i] for i in used.tolist()], indptr, doc_ids, tfs, doc_len, params)

    def _weights(self, t: int, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """BM25Okapi's contribution of term t to chunks `ids` with frequencies `tf`."""
        return okapi.term_weights(tf, self.norm[ids], self.idf[t], self.params.k1)

    def _max_impacts(self) -> np.ndarray:
        """Per term, the largest contribution it makes to any chunk (MaxScore's bound).

        Computed over runs of whole terms of about a million postings, so the float64
        temporaries stay small whatever the index size."""
        out = np.zeros(len(self.terms))
        k1, start = self.params.k1, 0
        while start < len(self.terms):
            limit = self.indptr[start] + IMPACT_BLOCK
            end = int(np.searchsorted(self.indptr, limit, "right")) - 1
            end = min(max(end, start + 1), len(self.terms))
            a, b = int(self.indptr[start]), int(self.indptr[end])
            ratio = okapi.term_weights(self.tfs[a:b], self.norm[self.doc_ids[a:b]], 1.0, k1)
            out[start:end] = np.maximum.reduceat(ratio, self.indptr[start:end] - a)
            start = end
        return self.idf * out

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

    def postings(self, term: str) -> np.ndarray:
        """The sorted ids of the chunks holding an indexed term."""
        t = self.vocabulary[term]
        return self.doc_ids[self.indptr[t] : self.indptr[t + 1]]

    def document_frequency(self, term: str) -> int:
        """Chunks holding an indexed term."""
        return self.postings_of(self.vocabulary[term])

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
