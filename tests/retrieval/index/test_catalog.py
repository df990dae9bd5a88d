"""Incremental updates re-read only what changed and keep BM25 statistics exact."""

import os
import shutil

import numpy as np
from helpers import BUNDLED_CORPUS
from rank_bm25 import BM25Okapi

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.index.catalog import update
from retrieval.text.analysis import analyze, indexed_terms

QUERIES = ["night tram service", "Aln river sewage fine", "storm power homes", "ferry repairs"]


def _config(corpus):
    return Config().with_corpus(corpus)


def assert_matches_bm25okapi(engine: Engine) -> None:
    """The engine's index scores exactly like BM25Okapi built fresh over its chunks."""
    docs = [
        indexed_terms(c.text, a.headline, a.section(c.paragraph))
        for c in engine.backend.chunks
        for a in [engine.backend.articles[c.article]]
    ]
    reference = BM25Okapi(docs)
    for q in QUERIES:
        terms = analyze(q)
        np.testing.assert_allclose(
            engine.backend.index.get_scores(terms), reference.get_scores(terms), rtol=1e-12
        )


def test_adds_changes_and_removals_keep_exact_statistics(tmp_path):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    engine = Engine.from_config(_config(corpus))
    assert engine.refreshed() is None  # nothing changed

    (corpus / "tree-planting.txt").unlink()
    (corpus / "extra.txt").write_text("Harbour ferry strike\n\nFerry crews walked out over pay.\n")
    text = (corpus / "museum-reopens.txt").read_text()
    (corpus / "museum-reopens.txt").write_text(text.replace("9,000 visitors", "12,000 visitors"))
    updated = engine.refreshed()
    assert updated is not None
    headlines = {a.headline for a in updated.backend.articles}
    assert "Harbour ferry strike" in headlines
    assert "Volunteers plant 5,000 trees along the Aln valley" not in headlines
    assert_matches_bm25okapi(updated)
    fresh = Engine.from_config(_config(corpus))
    assert [c.text for c in fresh.backend.chunks] == [
        c.text for c in updated.backend.chunks
    ] or sorted(c.text for c in fresh.backend.chunks) == sorted(
        c.text for c in updated.backend.chunks
    )
    for q in QUERIES:
        a = fresh.search(q, 5)
        b = updated.search(q, 5)
        assert [(h.passage, round(h.score, 9)) for h in a] == [
            (h.passage, round(h.score, 9)) for h in b
        ]


def test_only_changed_files_are_read_again(tmp_path, monkeypatch):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    catalog, _ = update(corpus, Config().chunking)
    read = []
    import retrieval.index.catalog as module

    real = module.read_record

    def spy(path, root, chunking, allowed=()):
        read.append(path.name)
        return real(path, root, chunking, allowed)

    monkeypatch.setattr(module, "read_record", spy)
    os.utime(corpus / "library-hours.md")  # touched, same content: hashed, not re-read
    (corpus / "wire-briefs.jsonl").write_text(
        (corpus / "wire-briefs.jsonl").read_text() + '{"title": "New", "text": "New brief."}\n'
    )
    updated, changed = update(corpus, Config().chunking, catalog)
    assert changed and read == ["wire-briefs.jsonl"]
    assert len(updated.articles) == len(catalog.articles) + 1


def test_updates_through_a_tiny_buffer_keep_exact_statistics(tmp_path):
    """Many flushed segments on the first read and on the update: still BM25Okapi's scores."""
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    chunking = Config().chunking
    catalog, _ = update(corpus, chunking, memory_mb=0.002)
    (corpus / "tree-planting.txt").unlink()
    (corpus / "extra.txt").write_text("Harbour ferry strike\n\nFerry crews walked out over pay.\n")
    catalog, changed = update(corpus, chunking, catalog, memory_mb=0.002)
    assert changed
    articles, chunks, rows = catalog.live()
    index = BM25Index.from_forward(
        catalog.forward.select(rows), catalog.vocabulary, BM25Params(), memory_mb=0.002
    )
    docs = [
        indexed_terms(c.text, a.headline, a.section(c.paragraph))
        for c in chunks
        for a in [articles[c.article]]
    ]
    reference = BM25Okapi(docs)
    for q in [*QUERIES, "ferry strike pay"]:
        terms = analyze(q)
        np.testing.assert_allclose(index.get_scores(terms), reference.get_scores(terms), rtol=1e-12)
