"""Changes to a live index: a corpus change becomes one new segment plus deletions; merges.

A refresh scans the corpus by size and mtime (hashing only files whose metadata
moved), reads the new and changed files into one small segment, and deletes the
chunks of changed and removed files by moving their ownership: nothing else is
re-read or re-indexed. De-duplication runs again over the stories the change's
articles share a key with (a copy in a new file may replace or uncover another;
dedupe.py), which needs no article text and no other article's signature.

Merges follow a size-tiered (log) policy over adjacent segments, so the order of
articles and chunks - and with it de-duplication and compact ids - never changes:
once MERGE_FACTOR neighbours sit in one size tier they are merged into one,
dropping deleted chunks.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from retrieval.config import ChunkingConfig
from retrieval.index import dedupe
from retrieval.index.bm25 import BM25Params
from retrieval.index.catalog import FileRecord, FileState, Progress, changed_files, records
from retrieval.index.dedupe import DedupeKeys
from retrieval.index.forward import Forward, Vocabulary
from retrieval.index.live import FileEntry, LiveIndex, Segment, max_ratios, present
from retrieval.index.segments import (
    DEFAULT_MEMORY_MB,
    SegmentWriter,
    invert,
    postings_budget,
    spill_folder,
)
from retrieval.models import Article, Skipped
from retrieval.reading.dates import APPROXIMATE
from retrieval.reading.ingest import Signature

# Neighbouring segments of one size tier merged at once (Lucene's default merge factor is 10;
# fewer keeps the segments a query visits few while a news folder grows by small polls).
MERGE_FACTOR = 8
# Segments below this many chunks share the lowest tier, so tiny polls merge soon.
MERGE_FLOOR = 1000
UNREADABLE = FileState(-1, -1, "")  # a file listed but unreadable now: tried again next time

log = logging.getLogger("newsbot.index")


def segment_name() -> str:
    """A new segment's name: sorts in creation order, unique across processes."""
    return f"seg-{time.time_ns():020d}-{os.getpid()}"


def empty(params: BM25Params) -> LiveIndex:
    return LiveIndex([], {}, [], [], params)


def make_segment(
    name: str,
    files: list[str],
    article_file: np.ndarray,
    articles: Sequence[Article],
    signatures: Sequence[Signature],
    chunk_table: np.ndarray,
    forward: Forward,
    skipped: list[Skipped],
    terms: int,
    params: BM25Params,
    memory_mb: float,
) -> Segment:
    """Invert a segment's forward index (block by block) into its postings and bounds."""
    df = np.bincount(np.asarray(forward.terms), minlength=terms)
    indptr, doc_ids, tfs, doc_len = invert(forward.blocks(postings_budget(memory_mb)), df)
    avgdl = float(doc_len.mean()) if doc_len.size and doc_len.any() else 1.0
    ratio = max_ratios(indptr, doc_ids, tfs, doc_len, params, avgdl)
    keys = DedupeKeys.of(signatures)
    return Segment(
        name,
        files,
        article_file,
        articles,
        signatures,
        chunk_table.reshape(-1, 4),
        forward,
        indptr,
        doc_ids,
        tfs,
        doc_len,
        ratio,
        avgdl,
        keys,
        skipped,
    )


