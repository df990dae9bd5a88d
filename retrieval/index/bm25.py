"""An inverted BM25 index that returns rank_bm25.BM25Okapi's scores, fast.

BM25Okapi walks every document for every query term. Here each term owns a
posting list (int32 chunk ids, sorted, with uint16 term frequencies), so a
query costs the postings of its terms, not the corpus size. Scores use
BM25Okapi's float64 expression, summed term by term, so they agree with it
to within a few ulps (summation order and the exact mean behind the epsilon floor).

Queries run retrieval/index/topk.py: MaxScore with per-block bounds, exact top k.

Analysis lives elsewhere: the index only sees token lists (or a forward index
of term ids, which is what lets it be rebuilt after updates without re-reading
text). Building goes through bounded segments (retrieval/index/segments.py), so
its memory is the final arrays plus a RAM buffer, whatever the corpus size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.index import okapi, topk
from retrieval.index.forward import Forward, Vocabulary
from retrieval.index.segments import (
    DEFAULT_MEMORY_MB,
    SegmentWriter,
    document_frequencies,
    invert,
    postings_budget,
    spill_folder,
)


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
        self.csr = topk.Postings(self.indptr, self.doc_ids, self.tfs, self.doc_len)
        self.weighting = topk.Weighting(params.k1, params.b, avgdl, self.norm)
        if derived is None:
            self.max_impact = topk.term_bounds(self.csr, self.weighting, self.idf)
        self.blocks = topk.BlockMaxima(self.csr)
        self._scratch = topk.Scratch()

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
        # A plain copy: a Vocabulary would number terms a query looks up.
        terms, lookup = list(vocabulary), dict(vocabulary)
        return cls(terms, indptr, doc_ids, tfs, doc_len, params or BM25Params(), vocabulary=lookup)

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
                k1 = self.params.k1
                scores[ids] += okapi.term_weights(self.tfs[a:b], self.norm[ids], self.idf[t], k1)
        return scores

    def top_k(
        self, query: Sequence[str], k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best chunks with a positive score, best first (ties by chunk id).

        `mask` (booleans over chunks) filters candidates; scores never change
        with it, so a filter before or after scoring gives the same answer.
        """
        terms = [t for t in map(self.vocabulary.get, query) if t is not None]
        return topk.top_k(
            self.csr,
            self.blocks,
            self.weighting,
            terms,
            self.idf,
            self.max_impact,
            k,
            mask,
            self._scratch,
        )

    def postings_of(self, t: int) -> int:
        return int(self.indptr[t + 1] - self.indptr[t])

    def postings(self, term: str) -> np.ndarray:
        """The sorted ids of the chunks holding an indexed term."""
        t = self.vocabulary[term]
        return self.doc_ids[self.indptr[t] : self.indptr[t + 1]]

    def document_frequency(self, term: str) -> int:
        """Chunks holding an indexed term."""
        return self.postings_of(self.vocabulary[term])
