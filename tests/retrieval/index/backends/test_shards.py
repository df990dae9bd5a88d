"""Xapian shards on real xapian-tcpsrv processes give the embedded index's top 10, exactly."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from corpora import COMMON, embedded, queries, read, write_corpus

from retrieval.answering.filters import NO_FILTERS
from retrieval.config import parse_shard as parse_address
from retrieval.index import okapi
from retrieval.index.backends.shards.search import ShardSet, XapianBackend
from retrieval.index.backends.shards.writer import Timeouts, sync
from retrieval.index.bm25 import BM25Params
from retrieval.text.analysis import analyze

RTOL = 1e-9
SETTINGS = {"test": 1}


def open_backend(servers, params=None, retry=5.0) -> XapianBackend:
    addresses = [parse_address(s.address) for s in servers]
    return XapianBackend(ShardSet(addresses, Timeouts(1.0, 2.0), retry), params or BM25Params())


def write(servers, catalog) -> list:
    return sync([parse_address(s.address) for s in servers], catalog, SETTINGS)


def assert_same_top(backend, articles, chunks, index, query, k=10, mask=None, filters=NO_FILTERS):
    """The backend's top k: the embedded index's, with the same scores (ties in any order)."""
    ids = {(articles[c.article].key, c.text): i for i, c in enumerate(chunks)}
    ranked = backend.top_k(query, k, filters)
    assert not ranked.partial
    got = np.array([ids[(r.article, r.text)] for r in ranked.chunks], dtype=np.int64)
    dense = index.get_scores(query)
    if mask is not None:
        dense = np.where(mask, dense, 0.0)
    best = np.sort(dense[dense > 0])[::-1][:k]
    np.testing.assert_allclose(ranked.scores, best, rtol=RTOL)
    np.testing.assert_allclose(dense[got], ranked.scores, rtol=RTOL)
    assert len(set(got.tolist())) == len(got)
    want_ids, _ = index.top_k(query, k, mask)
    return got, want_ids


@pytest.mark.parametrize("count", [2, 3])
def test_generated_text_matches_the_embedded_index(shard_servers, tmp_path, count):
    catalog = read(write_corpus(tmp_path / "corpus"))
    params = BM25Params()
    articles, chunks, index = embedded(catalog, params)
    servers = shard_servers.start(count)
    reports = write(servers, catalog)
    assert sum(r.chunks for r in reports) == len(chunks)
    assert all(r.chunks > 0 for r in reports)  # every shard holds part of the corpus
    backend = open_backend(servers, params)
    df = np.diff(index.indptr)
    common = [index.vocabulary[analyze(w)[0]] for w in COMMON]
    floored = [t for t in common if okapi.raw_idf(int(df[t]), index.size) < 0]
    assert floored, "the corpus must hold terms in more than half of the chunks"
    same_order = 0
    qs = [analyze(" ".join(q)) for q in queries(60)]
    for query in qs:
        got, want = assert_same_top(backend, articles, chunks, index, query)
        same_order += got.tolist() == want.tolist()
    assert same_order >= len(qs) - 3  # ties aside, the very same order


def test_term_statistics_match(shard_servers, tmp_path):
    catalog = read(write_corpus(tmp_path / "corpus", files=12))
    *_, index = embedded(catalog, BM25Params())
    servers = shard_servers.start(2)
    write(servers, catalog)
    stats = open_backend(servers).term_stats([*index.terms[:50], "neverseen"])
    assert stats.size == index.size
    assert stats.idf["neverseen"] is None
    for term in index.terms[:50]:
        assert stats.idf[term] == pytest.approx(index.term_idf(term), rel=1e-12)


def test_a_fixed_margin_over_xapian_weights_would_miss_chunks(shard_servers, tmp_path):
    """Why the bound matters: plain BM25Weight's top k + 10, rescored, loses true top chunks.

    Xapian lifts the idf of very common terms above rank_bm25's, so its own ranking
    of queries holding them differs; the backend scales term weights instead.
    """
    import xapian

    catalog = read(write_corpus(tmp_path / "corpus"))
    articles, chunks, index = embedded(catalog, BM25Params())
    servers = shard_servers.start(2)
    write(servers, catalog)
    backend = open_backend(servers)
    ids = {(articles[c.article].key, c.text): i for i, c in enumerate(chunks)}
    missed = 0
    for query in [analyze(" ".join(q)) for q in queries(60)]:
        want, _ = index.top_k(query, 10)

        def naive(view, query=query):
            enquire = xapian.Enquire(view.db)
            enquire.set_query(xapian.Query(xapian.Query.OP_OR, sorted(set(query))))
            enquire.set_weighting_scheme(xapian.BM25Weight(1.5, 0, 1, 0.75, 0))
            return [
                ids[(f"{s.file}#{s.position}", s.text)]
                for s in map(search_stored, enquire.get_mset(0, 20))
            ]

        fetched = set(backend.shards.run(naive))
        missed += not set(want.tolist()) <= fetched
    assert missed > 0


def search_stored(item):
    from retrieval.index.backends.shards.schema import StoredChunk

    return StoredChunk.decode(item.document.get_data())


def test_ties_beyond_the_first_fetch_are_all_read_and_ranked_as_the_embedded_index(
    shard_servers, tmp_path
):
    """40 chunks score exactly alike: the bound widens the fetch and ties go by corpus order."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        text = f"Story {i:03d}\n\nThe valdoran harbour reopened after the storm on Sunday.\n"
        (corpus / f"story-{i:03d}.txt").write_text(text)
    catalog = read(corpus)
    articles, chunks, index = embedded(catalog, BM25Params())
    servers = shard_servers.start(3)
    write(servers, catalog)
    backend = open_backend(servers)
    query = analyze("valdoran")
    got, want = assert_same_top(backend, articles, chunks, index, query, k=10)
    assert len(set(backend.top_k(query, 40, NO_FILTERS).scores)) == 1  # all tied
    assert got.tolist() == want.tolist()  # the same ten, in the same order


