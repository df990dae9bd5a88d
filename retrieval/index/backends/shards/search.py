"""Serve from Xapian shards: one combined database, BM25Okapi's exact top k, bounded faults.

The shards are opened as one xapian.Database (Xapian combines N, lengths and
document frequencies across them). A shard that is down or too slow is left out
for `retry_seconds` and the answer says it is partial; every exchange with a
shard is bounded by the timeouts, so a query fails or answers within about
three query timeouts, never hangs. A shard that comes back is used again.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import xapian

from retrieval.config import ShardAddress
from retrieval.errors import UserError
from retrieval.index import okapi
from retrieval.index.backends.base import (
    ChunkRecord,
    Filters,
    Progress,
    Ranked,
    TermStats,
    Topic,
    article_mask,
    article_times,
    held_weight,
    newest_first,
    publisher_key,
)
from retrieval.index.backends.shards import exact
from retrieval.index.backends.shards.schema import (
    BOOLEAN_PREFIX,
    DATA_VERSION,
    DATE_SLOT,
    META_DATA,
    META_FILE,
    META_GENERATION,
    META_SETTINGS,
    StoredChunk,
    index_term,
    publisher_term,
    walk_key,
)
from retrieval.index.backends.shards.writer import Timeouts
from retrieval.index.bm25 import BM25Params
from retrieval.models import Article, Source
from retrieval.text import analysis
from retrieval.text.analysis import indexed_text

log = logging.getLogger("newsbot.shards")

T = TypeVar("T")
# Candidates fetched beyond k at first; the bound decides whether more are needed.
FIRST_MARGIN = 10
WIDEN = 4  # each further fetch asks for this many times as many candidates
LATEST_PAGE = 64  # documents read per fetch while looking for the newest on a topic
# Relative room below the best co-occurrence weight Xapian reports: documents within it
# are read and summed exactly (held_weight), as the embedded index sums them.
COOCCURRENCE_SLACK = 1e-9
# Chunks holding a term read whole to find its first ones in corpus order; above this
# many, each shard's first ones are read instead (see XapianBackend.indexed_texts).
TEXTS_READ_ALL = 2000
ATTEMPTS = 3  # a query, a retry after reconnecting, one more after a shard is dropped
# Errors that mean "this shard, now": unreachable, timed out, restarted, rewritten.
SHARD_ERRORS = (xapian.NetworkError, xapian.DatabaseError)


class AnalyzedOtherwise(UserError):
    """A shard's chunks were analysed by another Analyzer (its terms are not this
    process's) or their data is in another encoding (schema.DATA_VERSION), so it is
    not served; the message says how to rewrite it."""

    exit_code = 2


class ArchiveUnavailable(UserError):
    """No shard answers: the message is the reply; try again later."""

    exit_code = 1


@dataclass
class _Shard:
    """A configured shard and what every thread knows of its health."""

    ordinal: int
    address: ShardAddress
    retry_at: float = 0.0  # while in the future the shard is left out (it failed)


@dataclass
class _Connection:
    """One thread's connection to one shard."""

    ordinal: int
    address: ShardAddress
    db: xapian.Database


@dataclass
class View:
    """The reachable shards as one database; docids map back to stable chunk ids."""

    db: xapian.Database
    shards: list[_Connection]
    total: int  # configured shards

    @property
    def partial(self) -> bool:
        return len(self.shards) < self.total

    def chunk_id(self, docid: int) -> int:
        """The docid the full set of shards would give (stable while shards are down)."""
        sub, local = (docid - 1) % len(self.shards), (docid - 1) // len(self.shards)
        return local * self.total + self.shards[sub].ordinal

    def generations(self) -> tuple[tuple[int, bytes], ...]:
        return tuple((s.ordinal, s.db.get_metadata(META_GENERATION)) for s in self.shards)


def open_readonly(address: ShardAddress, timeouts: Timeouts) -> xapian.Database:
    if address.remote:
        return xapian.remote_open(
            address.host, address.port, int(timeouts.query * 1000), int(timeouts.connect * 1000)
        )
    return xapian.Database(str(address.path))


class _Local(threading.local):
    """A thread's own connections (Xapian objects are not thread-safe), by shard ordinal."""

    def __init__(self) -> None:
        self.epoch = -1
        self.open: dict[int, _Connection] = {}


