"""`newsbot index --backend xapian`: bring every shard in line with the catalog.

Each corpus file belongs to one shard (schema.owner). A shard remembers, per
file, a digest of what it holds (the file's content and which of its articles
are live after de-duplication); only files whose digest changed are rewritten,
on their own shard. Every shard is written at once, one process each (one core
per shard), with a commit every `BATCH` chunks (a new generation: FRESH_FLUSH).

A shard given as a folder (the folder its xapian-tcpsrv serves, as this machine
sees it) is a stub database: `XAPIANDB` names the generation served, and each
generation is a database folder beside it (layout.py). A full build (the first,
new settings, or a changed number of shards, which moves files) writes a new
generation for every shard while the old ones serve, then switches them all
(switch.py); a failure before the switch leaves the old state serving and every
file on exactly one shard. An incremental update rewrites only changed files, in
place, one commit per shard: a file never changes shards then, so each shard is
old or new and every file is on exactly one. A shard given as host:port is written
through xapian-tcpsrv's writable remote protocol (one round trip per chunk,
incremental only; moves are not atomic across shards).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import xapian

from retrieval.config import ShardAddress
from retrieval.errors import UserError
from retrieval.index.backends.shards import layout
from retrieval.index.backends.shards.schema import (
    DATA_VERSION,
    DATE_SLOT,
    FILE_PREFIX,
    META_DATA,
    META_FILE,
    META_GENERATION,
    META_LAYOUT,
    META_SETTINGS,
    TERM_SEPARATOR,
    ArticleData,
    encode_chunk,
    file_key,
    index_term,
    owner,
    publisher_term,
)
from retrieval.index.bm25 import Forward
from retrieval.index.catalog import Catalog
from retrieval.models import Article, Chunk

log = logging.getLogger("newsbot.shards")

# Chunks per commit: bounds the writer's memory (Xapian buffers changes until a commit)
# while keeping commits, each a sync to disk, rare enough not to cost much.
BATCH = 50_000
# A new generation (not served until the switch) is flushed, and so committed, every this
# many chunks instead: Xapian buffers postings in one map per term, and adding to a map of
# a batch's whole vocabulary costs more than flushing it often (measured: ~350 against
# ~500 us per chunk of Xapian's own time, 60,000 chunks into one database, 2026-12-02).
FRESH_FLUSH = 5_000


class ShardWriteError(UserError):
    """A shard could not be reached or written; the others are left consistent."""

    exit_code = 1


# stage ("written": a batch committed, "built": the shard's new state complete,
# "switched": a new generation served), shard, chunks the shard holds so far.
ShardProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Timeouts:
    connect: float = 1.0  # seconds to reach a shard
    query: float = 2.0  # seconds for any one exchange with it


@dataclass(frozen=True)
class ShardReport:
    address: str
    written: int  # files (re)written
    removed: int  # files dropped (gone from the corpus, or moved to another shard)
    chunks: int  # chunks the shard holds now


@dataclass(frozen=True)
class _FilePlan:
    name: str
    digest: str
    articles: list[int]  # live article indices
    chunks: list[int]  # live chunk indices


@dataclass(frozen=True)
class _Parts:
    """The live corpus a shard's documents are built from."""

    articles: list[Article]
    chunks: list[Chunk]
    forward: Forward
    vocabulary: Sequence[str]


@dataclass(frozen=True)
class _Job:
    """One shard's write: where, what it should hold, and whether it starts empty."""

    shard: int
    address: ShardAddress
    target: Path | None  # a new generation folder (full build) or the served one; None: remote
    wanted: dict[str, _FilePlan]
    fresh: bool  # a new, empty database: nothing to compare or delete


def open_remote_writable(address: ShardAddress, timeouts: Timeouts) -> xapian.WritableDatabase:
    return xapian.remote_open_writable(
        address.host, address.port, int(timeouts.query * 1000), int(timeouts.connect * 1000)
    )


def _plans(catalog: Catalog, articles: list[Article], chunks: list[Chunk]) -> list[_FilePlan]:
    """Per corpus file, its live articles and chunks and a digest of both."""
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, article in enumerate(articles):
        by_file[article.file].append(i)
    chunks_of: dict[int, list[int]] = defaultdict(list)
    for i, chunk in enumerate(chunks):
        chunks_of[chunk.article].append(i)
    plans = []
    for name, state in catalog.files.items():
        live = by_file.get(name, [])
        positions = [articles[i].position for i in live]
        digest = hashlib.sha256(json.dumps([state.sha256, positions]).encode()).hexdigest()
        rows = [c for a in live for c in chunks_of[a]]
        plans.append(_FilePlan(name, digest, live, rows))
    return plans