def test_queries_from_two_threads_run_at_once_each_on_its_own_connections(shard_servers, tmp_path):
    """No lock spans a query: a second thread answers while the first is still inside one."""
    import threading

    catalog = read(write_corpus(tmp_path / "corpus", files=6))
    servers = shard_servers.start(2)
    write(servers, catalog)
    shards = open_backend(servers).shards
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def slow(view):
        seen["first"] = [c.db for c in view.shards]
        inside.set()
        assert release.wait(10)
        return view.db.get_doccount()

    first = threading.Thread(target=shards.run, args=(slow,))
    first.start()
    assert inside.wait(10)

    def quick(view):
        seen["second"] = [c.db for c in view.shards]
        return view.db.get_doccount()

    try:
        assert shards.run(quick) == len(catalog.live()[1])
        assert first.is_alive()  # answered while the first query was still inside run()
    finally:
        release.set()
        first.join(10)
    assert not set(map(id, seen["first"])) & set(map(id, seen["second"]))


def test_a_chunks_data_reads_back_as_written_whatever_its_text_holds():
    """The binary record keeps every field exactly: NULs, any script, empty fields."""
    from datetime import UTC, datetime

    from retrieval.index.backends.shards.schema import (
        TERM_SEPARATOR,
        ArticleData,
        StoredChunk,
        encode_chunk,
    )
    from retrieval.models import Article

    article = Article(
        "Ħeadline \x00 “quoted”",
        ("para",),
        "dir/ünï.html",
        3,
        "Pub\x1f",
        "2 days ago",
        "",
        datetime(2025, 7, 10, 8, 30, tzinfo=UTC),
        "minute",
        author="",
    )
    terms = {"ħarbour": 3, "coalition": 1, "2025": 65535}
    data = encode_chunk(
        ArticleData.of(article),
        5,
        120,
        180,
        "Text with \x00 a NUL, 日本語 and emoji 🙂",
        "",
        TERM_SEPARATOR.join(terms).encode(),
        struct.pack(f"<{len(terms)}H", *terms.values()),
    )
    stored = StoredChunk.decode(data)
    assert stored == StoredChunk(
        "Text with \x00 a NUL, 日本語 and emoji 🙂",
        "dir/ünï.html",
        3,
        "Ħeadline \x00 “quoted”",
        "Pub\x1f",
        "2 days ago",
        "",
        5,
        120,
        180,
        terms,
        "2025-07-10T08:30:00+00:00",
        "minute",
        "",
        "",
    )
    assert stored.length == sum(terms.values())
    empty = StoredChunk.decode(encode_chunk(ArticleData.of(article), 0, 0, 0, "", "", b"", b""))
    assert empty.terms == {} and empty.text == ""
