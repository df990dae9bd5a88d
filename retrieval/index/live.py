"""A live index: immutable segments, deletions, and BM25Okapi's statistics over all of them.

Like Lucene and tantivy: a change to the corpus is a new small segment plus the
deletion of the chunks it replaces, never a rebuild. A segment holds the files it
read (their articles, chunks, forward index and postings in the CSR layout of
bm25.py); a chunk is live when its file still belongs to its segment and its
article survives de-duplication over the whole corpus. Every search runs each
segment's kernel (BM25Index) with global statistics - N, the average length and
each term's df summed over segments minus deletions - so scores are exactly
BM25Okapi's over the live corpus, whatever the segmentation.

Ids seen above this module are compact: live chunks (and kept articles) numbered
in segment order, so the engine never knows the index is segmented.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.index import okapi
from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.index.catalog import Catalog, FileState
from retrieval.index.forward import Forward
from retrieval.models import Article, Chunk, Skipped
from retrieval.reading.ingest import Signature

IMPACT_BLOCK = 1 << 20  # postings per step when computing a segment's term bounds


@dataclass(frozen=True)
class FileEntry:
    """A corpus file as last read: its state, the segment holding it, and whether its
    articles' dates count from its modification time (then a new mtime means re-read)."""

    state: FileState
    segment: str
    aged: bool = False


@dataclass
class Health:
    """What the background checksum check of a loaded index found (shared by the live
    indexes refreshed from it)."""

    damaged: str | None = None  # why the saved segments cannot be trusted
    checked: threading.Event = field(default_factory=threading.Event)  # the check is done


@dataclass
class Segment:
    """One immutable segment: what a set of files held when they were read."""

    name: str  # sorts in creation order
    files: list[str]  # the files it read; article_file indexes this
    article_file: np.ndarray  # int32 per article
    articles: Sequence[Article]  # may parse lazily (a saved segment)
    signatures: Sequence[Signature]  # what dedupe compares, per article (may load lazily)
    chunk_table: np.ndarray  # int64 (chunks, 4): article, paragraph, start, end
    forward: Forward  # per chunk, its term ids (global vocabulary) and counts
    indptr: np.ndarray  # postings CSR by term id (terms known when it was written)
    doc_ids: np.ndarray  # int32 local chunk rows
    tfs: np.ndarray
    doc_len: np.ndarray
    max_ratio: np.ndarray  # per term, max tf*(k1+1)/(tf+norm) at `ref_avgdl`
    ref_avgdl: float
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.doc_len)

    @property
    def terms(self) -> int:
        return len(self.indptr) - 1


def max_ratios(
    indptr: np.ndarray,
    doc_ids: np.ndarray,
    tfs: np.ndarray,
    doc_len: np.ndarray,
    params: BM25Params,
    avgdl: float,
) -> np.ndarray:
    """Per term, the largest tf*(k1+1)/(tf+norm) over its postings at `avgdl`.

    The ratio only grows with the average length, by at most the factor it grows by,
    so ratio * max(1, avgdl_now / avgdl) bounds it later: MaxScore stays exact
    without recomputing bounds when the corpus changes. Over runs of about
    IMPACT_BLOCK postings, so temporaries stay small."""
    p = params
    norm = okapi.length_norm(np.asarray(doc_len).astype(np.float64), p.k1, p.b, avgdl)
    terms = len(indptr) - 1
    out = np.zeros(terms)
    start = 0
    while start < terms:
        end = int(np.searchsorted(indptr, indptr[start] + IMPACT_BLOCK, "right")) - 1
        end = min(max(end, start + 1), terms)
        a, b = int(indptr[start]), int(indptr[end])
        if b > a:
            ratio = okapi.term_weights(
                np.asarray(tfs[a:b]), norm[np.asarray(doc_ids[a:b])], 1.0, p.k1
            )
            starts = np.asarray(indptr[start:end]) - a
            nonempty = starts < b - a
            out[start:end][nonempty] = np.maximum.reduceat(ratio, starts[nonempty])
        start = end
    return out


