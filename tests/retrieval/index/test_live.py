"""The live index: a change is one new segment plus deletions; scores stay BM25Okapi's."""

import dataclasses
import json
import sys

import numpy as np
import pytest
from helpers import ROOT
from rank_bm25 import BM25Okapi

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index import store, updates, upkeep
from retrieval.index.bm25 import BM25Params
from retrieval.index.catalog import update

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_ingest

CHUNKING = Config().chunking


def _bags(live):
    """Each live chunk's tokens (as a bag: BM25 ignores order), from its forward index."""
    bags = []
    for chunk in range(live.size):
        s, row = live.locate(chunk)
        f = live.segments[s].forward
        a, b = f.indptr[row], f.indptr[row + 1]
        pairs = zip(f.terms[a:b].tolist(), f.tfs[a:b].tolist(), strict=True)
        bags.append([live.vocabulary_list[t] for t, n in pairs for _ in range(n)])
    return bags


def _assert_okapi(live, queries=30, seed=0):
    """Every score of the live index equals BM25Okapi's over the live chunks alone."""
    bags = _bags(live)
    reference = BM25Okapi(bags)
    rng = np.random.default_rng(seed)
    words = sorted({t for bag in bags for t in bag})
    for _ in range(queries):
        query = [words[i] for i in rng.integers(0, len(words), 3)]
        expected = reference.get_scores(query)
        np.testing.assert_allclose(live.get_scores(query), expected, rtol=1e-9, atol=1e-12)
        ids, scores = live.top_k(query, 10)
        order = np.lexsort((np.arange(expected.size), -expected))
        best = order[expected[order] > 0][:10]
        np.testing.assert_allclose(scores, expected[best], rtol=1e-9)
        assert set(ids.tolist()) <= set(np.flatnonzero(expected >= scores[-1] - 1e-9).tolist())
    for term in words[:20]:
        assert live.term_idf(term) == pytest.approx(reference.idf[term], rel=1e-12)


def _assert_same_as_catalog(live, catalog):
    """The same live chunks, articles and rankings as the whole-corpus catalog."""
    articles, chunks, _ = catalog.live()
    assert list(live.articles) == articles
    assert [(c.article, c.text) for c in live.chunks] == [(c.article, c.text) for c in chunks]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    bench_ingest.write_pages(folder, 12)
    return folder


def test_adds_changes_removals_and_merges_keep_bm25okapi_scores(corpus):
    live, _ = updates.refresh(updates.empty(BM25Params()), corpus, CHUNKING)
    catalog, _ = update(corpus, CHUNKING)
    _assert_okapi(live)
    first = live.segments[0]

    (corpus / "page_000003.txt").unlink()  # a removal: deletions only, no new segment
    live, segment = updates.refresh(live, corpus, CHUNKING)
    assert segment is None and live.segments == [first]
    assert len(live.chunks) < first.size  # its chunks are deleted, not rewritten
    path = corpus / "page_000005.txt"
    path.write_text(path.read_text() + "\nA late paragraph about zeppelins.\n")  # a change
    (corpus / "added.txt").write_text("Ferry strike ends\n\nThe ferry crews voted to return.\n")
    live, segment = updates.refresh(live, corpus, CHUNKING)
    assert live.segments == [first, segment]  # the old segment is kept as it was
    assert sorted(segment.files) == ["added.txt", "page_000005.txt"]
    catalog, _ = update(corpus, CHUNKING, catalog)
    _assert_same_as_catalog(live, catalog)
    _assert_okapi(live, seed=1)

    for i in range(3):  # small changes pile up as small segments...
        (corpus / f"extra{i}.txt").write_text(
            f"Extra {i}\n\nMore words on trams and ferries {i}.\n"
        )
        live, _ = updates.refresh(live, corpus, CHUNKING)
    assert len(live.segments) == 5
    run = updates.merge_due(live, factor=4)
    assert run == (1, 5)  # ...the four small neighbours share a tier, the big one does not
    merged, segment = updates.merge(live, *run)
    assert len(merged.segments) == 2
    assert [c.text for c in merged.chunks] == [c.text for c in live.chunks]  # same ids
    np.testing.assert_array_equal(merged.get_scores(["ferry"]), live.get_scores(["ferry"]))
    _assert_okapi(merged, seed=2)
    # The first segment's deleted chunks are dropped when it is merged too.
    whole, segment = updates.merge(merged, 0, 2)
    assert segment.size == whole.size == merged.size
    _assert_okapi(whole, seed=3)


