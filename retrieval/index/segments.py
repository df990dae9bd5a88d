"""Index in bounded memory: segments counted in a RAM buffer, flushed to disk, then merged.

Like Lucene's RAM buffer: term ids of incoming chunks fill a buffer of at most
`memory_mb`; a full buffer is counted into a forward segment and written to a
spill folder. Inverting (forward segments into per-term postings) then walks
the segments (or blocks of an in-memory forward index) one at a time, each
scattered straight to its final place, so no step needs memory in proportion
to the corpus beyond the final arrays themselves. The result is identical to
inverting everything at once: chunk ids stay sorted within every term.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from retrieval.errors import UserError
from retrieval.index.forward import LOW_32, TF_DTYPE, Forward, Vocabulary, token_ids

# Peak bytes per buffered token while a segment is counted: its id and chunk (int32),
# two radix sort orders (int64) and their temporaries.
BYTES_PER_TOKEN = 64
# Working bytes per posting while a block is inverted (sort order, destinations, copies).
BYTES_PER_POSTING = 48
# Default RAM buffer: a 1M-chunk build then peaks well under 1 GB (docs/performance.md).
DEFAULT_MEMORY_MB = 256
# Chunks mapped to term ids per call when indexing a list of token lists.
BATCH_CHUNKS = 4096
_FIELDS = ("indptr", "terms", "tfs")  # a segment's arrays, one .npy file each


class SpillError(UserError):
    """No writable folder for segments; the message says how to give one."""


@contextlib.contextmanager
def spill_folder(parent: Path | None = None) -> Iterator[Path]:
    """A temporary folder for segments (in `parent`, else the system's), removed after."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="newsbot-segments-", dir=parent)
    except OSError as exc:
        where = parent or "any temporary folder"
        raise SpillError(
            f"cannot create a folder for index segments in {where} ({exc}); "
            "set TMPDIR to a writable folder"
        ) from None
    with folder as name:
        yield Path(name)


def postings_budget(memory_mb: float) -> int:
    """Postings one inversion block may hold within `memory_mb`."""
    return max(1, int(memory_mb * 2**20) // BYTES_PER_POSTING)


class SegmentWriter:
    """Chunks' term ids in, forward segments on disk out; vocabulary shared and global."""

    def __init__(self, vocabulary: Vocabulary, memory_mb: float, folder: Path) -> None:
        self.vocabulary = vocabulary
        self.limit = max(1, int(memory_mb * 2**20) // BYTES_PER_TOKEN)
        self.folder = folder
        self.paths: list[Path] = []
        self.df = np.zeros(0, dtype=np.int64)  # chunks per term, over all flushed segments
        self._ids: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self._buffered = 0

    def add_docs(self, docs: Sequence[Sequence[str]]) -> None:
        """Token lists (a chunk's terms, repeats counted), mapped a batch at a time.

        A batch is at most BATCH_CHUNKS chunks and never more tokens than the buffer
        holds, so the buffer overshoots its budget by less than one batch."""
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        ends = np.cumsum(lengths)
        start = 0
        while start < len(docs):
            room = self.limit - self._buffered + (ends[start - 1] if start else 0)
            end = int(np.searchsorted(ends, room, "right"))
            end = min(max(end, start + 1), start + BATCH_CHUNKS)
            self.add_ids(token_ids(docs[start:end], self.vocabulary), lengths[start:end])
            start = end

    def add_ids(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """Global term ids of consecutive chunks' tokens, and each chunk's token count."""
        self._ids.append(ids)
        self._lengths.append(lengths)
        self._buffered += ids.size
        if self._buffered >= self.limit:
            self.flush()

    def flush(self) -> None:
        """Count the buffer into a forward segment and write it to the spill folder."""
        if not self._lengths:
            return
        ids = np.concatenate(self._ids).astype(np.int32, copy=False)
        lengths = np.concatenate(self._lengths)
        self._ids, self._lengths, self._buffered = [], [], 0
        segment = Forward.count(ids, lengths)
        del ids
        df = np.bincount(segment.terms, minlength=len(self.vocabulary))
        df[: self.df.size] += self.df
        self.df = df
        path = self.folder / f"segment-{len(self.paths):05d}"
        path.mkdir()
        for name in _FIELDS:
            np.save(path / f"{name}.npy", getattr(segment, name))
        self.paths.append(path)

    def segments(self) -> Iterator[Forward]:
        """The flushed segments in order, memory-mapped one at a time."""
        self.flush()
        for path in self.paths:
            yield Forward(*(np.load(path / f"{n}.npy", mmap_mode="r") for n in _FIELDS))


def document_frequencies(blocks: Iterable[Forward], terms: int) -> np.ndarray:
    """Chunks per term id, block by block."""
    df = np.zeros(terms, dtype=np.int64)
    for block in blocks:
        df += np.bincount(block.terms, minlength=terms)
    return df


def invert(
    blocks: Iterable[Forward], df: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, chunk ids, tfs, chunk lengths) of the postings of consecutive forward blocks.

    Each block's postings are sorted by term (stably, so by chunk within a term) and
    scattered to the end of what earlier blocks wrote for that term.
    """
    indptr = np.zeros(df.size + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    doc_ids = np.empty(int(indptr[-1]), dtype=np.int32)
    tfs = np.empty(int(indptr[-1]), dtype=TF_DTYPE)
    cursor = indptr[:-1].copy()
    lengths: list[np.ndarray] = []
    base = 0
    for block in blocks:
        terms = np.asarray(block.terms)
        block_df = np.bincount(terms, minlength=df.size)
        first = np.zeros(df.size, dtype=np.int64)  # where each term starts in the sorted block
        np.cumsum(block_df[:-1], out=first[1:])
        # Sort by term, stably: each term id packed above its position, one int64 sort.
        packed = (terms.astype(np.int64) << 32) | np.arange(terms.size, dtype=np.int64)
        packed.sort()
        order = packed & LOW_32
        sorted_terms = packed >> 32
        del packed
        dest = (cursor - first)[sorted_terms]
        dest += np.arange(terms.size, dtype=np.int64)
        del sorted_terms
        counts = np.diff(block.indptr)
        doc_ids[dest] = np.repeat(np.arange(base, base + block.size, dtype=np.int32), counts)[order]
        tfs[dest] = np.asarray(block.tfs)[order]
        del dest, order
        cursor += block_df
        lengths.append(block.lengths())
        base += block.size
    doc_len = np.concatenate(lengths).astype(np.int32) if lengths else np.zeros(0, np.int32)
    return indptr, doc_ids, tfs, doc_len