class ShardSet:
    """Connections to the shards: one set per thread, so queries never wait on each other.

    Health is shared: a shard one thread found down is left out by every thread
    until `retry_seconds` pass, so a stalled shard costs one query its timeouts, not
    every thread. The lock guards only that state, never a network exchange.
    """

    def __init__(
        self,
        addresses: Sequence[ShardAddress],
        timeouts: Timeouts,
        retry_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shards = [_Shard(i, a) for i, a in enumerate(addresses)]
        self.timeouts = timeouts
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._health = threading.Lock()
        self._epoch = 0  # bumped by refresh: each thread then opens its connections anew
        self._local = _Local()
        self._every: list[dict[int, _Connection]] = []  # each thread's connections, for close

    def _mine(self) -> dict[int, _Connection]:
        local = self._local
        if local.epoch != self._epoch:
            for conn in local.open.values():
                conn.db.close()
            local.open.clear()
            if local.epoch == -1:
                with self._health:
                    self._every.append(local.open)
            local.epoch = self._epoch
        return local.open

    def _connect(self, shard: _Shard, mine: dict[int, _Connection]) -> None:
        try:
            db = open_readonly(shard.address, self.timeouts)
        except SHARD_ERRORS as exc:
            with self._health:
                first = shard.retry_at == 0.0 or self.clock() >= shard.retry_at
                shard.retry_at = self.clock() + self.retry_seconds
            if first:
                log.warning("shard %s unavailable: %s", shard.address, exc)
        else:
            mine[shard.ordinal] = _Connection(shard.ordinal, shard.address, db)
            with self._health:
                back, shard.retry_at = shard.retry_at != 0.0, 0.0
            if back:
                log.warning("shard %s is back", shard.address)

    def _view(self) -> View:
        mine = self._mine()
        for shard in self.shards:
            with self._health:
                down = self.clock() < shard.retry_at
            if down:  # another thread (or this one) found it down: skip it, drop our link
                dropped = mine.pop(shard.ordinal, None)
                if dropped is not None:
                    dropped.db.close()
            elif shard.ordinal not in mine:
                self._connect(shard, mine)
        up = [mine[s.ordinal] for s in self.shards if s.ordinal in mine]
        if not up:
            raise ArchiveUnavailable(
                "The archive is unavailable right now (no shard answers); try again in a minute."
            )
        db = xapian.Database()
        for conn in up:
            db.add_database(conn.db)
        return View(db, up, len(self.shards))

    def run(self, work: Callable[[View], T]) -> T:
        """`work` over the reachable shards; after a fault, reconnect and try again."""
        for attempt in range(1, ATTEMPTS + 1):
            view = self._view()
            try:
                return work(view)
            except SHARD_ERRORS as exc:
                log.warning("shard query failed (attempt %d): %s", attempt, exc)
                if attempt == ATTEMPTS:
                    break
                # A connection that failed once is not trusted: reconnect all in the view.
                mine = self._mine()
                for conn in view.shards:
                    mine.pop(conn.ordinal, None)
                    conn.db.close()
                    self._connect(self.shards[conn.ordinal], mine)
        raise ArchiveUnavailable(
            "The archive is unavailable right now (its shards fail to answer); "
            "try again in a minute."
        )

    def refresh(self) -> None:
        """See what the indexer wrote since the shards were opened.

        Every thread reconnects: a server opens a shard folder's stub afresh per
        connection, so a new connection sees a switched generation (reopen would not).
        """
        with self._health:
            self._epoch += 1

    def close(self) -> None:
        """Close every thread's connections (at shutdown, when no query runs)."""
        with self._health:
            for opened in self._every:
                for conn in opened.values():
                    conn.db.close()
                opened.clear()
            self._epoch += 1


@dataclass
class _Candidate:
    score: float
    stored: StoredChunk
    chunk_id: int


@dataclass
class XapianBackend:
    """The index contract over Xapian shards, with BM25Okapi's scores."""

    shards: ShardSet
    params: BM25Params = field(default_factory=BM25Params)
    _mean: tuple[object, float] | None = None  # (shard generations, mean idf)
    _listing: tuple[object, list[tuple[Article, int]]] | None = None
    _vocabulary: tuple[object, list[str]] | None = None
    _model_warned: bool = False
    _size: int = 0  # chunks, as last seen

    @property
    def size(self) -> int:
        return self._size

    def refresh(self) -> None:
        self.shards.refresh()
        try:
            self._size = self.shards.run(lambda view: _written_alike(view).db.get_doccount())
        except ArchiveUnavailable as exc:  # logged per shard; queries retry later
            log.warning("%s", exc)

    def refreshed(self, progress: Progress | None = None) -> None:
        """Shards are reopened in place (the indexer writes them): never a new backend."""
        self.refresh()

    # -- statistics ------------------------------------------------------------------------

    def _mean_idf(self, view: View, n: int) -> float:
        """The vocabulary's mean raw idf (for the epsilon floor), cached per shard generation."""
        key = view.generations()
        if self._mean is None or self._mean[0] != key:
            upper = BOOLEAN_PREFIX.encode()
            dfs = (t.termfreq for t in view.db.allterms() if not t.term.startswith(upper))
            self._mean = (key, okapi.mean_idf(dfs, n))
        return self._mean[1]

    def _idfs(self, view: View, terms: set[str]) -> tuple[int, dict[str, int], dict[str, float]]:
        """N, document frequencies, and rank_bm25's idf of the terms some chunk holds."""
        db = view.db
        n = self._size = db.get_doccount()
        if not terms:
            return n, {}, {}
        # One match with no documents gathers every term's frequency from all shards at
        # once (get_termfreq would be a round trip per term per shard).
        probe = xapian.Enquire(db)
        probe.set_query(xapian.Query(xapian.Query.OP_OR, [index_term(t) for t in sorted(terms)]))
        stats = probe.get_mset(0, 0)
        dfs = {t: stats.get_termfreq(index_term(t)) for t in terms}
        held = {t: df for t, df in dfs.items() if df > 0}
        mean = None
        if any(okapi.raw_idf(df, n) < 0 for df in held.values()):
            mean = self._mean_idf(view, n)
        eps = self.params.epsilon
        return n, held, {t: okapi.idf(df, n, eps, mean) for t, df in held.items()}

    def term_stats(self, terms: Sequence[str]) -> TermStats:
        def work(view: View) -> TermStats:
            n, dfs, idf = self._idfs(view, set(terms))
            return TermStats(
                n, {t: idf.get(t) for t in terms}, {t: dfs.get(t, 0) for t in terms}, view.partial
            )

        return self.shards.run(work)

    # -- ranking -----------------------------------------------------------------------------

    def top_k(self, terms: Sequence[str], k: int, filters: Filters) -> Ranked:
        return self.shards.run(lambda view: self._top_k(view, terms, k, filters))

    def _top_k(self, view: View, terms: Sequence[str], k: int, filters: Filters) -> Ranked:
        uses = Counter(terms)
        n, dfs, idf = self._idfs(view, set(uses))
        if not idf or k <= 0 or n == 0:
            return Ranked([], [], view.partial)
        avgdl = view.db.get_total_length() / n
        parts = []
        for term in idf:
            factor = exact.scale(idf[term], dfs[term], n)
            if factor > 0:
                leaf = xapian.Query(index_term(term))
                parts.append(xapian.Query(xapian.Query.OP_SCALE_WEIGHT, leaf, factor * uses[term]))
        if not parts:  # every term's idf is <= 0: no chunk scores above zero
            return Ranked([], [], view.partial)
        query = xapian.Query(xapian.Query.OP_OR, parts)
        for wanted in _filter_queries(filters):
            query = xapian.Query(xapian.Query.OP_FILTER, query, wanted)
        enquire = xapian.Enquire(view.db)
        enquire.set_query(query)
        p = self.params
        enquire.set_weighting_scheme(xapian.BM25Weight(p.k1, 0, 1, p.b, 0))
        if min(idf.values()) < 0:  # a negative weight Xapian cannot see: read every match
            found = self._rescore(view, enquire, uses, idf, avgdl)
        else:
            found = self._top_candidates(view, enquire, k, uses, idf, avgdl)
        found = [c for c in found if c.score > 0]
        found.sort(key=lambda c: (-c.score, c.stored.order()))
        top = found[:k]
        return Ranked([_record(c) for c in top], [c.score for c in top], view.partial)

    def _top_candidates(
        self,
        view: View,
        enquire: xapian.Enquire,
        k: int,
        uses: Counter[str],
        idf: dict[str, float],
        avgdl: float,
    ) -> list[_Candidate]:
        """Every chunk that can be in the exact top k, rescored exactly.

        Xapian's weights rank the matches; documents are read only for those
        within the threshold of the k-th weight (usually about k of them).
        """
        want = k + max(k, FIRST_MARGIN)
        while True:
            mset = enquire.get_mset(0, want)
            exhausted = mset.size() < want
            weights = [item.weight for item in mset]
            floor = exact.threshold(weights[k - 1]) if len(weights) >= k else 0.0
            if exhausted or weights[-1] < floor:
                break
            want *= WIDEN
        keep = sum(w >= floor for w in weights)
        found, trusted = self._read(view, mset, keep, uses, idf, avgdl)
        if trusted:
            return found
        if not self._model_warned:
            log.warning("Xapian's weights differ from BM25Okapi's; rescoring every match")
            self._model_warned = True
        return self._rescore(view, enquire, uses, idf, avgdl)

    def _rescore(
        self,
        view: View,
        enquire: xapian.Enquire,
        uses: Counter[str],
        idf: dict[str, float],
        avgdl: float,
    ) -> list[_Candidate]:
        """Every match, rescored exactly (the fallback: correct, and slow on common terms)."""
        mset = enquire.get_mset(0, view.db.get_doccount())
        return self._read(view, mset, mset.size(), uses, idf, avgdl)[0]

    def _read(
        self,
        view: View,
        mset: xapian.MSet,
        count: int,
        uses: Counter[str],
        idf: dict[str, float],
        avgdl: float,
    ) -> tuple[list[_Candidate], bool]:
        """The first `count` matches rescored; and whether Xapian's weights agreed."""
        found, trusted = [], True
        mset.fetch()  # every document requested at once: the shards answer in parallel
        for item in itertools.islice(mset, count):
            stored = StoredChunk.decode(item.document.get_data())
            score, positive = self._score(stored, uses, idf, avgdl)
            if abs(item.weight - positive) > exact.SLACK * max(positive, 1e-300):
                trusted = False
            found.append(_Candidate(score, stored, view.chunk_id(item.docid)))
        return found, trusted

    def _score(
        self, stored: StoredChunk, uses: Counter[str], idf: dict[str, float], avgdl: float
    ) -> tuple[float, float]:
        """BM25Okapi's score of a chunk, and the part Xapian sees (terms with idf > 0)."""
        p = self.params
        norm = okapi.length_norm(stored.length, p.k1, p.b, avgdl)
        score = positive = 0.0
        for term, weight in idf.items():
            tf = stored.terms.get(term)
            if tf:
                part = okapi.term_weight(tf, norm, weight, p.k1) * uses[term]
                score += part
                if weight > 0:
                    positive += part
        return score, positive

    # -- listings ----------------------------------------------------------------------------

    def _articles(self) -> list[tuple[Article, int]]:
        """Every live article with its chunk count, from the shards' file records."""

        def work(view: View) -> list[tuple[Article, int]]:
            key = view.generations()
            if self._listing is not None and self._listing[0] == key:
                return self._listing[1]
            rows = []
            for shard in view.shards:
                for meta_key in shard.db.metadata_keys(META_FILE):
                    record = json.loads(shard.db.get_metadata(meta_key))
                    for a in record["articles"]:
                        article = Article(
                            a["headline"],
                            (),
                            record["file"],
                            a["position"],
                            a["publisher"],
                            a["published"],
                            a["url"],
                            datetime.fromisoformat(a["date"]) if a["date"] else None,
                            a["date_precision"] or None,
                            a["guid"],
                            a["author"],
                        )
                        rows.append((article, a["chunks"]))
            rows.sort(key=lambda r: (walk_key(r[0].file), r[0].position))
            self._listing = (key, rows)
            return rows

        return self.shards.run(work)

    def publishers(self) -> list[str]:
        names = {a.publisher for a, _ in self._articles() if a.publisher}
        return sorted(names, key=str.casefold)

    def sources(self, filters: Filters) -> list[tuple[Article, int]]:
        rows = self._articles()
        articles = [a for a, _ in rows]
        keep = article_mask(filters, articles, article_times(articles))
        return [rows[i] for i in keep.nonzero()[0].tolist()]

    def undated(self, publisher: str | None, topic: Topic | None = None) -> int:
        if topic is not None:
            return self.shards.run(lambda view: len(self._undated_about(view, publisher, topic)))
        wanted = publisher and publisher_key(publisher)
        return sum(
            1
            for a, _ in self._articles()
            if a.date is None and (not wanted or publisher_key(a.publisher) == wanted)
        )

    def _undated_about(self, view: View, publisher: str | None, topic: Topic) -> set[str]:
        """Keys of the undated articles (from `publisher`) with a chunk covering the topic:
        every chunk holding a topic term and no date value is read (undated ones are few)."""
        held = [xapian.Query(index_term(t)) for t in sorted(topic.terms)]
        if not held:
            return set()
        # Any date at all. Not -inf: that serialises to "", which every chunk's value
        # (an undated chunk's is empty) is at least.
        dated = xapian.sortable_serialise(-sys.float_info.max)
        query = xapian.Query(
            xapian.Query.OP_AND_NOT,
            xapian.Query(xapian.Query.OP_OR, held),
            xapian.Query(xapian.Query.OP_VALUE_GE, DATE_SLOT, dated),
        )
        for part in _filter_queries(Filters(publisher=publisher)):
            query = xapian.Query(xapian.Query.OP_FILTER, query, part)
        enquire = xapian.Enquire(view.db)
        enquire.set_query(query)
        enquire.set_weighting_scheme(xapian.BoolWeight())
        found: set[str] = set()
        start = 0
        while True:
            mset = enquire.get_mset(start, LATEST_PAGE)
            for item in mset:
                stored = StoredChunk.decode(item.document.get_data())
                if topic.covers(frozenset(stored.terms)):
                    found.add(stored.article_key)
            if mset.size() < LATEST_PAGE:
                return found
            start += LATEST_PAGE

    def latest(self, count: int, filters: Filters, topic: Topic | None) -> list[Article]:
        rows = self._articles()
        if topic is not None:
            about = self.shards.run(lambda view: self._about(view, count, filters, topic))
            rows = [r for r in rows if f"{r[0].file}#{r[0].position}" in about]
        articles = [a for a, _ in rows]
        times = article_times(articles)
        order = newest_first(times, article_mask(filters, articles, times))
        return [articles[i] for i in order[:count]]

    def _about(self, view: View, count: int, filters: Filters, topic: Topic) -> set[str]:
        """Keys of the newest dated articles inside the filters with a chunk covering the
        topic: at least `count` of them (all with the date of the count-th), or all there are.

        Chunks are read newest first (the date value, sorted by Xapian) only until then.
        """
        held = [xapian.Query(index_term(t)) for t in sorted(topic.terms)]
        if not held:
            return set()
        query = xapian.Query(xapian.Query.OP_OR, held)
        dated = xapian.sortable_serialise(-math.inf)  # any date: undated chunks have no value
        has_date = xapian.Query(xapian.Query.OP_VALUE_GE, DATE_SLOT, dated)
        for part in [*_filter_queries(filters), has_date]:
            query = xapian.Query(xapian.Query.OP_FILTER, query, part)
        enquire = xapian.Enquire(view.db)
        enquire.set_query(query)
        enquire.set_weighting_scheme(xapian.BoolWeight())
        enquire.set_sort_by_value(DATE_SLOT, True)
        found: set[str] = set()
        last: bytes | None = None  # the date value of the count-th article found
        start = 0
        while True:
            mset = enquire.get_mset(start, LATEST_PAGE)
            for item in mset:
                value = item.document.get_value(DATE_SLOT)
                if last is not None and value < last:
                    return found
                stored = StoredChunk.decode(item.document.get_data())
                key = stored.article_key
                if key not in found and topic.covers(frozenset(stored.terms)):
                    found.add(key)
                    if len(found) == count:
                        last = value
            if mset.size() < LATEST_PAGE:
                return found
            start += LATEST_PAGE

    # -- spelling evidence -------------------------------------------------------------------

    def vocabulary(self) -> Sequence[str]:
        """Every analysed term in the shards (boolean terms left out), cached per generation."""

        def work(view: View) -> list[str]:
            key = view.generations()
            if self._vocabulary is None or self._vocabulary[0] != key:
                upper = BOOLEAN_PREFIX.encode()
                terms = [
                    t.term.decode() for t in view.db.allterms() if not t.term.startswith(upper)
                ]
                self._vocabulary = (key, terms)
            return self._vocabulary[1]

        return self.shards.run(work)

    def cooccurrence(self, term: str, weights: Mapping[str, float]) -> float:
        """Xapian finds the chunks holding `term` with the most of `weights` (one point per
        term held, scaled by its weight); those within COOCCURRENCE_SLACK of the best are
        read and summed exactly."""

        def work(view: View) -> float:
            positive = {t: w for t, w in weights.items() if w > 0}
            anchor = xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query(index_term(term)), 0)
            parts = [
                xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query(index_term(t)), w)
                for t, w in positive.items()
            ]
            query = anchor
            if parts:
                query = xapian.Query(
                    xapian.Query.OP_AND_MAYBE, anchor, xapian.Query(xapian.Query.OP_OR, parts)
                )
            enquire = xapian.Enquire(view.db)
            enquire.set_query(query)
            enquire.set_weighting_scheme(xapian.CoordWeight())
            first = enquire.get_mset(0, 1)
            if first.empty():
                return 0.0
            if len(positive) == len(weights):  # else every chunk is summed: no bound holds
                best = next(iter(first)).weight
                if best <= 0:
                    return 0.0
                enquire.set_cutoff(0, best * (1 - COOCCURRENCE_SLACK))
            found = 0.0
            for item in enquire.get_mset(0, view.db.get_doccount()):
                stored = StoredChunk.decode(item.document.get_data())
                found = max(found, held_weight(stored.terms, weights))
            return found

        return self.shards.run(work)

    def indexed_texts(self, term: str, count: int) -> list[str]:
        """The first `count` chunks holding the term in corpus order: all of them are read
        and sorted when there are at most TEXTS_READ_ALL (the shards keep no order Xapian
        could sort by); beyond that, each shard's first `count` in the order it stores
        them (its corpus order as written by a full build), so the cost stays bounded."""

        def work(view: View) -> list[str]:
            leaf = index_term(term)
            enquire = xapian.Enquire(view.db)
            enquire.set_query(xapian.Query(leaf))
            enquire.set_weighting_scheme(xapian.BoolWeight())
            enquire.set_docid_order(xapian.Enquire.ASCENDING)
            held = view.db.get_termfreq(leaf)
            # Docids interleave the shards, so the first count * shards hold each one's first.
            read = held if held <= TEXTS_READ_ALL else count * len(view.shards)
            stored = [StoredChunk.decode(i.document.get_data()) for i in enquire.get_mset(0, read)]
            stored.sort(key=StoredChunk.order)
            return [indexed_text(s.text, s.headline, s.section) for s in stored[:count]]

        return self.shards.run(work)


