"""Parity with rank_bm25.BM25Okapi: the reference scorer, on real and generated text."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from retrieval.analysis import analyze
from retrieval.index import BM25Index, BM25Params


def _expected_top(reference: np.ndarray, k: int) -> list[int]:
    order = np.lexsort((np.arange(reference.size), -reference))
    return [int(i) for i in order if reference[i] > 0][:k]


def _assert_parity(docs, queries, params=None):
    params = params or BM25Params()
    reference = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
    index = BM25Index.build(docs, params)
    for query in queries:
        expected = reference.get_scores(query)
        np.testing.assert_array_equal(index.get_scores(query), expected)
        ids, scores = index.top_k(query, 10)
        assert ids.tolist() == _expected_top(expected, 10)
        np.testing.assert_array_equal(scores, expected[ids])


def test_parity_on_the_real_corpus(shared_engine):
    docs = [analyze(c.indexed_text) for c in _candidates(shared_engine)]
    queries = [analyze(q) for q in _questions()]
    _assert_parity(docs, queries)
    _assert_parity(docs, queries, BM25Params(k1=0.9, b=0.4, epsilon=0.5))


def _candidates(engine):
    from retrieval.engine import candidate

    return [candidate(i, c, engine.articles[c.article], 0.0) for i, c in enumerate(engine.chunks)]


def _questions():
    import yaml
    from helpers import shared_path

    cases = yaml.safe_load(shared_path("eval", "questions.yaml").read_text())
    return [c["question"] for c in cases] + ["troops troops coalition", "Ukraine"]


words = st.sampled_from([f"w{i}" for i in range(40)])
documents = st.lists(st.lists(words, max_size=30), min_size=1, max_size=60).filter(
    lambda docs: any(docs)  # BM25Okapi itself divides by zero on an empty vocabulary
)


@settings(max_examples=150, deadline=None)
@given(documents, st.lists(st.lists(words, min_size=1, max_size=6), min_size=1, max_size=5))
def test_parity_on_generated_text(docs, queries):
    _assert_parity(docs, queries)


def test_common_terms_get_the_epsilon_floor_like_bm25okapi():
    docs = [["a", "b"], ["a", "c"], ["a", "d"], ["e"]]
    index = BM25Index.build(docs)
    reference = BM25Okapi(docs)
    assert index.term_idf("a") == pytest.approx(reference.idf["a"])
    assert reference.idf["a"] > 0  # floored, not negative
    assert index.term_idf("zzz") is None


def test_mask_filters_without_changing_scores():
    docs = [["x", "y"], ["x"], ["y", "y", "x"], ["z"]]
    index = BM25Index.build(docs)
    all_ids, all_scores = index.top_k(["x", "y"], 10)
    mask = np.array([True, False, True, True])
    ids, scores = index.top_k(["x", "y"], 10, mask)
    assert ids.tolist() == [i for i in all_ids.tolist() if mask[i]]
    np.testing.assert_array_equal(scores, all_scores[mask[all_ids]])


def test_unknown_terms_and_empty_index():
    index = BM25Index.build([["a"]])
    assert index.top_k(["nothing"], 5)[0].size == 0
    empty = BM25Index.build([])
    assert empty.top_k(["a"], 5)[0].size == 0
    assert empty.get_scores(["a"]).size == 0
