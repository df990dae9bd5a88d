"""Everything read from the corpus, per file, so that an update re-reads only what changed.

A catalog keeps every file's articles (before de-duplication), their chunks and
each chunk's counted terms (the forward index). After a change only new or
changed files are parsed, chunked and analysed; the BM25 index is then rebuilt
from the forward index alone, so its statistics stay exact.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISLNK

import numpy as np

from retrieval.config import ChunkingConfig
from retrieval.index import workers as worker_pool
from retrieval.index.forward import Forward, Vocabulary, token_ids
from retrieval.index.segments import DEFAULT_MEMORY_MB, SegmentWriter, spill_folder
from retrieval.models import Article, Chunk, Skipped
from retrieval.reading.dates import APPROXIMATE
from retrieval.reading.ingest import (
    CorpusError,
    Signature,
    corpus_entries,
    dedupe,
    outside_target,
    read_file,
    real_roots,
    signature,
)
from retrieval.text.analysis import indexed_terms
from retrieval.text.chunking import chunk_article
from retrieval.text.tokens import token_counter

log = logging.getLogger("newsbot.catalog")

Progress = Callable[[int, int, int], None]  # files done, files total, chunks so far
POOL_MIN_FILES = 32  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class FileRecord:
    """One file's contribution: its articles, their chunks and their terms.

    Everything per text is computed in the worker (which reads the file), so the parent
    only merges. Terms travel from the worker as int32 ids into the file's own small vocabulary
    (in order of first occurrence), not as lists of strings: far less to pickle,
    and the parent maps only each distinct term to its global id.
    """

    articles: list[Article]
    chunks: list[Chunk]  # article indices point into `articles`
    vocabulary: list[str]  # the file's distinct terms, in order of first occurrence
    ids: np.ndarray  # int32 per token, chunk after chunk: indices into `vocabulary`
    lengths: np.ndarray  # int64 tokens per chunk
    skipped: list[Skipped]
    signatures: list[Signature]  # per article, what de-duplication compares (folded text)

    def global_ids(self, vocabulary: Vocabulary) -> np.ndarray:
        """The tokens' ids in `vocabulary`, adding unseen terms in order of first occurrence.

        The parent merges every file this way, so it is one pass in C: a Vocabulary
        gives an unseen term the next id as it is looked up."""
        known = np.fromiter(
            map(vocabulary.__getitem__, self.vocabulary), np.int32, len(self.vocabulary)
        )
        return known[self.ids]


@dataclass
class Catalog:
    files: dict[str, FileState] = field(default_factory=dict)
    articles: list[Article] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)  # article indices into `articles`
    forward: Forward = field(default_factory=lambda: Forward.from_docs([], {}))
    vocabulary: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def live(self) -> tuple[list[Article], list[Chunk], np.ndarray]:
        """De-duplicated articles, their chunks (re-numbered) and those chunks' rows here."""
        keep = dedupe(self.articles)
        position = {id(a): i for i, a in enumerate(keep)}
        rows, chunks = [], []
        for row, chunk in enumerate(self.chunks):
            new = position.get(id(self.articles[chunk.article]))
            if new is not None:
                rows.append(row)
                chunks.append(chunk if new == chunk.article else _renumber(chunk, new))
        return keep, chunks, np.asarray(rows, dtype=np.int64)


@dataclass(frozen=True)
class ChunkTerms:
    """Each live chunk's indexed terms, read from the forward index (never re-analysed)."""

    forward: Forward
    rows: np.ndarray  # live chunk -> its row in `forward`
    vocabulary: Sequence[str]  # term id -> term

    def of(self, chunk: int) -> frozenset[str]:
        row = int(self.rows[chunk])
        a, b = self.forward.indptr[row], self.forward.indptr[row + 1]
        return frozenset(self.vocabulary[t] for t in self.forward.terms[a:b].tolist())


def file_state(path: Path, data: bytes | None = None) -> FileState:
    stat = path.stat()
    digest = hashlib.sha256(data if data is not None else path.read_bytes()).hexdigest()
    return FileState(stat.st_size, stat.st_mtime_ns, digest)


def analyze_articles(
    articles: Sequence[Article], chunking: ChunkingConfig
) -> tuple[list[Chunk], list[list[str]]]:
    """Chunk articles and analyse each chunk (with its headline) into index terms."""
    count = token_counter(chunking.encoding)
    chunks: list[Chunk] = []
    for i, article in enumerate(articles):
        chunks += chunk_article(article, i, chunking.max_tokens, chunking.min_tokens, count)
    terms = []
    for c in chunks:
        article = articles[c.article]
        terms.append(indexed_terms(c.text, article.headline, article.section(c.paragraph)))
    return chunks, terms


def read_record(
    path: Path, root: Path, chunking: ChunkingConfig, allowed: Sequence[Path] = ()
) -> FileRecord:
    """Parse, chunk and analyse one file (runs in a worker process)."""
    articles, skipped = read_file(path, root, allowed)
    chunks, terms = analyze_articles(articles, chunking)
    vocabulary = Vocabulary()
    ids = token_ids(terms, vocabulary)
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
    signatures = [signature(a) for a in articles]
    return FileRecord(articles, chunks, list(vocabulary), ids, lengths, skipped, signatures)