@dataclass(frozen=True)
class _ArticleTerms:
    """What every chunk of an article shares: its boolean terms, date value and data."""

    booleans: tuple[str, ...]
    date: bytes | None
    data: ArticleData

    @classmethod
    def of(cls, article: Article) -> _ArticleTerms:
        booleans = [FILE_PREFIX + file_key(article.file)]
        if article.publisher:
            booleans.append(publisher_term(article.publisher))
        date = None
        if article.date is not None:
            date = xapian.sortable_serialise(article.date.timestamp())
        return cls(tuple(booleans), date, ArticleData.of(article))


def _file_meta(plan: _FilePlan, articles: list[Article], chunks: list[Chunk]) -> str:
    """What a shard remembers about a file: enough for `sources` without reading chunks."""
    counts: dict[int, int] = defaultdict(int)
    for c in plan.chunks:
        counts[chunks[c].article] += 1
    return json.dumps(
        {
            "file": plan.name,
            "digest": plan.digest,
            "articles": [
                {
                    "headline": articles[a].headline,
                    "position": articles[a].position,
                    "publisher": articles[a].publisher,
                    "published": articles[a].published,
                    "url": articles[a].url,
                    "date": articles[a].date.isoformat() if articles[a].date else "",
                    "date_precision": articles[a].date_precision or "",
                    "guid": articles[a].guid,
                    "author": articles[a].author,
                    "chunks": counts[a],
                }
                for a in plan.articles
            ],
        },
        ensure_ascii=False,
    )


def sync(
    addresses: Sequence[ShardAddress],
    catalog: Catalog,
    settings: dict[str, Any],
    timeouts: Timeouts = Timeouts(),
    progress: ShardProgress | None = None,
) -> list[ShardReport]:
    """Write the catalog's live chunks to their shards, rewriting only what changed."""
    folders = [a.path for a in addresses if not a.remote]
    layout.recover(folders)  # a switch a crash interrupted: finish or undo it
    articles, chunks, rows = catalog.live()
    parts = _Parts(articles, chunks, catalog.forward.select(rows), catalog.vocabulary)
    owned: dict[int, dict[str, _FilePlan]] = defaultdict(dict)
    for plan in _plans(catalog, articles, chunks):
        owned[owner(plan.name, len(addresses))][file_key(plan.name)] = plan
    fingerprint = json.dumps(settings, sort_keys=True)
    shape = str(len(addresses))
    written_as = {META_SETTINGS: fingerprint, META_LAYOUT: shape, META_DATA: DATA_VERSION}
    full = bool(folders) and not all(layout.current_matches(f, written_as) for f in folders)
    write_id = uuid.uuid4().hex
    jobs = []
    for shard, address in enumerate(addresses):
        wanted = owned.get(shard, {})
        if address.remote:
            jobs.append(_Job(shard, address, None, wanted, fresh=False))
        elif full:
            target = layout.new_generation(address.path, write_id)
            jobs.append(_Job(shard, address, target, wanted, fresh=True))
        else:
            jobs.append(_Job(shard, address, layout.served(address.path), wanted, fresh=False))
    try:
        reports = _run(jobs, parts, fingerprint, shape, timeouts, progress)
    except BaseException:
        if full:  # the old generations still serve; the new ones are dropped
            for job in jobs:
                layout.discard(job.target)
        raise
    if full:
        layout.switch([(a.path, job.target) for a, job in zip(addresses, jobs, strict=True)])
        for job in jobs:
            if progress:
                progress("switched", job.shard, reports[job.shard].chunks)
    return reports


def _run(
    jobs: list[_Job],
    parts: _Parts,
    fingerprint: str,
    shape: str,
    timeouts: Timeouts,
    progress: ShardProgress | None,
) -> list[ShardReport]:
    """Every job in its own process, at once; the first failure stops them all."""
    context = multiprocessing.get_context("fork")  # the children share the corpus in memory
    running: dict[Connection, tuple[_Job, multiprocessing.process.BaseProcess]] = {}
    for job in jobs:
        mine, theirs = context.Pipe(duplex=False)
        proc = context.Process(
            target=_child,
            args=(theirs, job, parts, fingerprint, shape, timeouts, os.getpid()),
            name=f"newsbot-shard{job.shard}",
            daemon=True,
        )
        proc.start()
        theirs.close()
        running[mine] = (job, proc)
    reports: dict[int, ShardReport] = {}
    try:
        while running:
            for conn in wait(list(running)):
                job, proc = running[conn]
                try:
                    kind, *rest = conn.recv()
                except EOFError:
                    kind, rest = "error", [f"its writer process died (exit {proc.exitcode})"]
                if kind == "written" and progress:
                    progress("written", job.shard, rest[0])
                elif kind == "done":
                    reports[job.shard] = rest[0]
                    if progress:
                        progress("built", job.shard, rest[0].chunks)
                elif kind == "error":
                    raise ShardWriteError(f"cannot write shard {job.address}: {rest[0]}")
                if kind in ("done", "error"):
                    del running[conn]
                    conn.close()
                    proc.join()
    finally:
        for conn, (_, proc) in running.items():
            proc.kill()
            proc.join()
            conn.close()
    return [reports[job.shard] for job in jobs]


