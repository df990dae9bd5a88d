"""Parity with rank_bm25.BM25Okapi: the reference scorer, on real and generated text."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from retrieval.index.bm25 import BM25Index, BM25Params, Forward
from retrieval.text.analysis import analyze, indexed_terms

RTOL = 1e-12  # the brief allows 1e-6; we differ only in summation order


def assert_same_top(ids, scores, expected: np.ndarray, k: int) -> None:
    """Our top k is BM25Okapi's top k, except for the order of exactly tied chunks."""
    best = np.sort(expected[expected > 0])[::-1][:k]
    np.testing.assert_allclose(scores, best, rtol=RTOL)
    np.testing.assert_allclose(expected[ids], scores, rtol=RTOL)
    assert len(set(ids.tolist())) == len(ids)


def _assert_parity(docs, queries, params=None, k=10):
    params = params or BM25Params()
    reference = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
    index = BM25Index.build(docs, params)
    for query in queries:
        expected = reference.get_scores(query)
        np.testing.assert_allclose(index.get_scores(query), expected, rtol=RTOL)
        ids, scores = index.top_k(query, k)
        assert_same_top(ids, scores, expected, k)


def test_parity_on_the_real_corpus(shared_engine):
    docs = [
        indexed_terms(
            c.text,
            shared_engine.backend.articles[c.article].headline,
            shared_engine.backend.articles[c.article].section(c.paragraph),
        )
        for c in shared_engine.backend.chunks
    ]
    queries = [analyze(q) for q in _questions()]
    _assert_parity(docs, queries)
    _assert_parity(docs, queries, BM25Params(k1=0.9, b=0.4, epsilon=0.5))


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


def _zipf_docs(n, vocab=3000, seed=1):
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    return [
        [f"t{w}" for w in rng.choice(vocab, size=int(rng.integers(20, 60)), p=weights)]
        for _ in range(n)
    ]


def test_pruned_queries_with_common_words_are_still_exact():
    docs = _zipf_docs(3000)
    rng = np.random.default_rng(5)
    queries = [[f"t{w}" for w in rng.integers(0, 3000, 3)] + ["t0", "t1", "t2"] for _ in range(40)]
    queries += [["t0", "t1"], ["t2999", "t0"], ["t5", "t5", "t0"]]
    _assert_parity(docs, queries, k=10)
    _assert_parity(docs, queries[:10], k=1)


def test_filtered_top_k_equals_filtering_all_scores():
    docs = _zipf_docs(2000, seed=3)
    index = BM25Index.build(docs)
    mask = np.random.default_rng(2).random(len(docs)) < 0.3
    for query in (["t0", "t40", "t700"], ["t1", "t2"], ["t9", "t1500"]):
        full = index.get_scores(query)
        full[~mask] = 0
        ids, scores = index.top_k(query, 10, mask)
        assert mask[ids].all()
        assert_same_top(ids, scores, full, 10)


def test_forward_index_round_trips_through_select_and_concat():
    docs = _zipf_docs(300, vocab=200, seed=4)
    vocabulary: dict[str, int] = {}
    forward = Forward.from_docs(docs, vocabulary)
    assert forward.lengths().tolist() == [len(d) for d in docs]
    rows = np.array([5, 0, 299, 17])
    part = forward.select(rows)
    again = Forward.concat([forward.select(np.arange(150)), forward.select(np.arange(150, 300))])
    np.testing.assert_array_equal(again.indptr, forward.indptr)
    np.testing.assert_array_equal(again.terms, forward.terms)
    rebuilt = BM25Index.from_forward(part, list(vocabulary), BM25Params())
    reference = BM25Okapi([docs[i] for i in rows])
    for query in (["t0", "t3"], ["t10", "t150", "t0"]):
        np.testing.assert_allclose(
            rebuilt.get_scores(query), reference.get_scores(query), rtol=RTOL
        )


def test_unknown_terms_and_empty_index():
    index = BM25Index.build([["a"]])
    assert index.top_k(["nothing"], 5)[0].size == 0
    empty = BM25Index.build([])
    assert empty.top_k(["a"], 5)[0].size == 0
    assert empty.get_scores(["a"]).size == 0