def read_segment(
    name: str,
    named: Iterable[tuple[str, FileRecord]],
    vocabulary: Vocabulary,
    params: BM25Params,
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> Segment:
    """One segment of freshly read files; their terms join `vocabulary` (in place).

    Terms go through a RAM buffer of `memory_mb` flushed to a temporary folder, so
    reading a big corpus never holds its token lists at once."""
    files: list[str] = []
    article_file: list[int] = []
    articles: list[Article] = []
    signatures: list[Signature] = []
    table: list[tuple[int, int, int, int]] = []
    skipped: list[Skipped] = []
    with spill_folder() as folder:
        writer = SegmentWriter(vocabulary, memory_mb, folder)
        for file, record in named:
            base = len(articles)
            article_file += [len(files)] * len(record.articles)
            files.append(file)
            articles += record.articles
            signatures += record.signatures
            table += [(base + c.article, c.paragraph, c.start, c.end) for c in record.chunks]
            writer.add_ids(record.global_ids(vocabulary), record.lengths)
            for item in record.skipped:  # once, when read: a saved index does not repeat it
                log.warning("skipped %s: %s", item.where, item.reason)
            skipped += record.skipped
        parts = list(writer.segments())
        forward = Forward.concat(parts) if parts else Forward.from_docs([], {})
    return make_segment(
        name,
        files,
        np.asarray(article_file, dtype=np.int32),
        articles,
        signatures,
        np.asarray(table, dtype=np.int64),
        forward,
        skipped,
        len(vocabulary),
        params,
        memory_mb,
    )


def dedupe_slots(
    live: LiveIndex, segments: Sequence[Segment], files: dict[str, FileEntry]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per segment of the changed index, (slots, leads): each article's place among the
    kept articles (-1: deleted or a copy) and the place of the story it is the first copy
    of. Only the stories the change's articles reach are de-duplicated again (dedupe.py)."""
    before = {seg.name: s for s, seg in enumerate(live.segments)}
    now = {seg.name: present(seg, files) for seg in segments}
    seeds = [np.zeros(0, dtype=np.int64)]
    for s, seg in enumerate(live.segments):
        was = live.present(s)
        gone = was & ~now[seg.name] if seg.name in now else was
        seeds.append(seg.keys.of_articles(np.flatnonzero(gone)))
    previous = [
        None
        if live.leads is None or seg.name not in before
        else (live.slots[before[seg.name]], live.leads[before[seg.name]])
        for seg in segments
    ]
    return dedupe.recluster(
        [seg.signatures for seg in segments],
        [seg.keys for seg in segments],
        [now[seg.name] for seg in segments],
        previous,
        np.concatenate(seeds),
    )


def refresh(
    live: LiveIndex,
    root: Path,
    chunking: ChunkingConfig,
    workers: int = 1,
    progress: Progress | None = None,
    allowed: Sequence[Path] = (),
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> tuple[LiveIndex, Segment | None] | None:
    """The live index after what changed in `root` since `live` (None: nothing did), and
    the new segment (None when files were only removed, or only touched).

    A file touched without changing (a new mtime, the same content) keeps its segment
    and takes its new state, so that it is hashed once, not at every poll."""
    files = {n: e.state for n, e in live.files.items()}
    aged = {n for n, e in live.files.items() if e.aged}
    states, todo = changed_files(root, allowed, files, aged)
    removed = set(files) - set(states)
    redo = set(todo)
    touched = {n for n, st in states.items() if n not in redo and n in files and st != files[n]}
    if not todo and not removed and not touched:
        return None
    entries = {
        n: FileEntry(states[n], e.segment, e.aged) if n in touched else e
        for n, e in live.files.items()
        if n in states
    }
    if not todo and not removed:  # only states moved: the same chunks and stories
        fresh = LiveIndex(
            live.segments,
            entries,
            live.vocabulary_list,
            live.slots,
            live.params,
            leads=live.leads,
            term_ids=live.vocabulary,
        )
        return fresh, None
    vocabulary = Vocabulary(live.vocabulary)
    segment = None
    if todo:
        named = zip(todo, records(root, allowed, todo, chunking, workers, progress), strict=True)
        segment = read_segment(segment_name(), named, vocabulary, live.params, memory_mb)
        dated = {a.file for a in segment.articles if a.date_precision == APPROXIMATE}
        for name in todo:
            entries[name] = FileEntry(states.get(name, UNREADABLE), segment.name, name in dated)
    owners = {e.segment for e in entries.values()}
    segments = [s for s in live.segments if s.name in owners]
    if segment is not None:
        segments.append(segment)
    slots, leads = dedupe_slots(live, segments, entries)
    fresh = LiveIndex(
        segments,
        entries,
        list(vocabulary),
        slots,
        live.params,
        leads=leads,
        term_ids=dict(vocabulary),
    )
    return fresh, segment


def tier(chunks: int, factor: int = MERGE_FACTOR) -> int:
    """A segment's size tier: its chunk count's order of magnitude in `factor`s."""
    return int(math.log(max(chunks, MERGE_FLOOR) / MERGE_FLOOR, factor))


def merge_due(live: LiveIndex, factor: int = MERGE_FACTOR) -> tuple[int, int] | None:
    """The newest run of `factor` neighbouring segments in one tier, as (start, end)."""
    tiers = [
        tier(int(live.present(s)[seg.chunk_table[:, 0]].sum()), factor)
        for s, seg in enumerate(live.segments)
    ]
    for end in range(len(tiers), factor - 1, -1):
        if len(set(tiers[end - factor : end])) == 1:
            return end - factor, end
    return None


def merge(
    live: LiveIndex, start: int, end: int, memory_mb: float = DEFAULT_MEMORY_MB
) -> tuple[LiveIndex, Segment]:
    """Segments start..end merged into one, their deleted chunks dropped; same live corpus."""
    name = segment_name()
    files: list[str] = []
    article_file: list[np.ndarray] = []
    articles: list[Article] = []
    signatures: list[Signature] = []
    tables, forwards, skipped, slots, leads = [], [], [], [], []
    for s in range(start, end):
        segment = live.segments[s]
        keep = live.present(s)
        kept = np.flatnonzero(keep)
        owned = [
            f
            for f in segment.files
            if live.files.get(f, None) is not None and live.files[f].segment == segment.name
        ]
        file_index = {f: len(files) + i for i, f in enumerate(owned)}
        renumber_file = np.array([file_index.get(f, -1) for f in segment.files], dtype=np.int32)
        renumber = np.full(keep.size, -1, dtype=np.int64)
        renumber[kept] = np.arange(kept.size) + len(articles)
        rows = np.flatnonzero(keep[segment.chunk_table[:, 0]]) if segment.size else kept[:0]
        table = np.array(segment.chunk_table[rows])
        table[:, 0] = renumber[table[:, 0]]
        tables.append(table)
        forwards.append(segment.forward.select(rows))
        if renumber_file.size:
            article_file.append(renumber_file[segment.article_file[kept]])
        articles += [segment.articles[i] for i in kept.tolist()]
        signatures += [segment.signatures[i] for i in kept.tolist()]
        skipped += [x for x in segment.skipped if x.file in file_index]
        slots.append(live.slots[s][kept])
        if live.leads is not None:
            leads.append(live.leads[s][kept])
        files += owned
    merged = make_segment(
        name,
        files,
        np.concatenate(article_file) if article_file else np.zeros(0, np.int32),
        articles,
        signatures,
        np.concatenate(tables) if tables else np.zeros((0, 4), np.int64),
        Forward.concat(forwards),
        skipped,
        len(live.vocabulary_list),
        live.params,
        memory_mb,
    )
    entries = dict(live.files)
    for f in files:
        entries[f] = FileEntry(entries[f].state, name, entries[f].aged)
    segments = [*live.segments[:start], merged, *live.segments[end:]]
    all_slots = [*live.slots[:start], np.concatenate(slots), *live.slots[end:]]
    all_leads = None
    if live.leads is not None:
        all_leads = [*live.leads[:start], np.concatenate(leads), *live.leads[end:]]
    index = LiveIndex(
        segments,
        entries,
        live.vocabulary_list,
        all_slots,
        live.params,
        leads=all_leads,
        term_ids=live.vocabulary,
    )
    return index, merged