def test_a_longer_copy_in_a_new_file_replaces_the_old_and_its_removal_restores_it(corpus):
    live, _ = updates.refresh(updates.empty(BM25Params()), corpus, CHUNKING)
    original = (corpus / "page_000004.txt").read_text()
    longer = original.replace(
        "\n\nTry Our AI Features",
        "\nOne more paragraph that only the copy has.\n\nTry Our AI Features",
    )
    (corpus / "copy.txt").write_text(longer)
    with_copy, _ = updates.refresh(live, corpus, CHUNKING)
    main = [a for a in with_copy.articles if a.position == 0 and a.headline in original]
    assert [a.file for a in main] == ["copy.txt"]  # the longer copy is kept, once
    _assert_okapi(with_copy)
    (corpus / "copy.txt").unlink()
    back, _ = updates.refresh(with_copy, corpus, CHUNKING)
    main = [a for a in back.articles if a.position == 0 and a.headline in original]
    assert [a.file for a in main] == ["page_000004.txt"]
    assert back.size == live.size
    _assert_okapi(back)


@pytest.fixture
def config(corpus, tmp_path):
    base = Config().with_corpus(corpus)
    index = dataclasses.replace(base.index, persist=True, path=tmp_path / "index", merge_factor=2)
    return dataclasses.replace(base, index=index)


def test_the_engine_sees_a_new_file_after_one_refresh_without_rebuilding(config, monkeypatch):
    engine = Engine.from_config(config)
    saved = store.location(config.index.path, config.corpus)
    first = engine.backend.index.segments[0].name
    (config.corpus / "late.txt").write_text(bench_ingest.LATE_PAGE)
    read = []
    import retrieval.index.catalog as catalog

    real = catalog.read_record
    monkeypatch.setattr(catalog, "read_record", lambda p, *a: read.append(p.name) or real(p, *a))
    fresh = engine.refreshed()
    assert read == ["late.txt"]  # nothing else re-read or re-indexed
    assert fresh.backend.index.segments[0].name == first
    reply = fresh.ask(bench_ingest.LATE_QUESTION)
    assert reply.answered and reply.answers[0].source.file == "late.txt"
    assert not engine.ask(bench_ingest.LATE_QUESTION).answered  # the old one is untouched
    upkeep.settle()  # two neighbours in one tier: merged in the background, committed
    manifest = json.loads((saved / store.CURRENT / "manifest.json").read_text())
    assert len(manifest["segments"]) == 1
    adopted = fresh.refreshed()  # no corpus change, but the merged generation is picked up
    assert adopted is not None and len(adopted.backend.index.segments) == 1
    assert adopted.ask(bench_ingest.LATE_QUESTION) == reply
    restarted = Engine.from_config(config)
    assert restarted.ask(bench_ingest.LATE_QUESTION) == reply
    assert restarted.refreshed() is None


def test_a_new_file_after_a_restart_reads_no_saved_signature(config, monkeypatch):
    """De-duplicating a change re-runs only the stories its articles share a key with: an
    unrelated new file reads none of the saved segments' signatures (not one per article)."""
    config = dataclasses.replace(config, index=dataclasses.replace(config.index, merge_factor=8))
    Engine.from_config(config)
    parsed = []
    real = store._signature
    monkeypatch.setattr(store, "_signature", lambda data: parsed.append(data) or real(data))
    restarted = Engine.from_config(config)
    (config.corpus / "late.txt").write_text(bench_ingest.LATE_PAGE)
    fresh = restarted.refreshed()
    assert parsed == []
    reply = fresh.ask(bench_ingest.LATE_QUESTION)
    assert reply.answered and reply.answers[0].source.file == "late.txt"
    # A copy of a saved article does reach it: its story is de-duplicated again.
    (config.corpus / "copy.txt").write_text((config.corpus / "page_000004.txt").read_text())
    again = fresh.refreshed()
    assert 0 < len(parsed) < len(restarted.backend.articles)
    assert len(again.backend.articles) == len(fresh.backend.articles)


def test_a_touched_file_is_hashed_once_not_at_every_poll(corpus, monkeypatch):
    import os

    import retrieval.index.catalog as catalog

    plain = []  # files without relative ages ("3 days ago" re-reads on a new mtime)
    for i in range(3):
        plain.append(corpus / f"plain{i}.txt")
        plain[-1].write_text(f"Tram works {i}\n\nThe tram line {i} reopens after works.\n")
    live, _ = updates.refresh(updates.empty(BM25Params()), corpus, CHUNKING)
    hashed = []
    real = catalog.file_state
    monkeypatch.setattr(catalog, "file_state", lambda p, *a: hashed.append(p.name) or real(p, *a))
    monkeypatch.setattr(catalog, "read_record", lambda *a: pytest.fail("re-read a file"))
    for path in plain:  # a copy or a sync: new mtimes, same content
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched, segment = updates.refresh(live, corpus, CHUNKING)
    assert segment is None and len(hashed) == 3
    assert list(touched.articles) == list(live.articles)
    assert updates.refresh(touched, corpus, CHUNKING) is None
    assert len(hashed) == 3  # the new states were kept: not hashed again