class LiveIndex:
    """The live chunks of a list of segments, searched with global statistics.

    Immutable once made: a change makes a new LiveIndex (sharing the unchanged
    segments), so queries running on the old one never see a half-made state.
    It answers what BM25Index answers, over compact ids.
    """

    def __init__(
        self,
        segments: list[Segment],
        files: dict[str, FileEntry],
        vocabulary: list[str],
        slots: list[np.ndarray],
        params: BM25Params,
        generation: str = "",
    ) -> None:
        """`slots[s][a]`: segment s's article a's place among the kept articles, or -1."""
        self.segments = segments
        self.files = files
        self.vocabulary_list = vocabulary
        self.slots = slots
        self.params = params
        self.generation = generation  # the saved generation it was loaded from or saved as
        self.health = Health()
        self.on_first_search: Callable[[], None] | None = None  # e.g. start verifying
        self.vocabulary = {t: i for i, t in enumerate(vocabulary)}
        self._live: list[np.ndarray] = []  # per segment, booleans over its chunks
        self._live_rows: list[np.ndarray] = []
        self._rank: list[np.ndarray] = []
        counts = []
        for seg, slot in zip(segments, slots, strict=True):
            live = slot[seg.chunk_table[:, 0]] >= 0 if seg.size else np.zeros(0, bool)
            rows = np.flatnonzero(live)
            self._live.append(live)
            self._live_rows.append(rows)
            self._rank.append(np.cumsum(live) - 1)
            counts.append(rows.size)
        self._base = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.size = int(self._base[-1])
        self.df = self._document_frequencies()
        total = sum(
            int(seg.doc_len[r].sum()) for seg, r in zip(segments, self._live_rows, strict=True)
        )
        self.avgdl = total / self.size if self.size else 1.0
        used = self.df > 0
        self.idf = np.zeros(len(vocabulary))
        if used.any():
            self.idf[used] = okapi.idfs(self.df[used], self.size, params.epsilon)
        self._kernels = [self._kernel(s) for s in range(len(segments))]
        self._slot_segment, self._slot_article = self._slot_places()

    # -- statistics --------------------------------------------------------------------

    def _document_frequencies(self) -> np.ndarray:
        """Live chunks per term: each segment's df minus its deleted chunks' terms."""
        df = np.zeros(len(self.vocabulary_list), dtype=np.int64)
        for seg, live in zip(self.segments, self._live, strict=True):
            seg_df = np.diff(np.asarray(seg.indptr))
            if not live.all():
                dead = np.flatnonzero(~live)
                seg_df = seg_df - np.bincount(
                    np.asarray(seg.forward.select(dead).terms), minlength=seg.terms
                )
            df[: seg.terms] += seg_df
        return df

    def _kernel(self, s: int) -> BM25Index | None:
        """Segment s's postings as a BM25Index scored with the global idf and avgdl."""
        seg = self._live_rows[s]
        if seg.size == 0:
            return None
        segment = self.segments[s]
        p = self.params
        lengths = np.asarray(segment.doc_len).astype(np.float64)
        norm = okapi.length_norm(lengths, p.k1, p.b, self.avgdl)
        terms = len(self.vocabulary_list)
        indptr = np.asarray(segment.indptr)
        if segment.terms < terms:  # terms added since it was written: no postings here
            indptr = np.concatenate((indptr, np.full(terms - segment.terms, indptr[-1])))
        bound = np.zeros(terms)
        grow = max(1.0, self.avgdl / segment.ref_avgdl)
        bound[: segment.terms] = self.idf[: segment.terms] * np.asarray(segment.max_ratio) * grow
        return BM25Index(
            self.vocabulary_list,
            indptr,
            segment.doc_ids,
            segment.tfs,
            segment.doc_len,
            p,
            derived=(self.idf, norm, bound),
            vocabulary=self.vocabulary,
            avgdl=self.avgdl,
        )

    def _mask(self, s: int, mask: np.ndarray | None) -> np.ndarray | None:
        """Segment s's local candidates: its live chunks, within `mask` (compact ids)."""
        rows = self._live_rows[s]
        segment = self.segments[s]
        if mask is None and rows.size == segment.size:
            return None
        local = np.zeros(segment.size, dtype=bool)
        local[rows] = True if mask is None else mask[self._base[s] : self._base[s + 1]]
        return local

    def _known(self, query: Sequence[str]) -> list[str]:
        """The query's terms that some live chunk holds (others add nothing)."""
        return [t for t in query if self.df[self.vocabulary.get(t, -1)] > 0] if self.size else []

    # -- what BM25Index answers ----------------------------------------------------------

    @functools.cached_property
    def terms(self) -> list[str]:
        """The terms some live chunk holds (what spelling correction may suggest)."""
        return [self.vocabulary_list[i] for i in np.flatnonzero(self.df).tolist()]

    def term_idf(self, term: str) -> float | None:
        t = self.vocabulary.get(term)
        return None if t is None or self.df[t] == 0 else float(self.idf[t])

    def term_figures(self, terms: Sequence[str]) -> tuple[list[float | None], list[int]]:
        """`term_idf` and `document_frequency` of many terms in one lookup (the followed
        topics' thousands of terms per refresh): the same values, without a numpy scalar
        read per term."""
        ids = np.fromiter((self.vocabulary.get(t, -1) for t in terms), np.int64, len(terms))
        known = ids >= 0
        df = np.zeros(len(ids), dtype=np.int64)
        df[known] = self.df[ids[known]]
        idf = np.zeros(len(ids))
        idf[known] = self.idf[ids[known]]
        counts = df.tolist()
        return [w if d else None for w, d in zip(idf.tolist(), counts, strict=True)], counts

    def document_frequency(self, term: str) -> int:
        t = self.vocabulary.get(term)
        return 0 if t is None else int(self.df[t])

    def postings(self, term: str) -> np.ndarray:
        """Sorted compact ids of the live chunks holding a term."""
        parts = []
        for s, kernel in enumerate(self._kernels):
            if kernel is not None and term in self.vocabulary:
                ids = kernel.postings(term)
                ids = ids[self._live[s][ids]]
                parts.append(self._base[s] + self._rank[s][ids])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """Dense scores for every live chunk, like BM25Okapi.get_scores."""
        query = self._known(query)
        parts = [
            k.get_scores(query)[rows]
            for k, rows in zip(self._kernels, self._live_rows, strict=True)
            if k is not None
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    def top_k(
        self, query: Sequence[str], k: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best live chunks (compact ids) with a positive score, best first, ties by id.

        Each segment's exact top k under its live mask, merged: the global top k."""
        if self.on_first_search is not None:
            start, self.on_first_search = self.on_first_search, None
            start()
        query = self._known(query)
        if not query or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids, scores = [], []
        for s, kernel in enumerate(self._kernels):
            if kernel is None:
                continue
            local = self._mask(s, mask)
            if local is not None and not local.any():
                continue
            found, values = kernel.top_k(query, k, local)
            ids.append(self._base[s] + self._rank[s][found])
            scores.append(values)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        all_ids, all_scores = np.concatenate(ids), np.concatenate(scores)
        order = np.lexsort((all_ids, -all_scores))[:k]
        return all_ids[order].astype(np.int64), all_scores[order]

    # -- what the engine reads: kept articles, live chunks, their terms -------------------

    def _slot_places(self) -> tuple[np.ndarray, np.ndarray]:
        """For each kept article (compact id), its segment and its place there."""
        kept = sum(int((s >= 0).sum()) for s in self.slots)
        segment = np.zeros(kept, dtype=np.int32)
        article = np.zeros(kept, dtype=np.int64)
        for s, slot in enumerate(self.slots):
            where = np.flatnonzero(slot >= 0)
            segment[slot[where]] = s
            article[slot[where]] = where
        return segment, article

    def locate(self, chunk: int) -> tuple[int, int]:
        """A live chunk's segment and row there."""
        s = int(np.searchsorted(self._base, chunk, "right")) - 1
        return s, int(self._live_rows[s][chunk - self._base[s]])

    @functools.cached_property
    def articles(self) -> ArticleView:
        return ArticleView(self)

    @functools.cached_property
    def chunks(self) -> ChunkView:
        return ChunkView(self)

    @functools.cached_property
    def chunk_terms(self) -> SegmentTerms:
        return SegmentTerms(self)

    @property
    def skipped(self) -> list[Skipped]:
        return [s for seg in self.segments for s in seg.skipped if self._owns(seg, s.file)]

    def _owns(self, segment: Segment, file: str) -> bool:
        entry = self.files.get(file)
        return entry is not None and entry.segment == segment.name

    def present(self, s: int) -> np.ndarray:
        return present(self.segments[s], self.files)

    def catalog(self) -> Catalog:
        """The same corpus as one whole Catalog (what the shard writer syncs from)."""
        articles, chunks, forwards, skipped = [], [], [], self.skipped
        for s, segment in enumerate(self.segments):
            present = np.flatnonzero(self.present(s))
            renumber = np.full(len(segment.article_file), -1)
            renumber[present] = np.arange(present.size) + len(articles)
            articles += [segment.articles[i] for i in present.tolist()]
            rows = np.flatnonzero(renumber[segment.chunk_table[:, 0]] >= 0)
            for a, p, st, en in segment.chunk_table[rows].tolist():
                article = articles[renumber[a]]
                chunks.append(Chunk(int(renumber[a]), p, st, en, article.text[st:en]))
            forwards.append(segment.forward.select(rows))
        forward = Forward.concat(forwards) if forwards else Forward.from_docs([], {})
        files = {n: e.state for n, e in self.files.items()}
        return Catalog(files, articles, chunks, forward, list(self.vocabulary_list), skipped)


class ArticleView(Sequence[Article]):
    """The kept articles by compact id, parsed from their segment on first use."""

    def __init__(self, live: LiveIndex) -> None:
        self._live = live

    def __len__(self) -> int:
        return len(self._live._slot_segment)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        live = self._live
        if i < 0:
            i += len(self)
        s = int(live._slot_segment[i])
        return live.segments[s].articles[int(live._slot_article[i])]

    def __iter__(self) -> Iterator[Article]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class ChunkView(Sequence[Chunk]):
    """The live chunks by compact id; a chunk's text is sliced from its article when read."""

    def __init__(self, live: LiveIndex) -> None:
        self._live = live

    def __len__(self) -> int:
        return self._live.size

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        live = self._live
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        s, row = live.locate(i)
        a, paragraph, start, end = live.segments[s].chunk_table[row].tolist()
        slot = int(live.slots[s][a])
        text = live.segments[s].articles[a].text[start:end]
        return Chunk(slot, paragraph, start, end, text)

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))

    @functools.cached_property
    def article_ids(self) -> np.ndarray:
        """Each live chunk's article (compact id), as an array."""
        live = self._live
        parts = [
            live.slots[s][seg.chunk_table[rows, 0]]
            for s, (seg, rows) in enumerate(zip(live.segments, live._live_rows, strict=True))
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


@dataclass(frozen=True)
class SegmentTerms:
    """Each live chunk's indexed terms, read from its segment's forward index."""

    live: LiveIndex

    def of(self, chunk: int) -> frozenset[str]:
        s, row = self.live.locate(chunk)
        forward = self.live.segments[s].forward
        a, b = forward.indptr[row], forward.indptr[row + 1]
        words = self.live.vocabulary_list
        return frozenset(words[t] for t in np.asarray(forward.terms[a:b]).tolist())


def present(segment: Segment, files: dict[str, FileEntry]) -> np.ndarray:
    """A segment's articles whose file it still holds (a changed or removed file's are not)."""
    owned = np.array(
        [(e := files.get(f)) is not None and e.segment == segment.name for f in segment.files],
        dtype=bool,
    )
    if not owned.size:
        return np.zeros(len(segment.article_file), dtype=bool)
    return owned[segment.article_file]
