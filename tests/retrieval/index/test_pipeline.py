"""The fast pipeline (worker processes sending term ids, segments, the cached analyser) gives
the chunks, terms and rankings of the plain one: read, chunk and analyse file by file in
this process with spans(), score with BM25Okapi."""

from collections import Counter
from itertools import chain

import numpy as np
import pytest
from helpers import BUNDLED_CORPUS, shared_path
from rank_bm25 import BM25Okapi

import retrieval.index.catalog as catalog_module
from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index.catalog import analyze_articles, update
from retrieval.reading.ingest import corpus_files, read_file
from retrieval.text import analysis

QUESTIONS = ["night tram service", "river sewage fine", "Ukraine troops coalition", "ferry"]


def _spans_terms(text):
    """Terms the plain way: one match object and span per token."""
    return [term for term, _, _ in analysis.spans(text)]


def _plain(root, chunking):
    """Articles, chunks (article, paragraph, start, end, text) and terms, file by file."""
    articles, chunks, terms = [], [], []
    for path in corpus_files(root):
        found, _ = read_file(path, root)
        found_chunks, found_terms = analyze_articles(found, chunking)
        chunks += [
            (len(articles) + c.article, c.paragraph, c.start, c.end, c.text) for c in found_chunks
        ]
        terms += found_terms
        articles += found
    return articles, chunks, terms


@pytest.mark.parametrize("corpus", ["bundled", "shared"])
def test_fast_pipeline_gives_the_plain_pipelines_chunks_terms_and_rankings(corpus, monkeypatch):
    root = BUNDLED_CORPUS if corpus == "bundled" else shared_path("corpus")
    config = Config().with_corpus(root)
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "analyze", _spans_terms)  # here only: workers run the fast one
        articles, chunks, terms = _plain(root, config.chunking)
    monkeypatch.setattr(catalog_module, "POOL_MIN_FILES", 1)  # every file in a worker process
    catalog, _ = update(root, config.chunking, workers=2, memory_mb=0.002)  # many segments

    assert catalog.articles == articles
    assert [(c.article, c.paragraph, c.start, c.end, c.text) for c in catalog.chunks] == chunks
    assert catalog.vocabulary == list(dict.fromkeys(chain.from_iterable(terms)))
    forward = catalog.forward
    for row, expected in enumerate(terms):
        a, b = forward.indptr[row], forward.indptr[row + 1]
        pairs = zip(forward.terms[a:b].tolist(), forward.tfs[a:b].tolist(), strict=True)
        got = {catalog.vocabulary[t]: n for t, n in pairs}
        assert got == Counter(expected), row

    engine = Engine.from_config(config)
    live = engine.backend.catalog.live()[2]  # the rows of the chunks the engine serves
    reference = BM25Okapi([terms[row] for row in live.tolist()])
    for question in QUESTIONS:
        query = _spans_terms(question)
        expected = reference.get_scores(query)
        ids, scores = engine.backend.index.top_k(query, 10)
        best = np.sort(expected[expected > 0])[::-1][:10]
        np.testing.assert_allclose(scores, best, rtol=1e-9)
        np.testing.assert_allclose(expected[ids], best, rtol=1e-9)