def _written_alike(view: View) -> View:
    """The view, once every shard in it was written with this process's Analyzer;
    AnalyzedOtherwise naming one that was not. A shard never written, or written with
    settings that name no analysis (the writer called directly, as benchmarks do), is
    not judged; `newsbot index` always names it. A shard holding chunks whose data is
    in another encoding is refused, whoever wrote it: it would be misread."""
    for conn in view.shards:
        if conn.db.get_doccount() and conn.db.get_metadata(META_DATA).decode() != DATA_VERSION:
            raise AnalyzedOtherwise(
                f"shard {conn.address} was written by another version of newsbot; "
                "rewrite the shards with: newsbot index --backend xapian"
            )
        written = conn.db.get_metadata(META_SETTINGS)
        analysed = json.loads(written).get("analysis") if written else None
        if analysed is not None and analysed != analysis.ANALYZER.fingerprint:
            raise AnalyzedOtherwise(
                f"shard {conn.address} was written with other analysis settings; "
                "rewrite the shards with: newsbot index --backend xapian"
            )
    return view


def _filter_queries(filters: Filters) -> list[xapian.Query]:
    """Boolean queries for the filters: the publisher's term, the date value's range.

    A chunk without a date has no value, so it is outside every date bound.
    """
    out = []
    if filters.publisher:
        out.append(xapian.Query(publisher_term(filters.publisher)))
    if filters.since is not None:
        since = xapian.sortable_serialise(filters.since.timestamp())
        out.append(xapian.Query(xapian.Query.OP_VALUE_GE, DATE_SLOT, since))
    if filters.until is not None:  # exclusive: the largest time below it
        until = xapian.sortable_serialise(math.nextafter(filters.until.timestamp(), -math.inf))
        out.append(xapian.Query(xapian.Query.OP_VALUE_LE, DATE_SLOT, until))
    return out


def _record(candidate: _Candidate) -> ChunkRecord:
    s = candidate.stored
    source = Source(
        s.headline,
        s.publisher or None,
        s.published or None,
        s.file,
        s.url or None,
        datetime.fromisoformat(s.date) if s.date else None,
        s.date_precision or None,
        s.author or None,
    )
    terms = frozenset(s.terms)
    return ChunkRecord(
        candidate.chunk_id, s.text, s.article_key, s.headline, source, terms, s.section, s.paragraph
    )