def changed_files(
    root: Path, allowed: Sequence[Path], files: dict[str, FileState], aged: set[str]
) -> tuple[dict[str, FileState], list[str]]:
    """Current file states, and the files to read again: new or changed content, or a new
    modification time on a file whose relative ages ("4 days ago") count from it.

    A link leading outside the corpus is never opened: its state is where it leads,
    so it is reported (by `read_file`) once, and again only if its target changes.
    `files` are the states last read; `aged` the files with such relative ages. Only
    files whose size or mtime moved are hashed.
    """
    states, todo = {}, []
    roots = real_roots(root, allowed)
    for name, full in corpus_entries(root, allowed):
        old = files.get(name)
        try:
            stat = os.lstat(full)  # one call for most files: no realpath unless a link
        except OSError:
            todo.append(name)
            continue
        link = S_ISLNK(stat.st_mode)
        target = outside_target(Path(full), roots) if link else None
        if target is not None:
            states[name] = FileState(0, 0, f"outside {target}")
            if states[name] != old:
                todo.append(name)
            continue
        try:
            if link:
                stat = os.stat(full)
            if old and (stat.st_size, stat.st_mtime_ns) == (old.size, old.mtime_ns):
                states[name] = old
                continue
            state = file_state(Path(full))
        except OSError:
            todo.append(name)  # unreadable now: read_file reports why
            continue
        states[name] = state
        if old is None or state.sha256 != old.sha256 or name in aged:
            todo.append(name)
    return states, todo


def records(
    root: Path,
    allowed: Sequence[Path],
    names: list[str],
    chunking: ChunkingConfig,
    workers: int,
    progress: Progress | None,
) -> Iterable[FileRecord]:
    """Each named file read, in order, in worker processes when there are many."""
    paths = [root / n for n in names]
    if workers <= 1 or len(paths) < POOL_MIN_FILES:
        records = (read_record(p, root, chunking, allowed) for p in paths)
        yield from _report(records, len(paths), progress)
        return
    with worker_pool.pool(workers) as pool:
        chunksize = max(1, min(64, len(paths) // (workers * 8)))
        n = len(paths)
        results = pool.map(
            read_record, paths, [root] * n, [chunking] * n, [allowed] * n, chunksize=chunksize
        )
        yield from _report(results, len(paths), progress)


def _report(
    records: Iterable[FileRecord], total: int, progress: Progress | None
) -> Iterable[FileRecord]:
    chunks = 0
    for done, record in enumerate(records, start=1):
        chunks += len(record.chunks)
        if progress:
            progress(done, total, chunks)
        yield record


def update(
    root: Path,
    chunking: ChunkingConfig,
    previous: Catalog | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    allowed: Sequence[Path] = (),
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> tuple[Catalog, bool]:
    """The catalog of `root` now, reusing `previous` for unchanged files; and whether it changed.

    `allowed`: folders outside `root` that links in the corpus may lead into. New files'
    terms go through a RAM buffer of `memory_mb`, flushed to segments in a temporary
    folder, so reading a big corpus never holds its token lists at once.
    """
    if not root.is_dir():
        raise CorpusError(
            f"corpus folder {root} does not exist or is not a folder "
            "(set 'corpus' in the config, or pass --corpus)"
        )
    previous = previous or Catalog()
    aged = {a.file for a in previous.articles if a.date_precision == APPROXIMATE}
    states, todo = changed_files(root, allowed, previous.files, aged)
    log.info("corpus %s: %d files, %d new or changed", root, len(states), len(todo))
    removed = set(previous.files) - set(states)
    if not todo and not removed:
        return previous, False
    redo = set(todo) | removed
    keep_articles = [i for i, a in enumerate(previous.articles) if a.file not in redo]
    new_index = {old: new for new, old in enumerate(keep_articles)}
    articles = [previous.articles[i] for i in keep_articles]
    rows, chunks = [], []
    for row, chunk in enumerate(previous.chunks):
        if chunk.article in new_index:
            rows.append(row)
            chunks.append(_renumber(chunk, new_index[chunk.article]))
    vocabulary = Vocabulary({t: i for i, t in enumerate(previous.vocabulary)})
    kept = previous.forward.select(np.asarray(rows, dtype=np.int64))
    skipped = [s for s in previous.skipped if s.file not in redo]
    with spill_folder() as folder:
        writer = SegmentWriter(vocabulary, memory_mb, folder)
        for record in records(root, allowed, todo, chunking, workers, progress):
            for item in record.skipped:
                log.warning("skipped %s: %s", item.where, item.reason)
            base = len(articles)
            articles += record.articles
            chunks += [_renumber(c, base + c.article) for c in record.chunks]
            writer.add_ids(record.global_ids(vocabulary), record.lengths)
            skipped += record.skipped
        forward = Forward.concat([kept, *writer.segments()])
    catalog = Catalog(states, articles, chunks, forward, list(vocabulary), skipped)
    return catalog, True


def _renumber(chunk: Chunk, article: int) -> Chunk:
    return Chunk(article, chunk.paragraph, chunk.start, chunk.end, chunk.text)
