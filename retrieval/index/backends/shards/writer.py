"""`newsbot index --backend xapian`: bring every shard in line with the catalog.

Each corpus file belongs to one shard (schema.owner). A shard remembers, per
file, a digest of what it holds (the file's content and which of its articles
are live after de-duplication); only files whose digest changed are rewritten,
on their own shard, and a file whose owner changed (shards added or removed)
moves. Settings that change every chunk (analysis, chunking) rewrite the shard.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import xapian

from retrieval.config import ShardAddress
from retrieval.errors import UserError
from retrieval.index.backends.shards.schema import (
    DATE_SLOT,
    FILE_PREFIX,
    META_FILE,
    META_GENERATION,
    META_SETTINGS,
    StoredChunk,
    file_key,
    index_term,
    owner,
    publisher_term,
)
from retrieval.index.bm25 import Forward
from retrieval.index.catalog import Catalog
from retrieval.models import Article, Chunk

log = logging.getLogger("newsbot.shards")


class ShardWriteError(UserError):
    """A shard could not be reached or written; the others are left consistent."""

    exit_code = 1


ShardProgress = Callable[[int, int, int], None]  # shard, files written, chunks written


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


def open_writable(address: ShardAddress, timeouts: Timeouts) -> xapian.WritableDatabase:
    if address.remote:
        return xapian.remote_open_writable(
            address.host, address.port, int(timeouts.query * 1000), int(timeouts.connect * 1000)
        )
    address.path.parent.mkdir(parents=True, exist_ok=True)
    return xapian.WritableDatabase(str(address.path), xapian.DB_CREATE_OR_OPEN)


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


def _document(
    chunk: Chunk, article: Article, terms: Sequence[str], tfs: Sequence[int]
) -> xapian.Document:
    doc = xapian.Document()
    for term, tf in zip(terms, tfs, strict=True):
        doc.add_term(index_term(term), int(tf))
    doc.add_boolean_term(FILE_PREFIX + file_key(article.file))
    if article.publisher:
        doc.add_boolean_term(publisher_term(article.publisher))
    if article.date is not None:
        doc.add_value(DATE_SLOT, xapian.sortable_serialise(article.date.timestamp()))
    stored = StoredChunk(
        chunk.text,
        article.file,
        article.position,
        article.headline,
        article.publisher,
        article.published,
        article.url,
        chunk.paragraph,
        chunk.start,
        chunk.end,
        dict(zip(terms, map(int, tfs), strict=True)),
        article.date.isoformat() if article.date is not None else "",
        article.date_precision or "",
        article.author or "",
        article.section(chunk.paragraph),
    )
    doc.set_data(stored.encode())
    return doc


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
    articles, chunks, rows = catalog.live()
    parts = _Parts(articles, chunks, catalog.forward.select(rows), catalog.vocabulary)
    plans = _plans(catalog, articles, chunks)
    owned: dict[int, dict[str, _FilePlan]] = defaultdict(dict)
    for plan in plans:
        owned[owner(plan.name, len(addresses))][file_key(plan.name)] = plan
    fingerprint = json.dumps(settings, sort_keys=True)
    reports = []
    for shard, address in enumerate(addresses):
        try:
            db = open_writable(address, timeouts)
            try:
                wanted = owned.get(shard, {})
                reports.append(
                    _sync_shard(db, shard, address, wanted, fingerprint, parts, progress)
                )
            finally:
                db.close()
        except xapian.Error as exc:
            raise ShardWriteError(f"cannot write shard {address}: {exc}") from None
    return reports


@dataclass(frozen=True)
class _Parts:
    """The live corpus a shard's documents are built from."""

    articles: list[Article]
    chunks: list[Chunk]
    forward: Forward
    vocabulary: Sequence[str]


def _sync_shard(
    db: xapian.WritableDatabase,
    shard: int,
    address: ShardAddress,
    wanted: dict[str, _FilePlan],
    fingerprint: str,
    parts: _Parts,
    progress: ShardProgress | None,
) -> ShardReport:
    """Rewrite the files whose digest changed on one shard; drop the files it no longer owns."""
    if db.get_metadata(META_SETTINGS).decode() != fingerprint:
        _wipe(db)
    held = {
        key.decode()[len(META_FILE) :]: json.loads(db.get_metadata(key))["digest"]
        for key in db.metadata_keys(META_FILE)
    }
    stale = [k for k, d in held.items() if k not in wanted or wanted[k].digest != d]
    fresh = [k for k, plan in wanted.items() if held.get(k) != plan.digest]
    for key in stale:
        db.delete_document(FILE_PREFIX + key)
        db.set_metadata(META_FILE + key, "")
    written = 0
    forward, chunks = parts.forward, parts.chunks
    for n, key in enumerate(fresh, start=1):
        plan = wanted[key]
        for c in plan.chunks:
            a, b = forward.indptr[c], forward.indptr[c + 1]
            terms = [parts.vocabulary[t] for t in forward.terms[a:b].tolist()]
            article = parts.articles[chunks[c].article]
            db.add_document(_document(chunks[c], article, terms, forward.tfs[a:b]))
            written += 1
        db.set_metadata(META_FILE + key, _file_meta(plan, parts.articles, chunks))
        if progress:
            progress(shard, n, written)
    if stale or fresh or not db.get_metadata(META_GENERATION):
        db.set_metadata(META_SETTINGS, fingerprint)
        db.set_metadata(META_GENERATION, uuid.uuid4().hex)
        db.commit()
    removed = len([k for k in stale if k not in wanted])
    log.info("shard %s: %d files written, %d removed", address, len(fresh), removed)
    return ShardReport(str(address), len(fresh), removed, db.get_doccount())


def _wipe(db: xapian.WritableDatabase) -> None:
    """Drop every chunk and file record (the shard was written with other settings)."""
    for item in list(db.allterms(FILE_PREFIX)):
        db.delete_document(item.term)
    for key in list(db.metadata_keys(META_FILE)):
        db.set_metadata(key, "")
