"""The fast pipeline (worker processes sending term ids, segments, the cached analyser) gives
the chunks, terms and rankings of the plain one: read, chunk and analyse file by file with
spans(), count, score with BM25Okapi."""

from collections import Counter
from itertools import chain

import numpy as np
import pytest
from helpers import BUNDLED_CORPUS, shared_path
from rank_bm25 import BM25Okapi

import retrieval.index.catalog as catalog_module
from retrieval.answering.engine import Engine
from retrieval.answering.snippets import indexed_text
from retrieval.config import Config
from retrieval.index.catalog import update
from retrieval.reading.ingest import corpus_files, read_file
from retrieval.text.analysis import spans
from retrieval.text.chunking import chunk_article, token_counter

QUESTIONS = ["night tram service", "river sewage fine", "Ukraine troops coalition", "ferry"]


def _plain(root, chunking):
    """Articles, chunks (article, paragraph, start, end, text) and terms, the simple way."""
    count = token_counter(chunking.encoding)
    articles, chunks, terms = [], [], []
    for path in corpus_files(root):
        found, _ = read_file(path, root)
        for article in found:
            for c in chunk_article(article, len(articles), *_limits(chunking), count):
                chunks.append((c.article, c.paragraph, c.start, c.end, c.text))
                text = indexed_text(c.text, article.headline)
                terms.append(_terms(text))
            articles.append(article)
    return articles, chunks, terms


def _terms(text):
    return [term for term, _, _ in spans(text)]


def _limits(chunking):
    return chunking.max_tokens, chunking.min_tokens


@pytest.mark.parametrize("corpus", ["bundled", "shared"])
def test_fast_pipeline_gives_the_plain_pipelines_chunks_terms_and_rankings(corpus, monkeypatch):
    root = BUNDLED_CORPUS if corpus == "bundled" else shared_path("corpus")
    config = Config().with_corpus(root)
    articles, chunks, terms = _plain(root, config.chunking)
    monkeypatch.setattr(catalog_module, "POOL_MIN_FILES", 1)  # use worker processes
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
    docs = [
        _terms(indexed_text(c.text, engine.articles[c.article].headline)) for c in engine.chunks
    ]
    reference = BM25Okapi(docs)
    for question in QUESTIONS:
        expected = reference.get_scores(_terms(question))
        hits = engine.search(question, 10)
        best = np.sort(expected[expected > 0])[::-1][:10]
        np.testing.assert_allclose([h.score for h in hits], best, rtol=1e-9)
        np.testing.assert_allclose(expected[[h.chunk for h in hits]], best, rtol=1e-9)