def _child(
    out: Connection,
    job: _Job,
    parts: _Parts,
    fingerprint: str,
    shape: str,
    timeouts: Timeouts,
    parent: int,
) -> None:
    """A writer process: one shard's job, reporting batches and the result on `out`."""
    # Xapian flushes postings every this many documents (default 10,000), and commits
    # then: a served generation only once a batch, a new one (not served yet) more often.
    os.environ["XAPIAN_FLUSH_THRESHOLD"] = str(FRESH_FLUSH if job.fresh else BATCH)
    try:
        if job.target is None:
            db = open_remote_writable(job.address, timeouts)
        else:
            db = xapian.WritableDatabase(str(job.target), xapian.DB_CREATE_OR_OPEN)
        try:
            report = _write_shard(db, job, parts, fingerprint, shape, out.send, parent)
        finally:
            db.close()
        out.send(("done", report))
    except xapian.Error as exc:
        out.send(("error", str(exc)))
    finally:
        out.close()


def _write_shard(
    db: xapian.WritableDatabase,
    job: _Job,
    parts: _Parts,
    fingerprint: str,
    shape: str,
    send: Callable[[tuple[Any, ...]], None],
    parent: int,
) -> ShardReport:
    """Rewrite the files whose digest changed on one shard; drop the files it no longer owns."""
    wiped = not job.fresh and (
        db.get_metadata(META_SETTINGS).decode() != fingerprint
        or db.get_metadata(META_DATA).decode() != DATA_VERSION
    )
    if wiped:  # other settings, or chunks' data in another encoding: none of it is kept
        _wipe(db)
    held = {
        key.decode()[len(META_FILE) :]: json.loads(db.get_metadata(key))["digest"]
        for key in db.metadata_keys(META_FILE)
    }
    wanted = job.wanted
    stale = [k for k, d in held.items() if k not in wanted or wanted[k].digest != d]
    fresh = [k for k, plan in wanted.items() if held.get(k) != plan.digest]
    for key in stale:
        db.delete_document(FILE_PREFIX + key)
        db.set_metadata(META_FILE + key, "")
    written = pending = 0
    forward, chunks, articles = parts.forward, parts.chunks, parts.articles
    indptr, terms = forward.indptr.tolist(), forward.terms
    tfs = forward.tfs.astype("<u2", casting="safe", copy=False)  # the data's counts, as stored
    xterms = [index_term(t) for t in parts.vocabulary]
    names = [t.encode() for t in parts.vocabulary]
    separator = TERM_SEPARATOR.encode()
    if any(separator in name for name in names):  # never from analysis; never misread either
        raise ValueError("an analysed term holds the shards' term separator")
    for key in fresh:
        plan = wanted[key]
        shared = {a: _ArticleTerms.of(articles[a]) for a in plan.articles}
        for c in plan.chunks:
            a, b = indptr[c], indptr[c + 1]
            ids = terms[a:b].tolist()
            counts = tfs[a:b]
            chunk = chunks[c]
            article = shared[chunk.article]
            # The document built in as few Python calls as the bindings allow.
            doc = xapian.Document()
            add_term = doc.add_term
            for t, tf in zip(ids, counts.tolist(), strict=True):
                add_term(xterms[t], tf)
            for term in article.booleans:
                doc.add_boolean_term(term)
            if article.date is not None:
                doc.add_value(DATE_SLOT, article.date)
            section = articles[chunk.article].section(chunk.paragraph)
            held = separator.join([names[t] for t in ids])
            data = encode_chunk(
                article.data,
                chunk.paragraph,
                chunk.start,
                chunk.end,
                chunk.text,
                section,
                held,
                counts.tobytes(),
            )
            doc.set_data(data)
            db.add_document(doc)
            written += 1
            pending += 1
            if os.getppid() != parent:  # a killed `newsbot index` leaves no writer behind
                os._exit(1)
        db.set_metadata(META_FILE + key, _file_meta(plan, parts.articles, chunks))
        if pending >= BATCH:
            db.commit()
            pending = 0
            send(("written", db.get_doccount()))
    if wiped or stale or fresh or not db.get_metadata(META_GENERATION) or job.fresh:
        db.set_metadata(META_SETTINGS, fingerprint)
        db.set_metadata(META_DATA, DATA_VERSION)
        db.set_metadata(META_LAYOUT, shape)
        db.set_metadata(META_GENERATION, uuid.uuid4().hex)
        db.commit()
    removed = len([k for k in stale if k not in wanted])
    log.info("shard %s: %d files written, %d removed", job.address, len(fresh), removed)
    return ShardReport(str(job.address), len(fresh), removed, db.get_doccount())


def _wipe(db: xapian.WritableDatabase) -> None:
    """Drop every chunk and file record (the shard was written with other settings)."""
    for item in list(db.allterms(FILE_PREFIX)):
        db.delete_document(item.term)
    for key in list(db.metadata_keys(META_FILE)):
        db.set_metadata(key, "")
