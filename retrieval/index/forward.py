"""The forward index: per chunk, its distinct term ids and their counts.

It is what the catalog keeps (so the BM25 index can be rebuilt after an update
without re-reading text) and what segments are made of. Term ids come from one
vocabulary dict, in order of first occurrence.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

TF_DTYPE = np.uint16
TF_MAX = int(np.iinfo(TF_DTYPE).max)
LOW_32 = 0xFFFFFFFF  # the low half of an int64 that packs two non-negative int32


class Vocabulary(dict[str, int]):
    """Term -> id; looking up an unseen term gives it the next id (in C for known terms)."""

    def __missing__(self, term: str) -> int:
        self[term] = new = len(self)
        return new


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
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        return cls.count(token_ids(docs, vocabulary), lengths)

    @classmethod
    def count(cls, ids: np.ndarray, lengths: np.ndarray) -> Forward:
        """Count (chunk, term) pairs of token ids: one sort of the pairs packed in int64.

        A chunk's tokens come consecutively, so packing its index above the term id
        and sorting groups equal pairs; run lengths are the counts."""
        n = len(lengths)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys = np.sort((doc_of << 32) | ids.astype(np.int64))
        del doc_of
        starts = run_starts(keys)
        counts = np.diff(np.append(starts, len(keys)))
        if counts.size and counts.max() > TF_MAX:
            raise ValueError(f"a term occurs more than {TF_MAX} times in one chunk")
        pairs = keys[starts]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(pairs >> 32, minlength=n), out=indptr[1:])
        return cls(indptr, (pairs & LOW_32).astype(np.int32), counts.astype(TF_DTYPE))

    def lengths(self) -> np.ndarray:
        """Tokens per chunk (the BM25 document length)."""
        doc_of = np.repeat(np.arange(self.size), np.diff(self.indptr))
        return np.bincount(doc_of, weights=self.tfs, minlength=self.size).astype(np.int64)

    def blocks(self, postings: int) -> Iterator[Forward]:
        """Consecutive runs of chunks holding about `postings` postings each (views)."""
        start = 0
        while start < self.size:
            end = int(np.searchsorted(self.indptr, self.indptr[start] + postings, "right")) - 1
            end = min(max(end, start + 1), self.size)
            a, b = int(self.indptr[start]), int(self.indptr[end])
            yield Forward(self.indptr[start : end + 1] - a, self.terms[a:b], self.tfs[a:b])
            start = end

    def select(self, rows: np.ndarray, postings: int = 1 << 22) -> Forward:
        """The forward index of some chunks, in the given order (built `postings` at a time)."""
        if len(rows) == self.size and np.array_equal(rows, np.arange(self.size)):
            return self
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        terms = np.empty(int(indptr[-1]), dtype=np.int32)
        tfs = np.empty(int(indptr[-1]), dtype=TF_DTYPE)
        step = max(1, postings * len(rows) // max(1, int(indptr[-1])))
        for i in range(0, len(rows), step):  # the gather index stays small
            take = ranges(starts[i : i + step], lengths[i : i + step])
            terms[indptr[i] : indptr[min(i + step, len(rows))]] = self.terms[take]
            tfs[indptr[i] : indptr[min(i + step, len(rows))]] = self.tfs[take]
        return Forward(indptr, terms, tfs)

    @staticmethod
    def concat(parts: Sequence[Forward]) -> Forward:
        offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
        indptr = np.concatenate(
            [np.zeros(1, dtype=np.int64)]
            + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)]
        )
        return Forward(
            indptr,
            np.concatenate([p.terms for p in parts], dtype=np.int32),
            np.concatenate([p.tfs for p in parts], dtype=TF_DTYPE),
        )


def token_ids(docs: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """The term id of each token (int32), chunk after chunk; unseen terms join `vocabulary`
    in order of first occurrence. Passes in C only: no Python call per token or term.

    One hash lookup per token is most of an index build's time, so a vocabulary that
    already holds terms (a corpus' after its first batch) is read once, unseen terms
    marked -1 and numbered after; an empty one (a file's own) numbers its terms first."""
    if not vocabulary:
        tokens = list(chain.from_iterable(docs))
        vocabulary.update(zip(dict.fromkeys(tokens), itertools.count()))
        return np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.int32, count=len(tokens))
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    ids = np.fromiter(
        map(vocabulary.get, chain.from_iterable(docs), itertools.repeat(-1)),
        dtype=np.int32,
        count=int(lengths.sum()),
    )
    unseen = np.flatnonzero(ids < 0)
    if unseen.size:
        starts = np.cumsum(lengths) - lengths
        doc = np.searchsorted(starts, unseen, "right") - 1
        rows = map(docs.__getitem__, doc.tolist())
        words = list(map(operator.getitem, rows, (unseen - starts[doc]).tolist()))
        first = len(vocabulary)
        fresh = dict.fromkeys(words)
        vocabulary.update(zip(fresh, range(first, first + len(fresh)), strict=True))
        ids[unseen] = np.fromiter(map(vocabulary.__getitem__, words), np.int32, len(words))
    return ids


def run_starts(keys: np.ndarray) -> np.ndarray:
    """Indices where a sorted array's value differs from the previous one."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(keys.size, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return np.flatnonzero(change)


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s + n) for each (s, n), vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(np.concatenate(([0], lengths[:-1]))), lengths)
    return np.arange(total, dtype=np.int64) + offsets
