"""The top-k kernel: block bounds that hold for any statistics, exact results on a
segment searched with another index's idf and average length."""

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index import okapi, topk
from retrieval.index.bm25 import BM25Index

K1, B = 1.5, 0.75


def _zipf_docs(n, vocab=2000, seed=1):
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    return [
        [f"t{w}" for w in rng.choice(vocab, size=int(rng.integers(5, 80)), p=weights)]
        for _ in range(n)
    ]


def _postings(index: BM25Index) -> topk.Postings:
    return topk.Postings(index.indptr, index.doc_ids, index.tfs, index.doc_len)


@pytest.mark.parametrize("avgdl", [3.0, 40.0, 400.0])
def test_block_bounds_hold_whatever_the_average_length(avgdl):
    index = BM25Index.build(_zipf_docs(3000))
    postings = _postings(index)
    blocks = topk.BlockMaxima(postings)
    norm = okapi.length_norm(index.doc_len.astype(np.float64), K1, B, avgdl)
    weighting = topk.Weighting(K1, B, avgdl, norm)
    tight = 0
    for t in range(len(index.terms)):
        a, b = index.indptr[t], index.indptr[t + 1]
        ids = index.doc_ids[a:b]
        weights = okapi.term_weights(index.tfs[a:b], weighting.norm[ids], 2.0, K1)
        bounds = weighting.block_bounds(blocks.of(t), 2.0)
        per_posting = np.repeat(bounds, topk.BLOCK)[: b - a]
        assert (weights <= per_posting).all()
        assert blocks.of(t).last.tolist() == ids[topk.BLOCK - 1 :: topk.BLOCK].tolist() + (
            [] if (b - a) % topk.BLOCK == 0 else [ids[-1]]
        )
        tight += int(np.isclose(weights.max(), bounds.max()))
    assert tight > len(index.terms) // 2  # the bounds are not merely huge


def _segment_search(docs, lo, hi, queries, k, mask=None):
    """Search docs[lo:hi] as a segment with the statistics of all docs, like BM25Okapi."""
    reference = BM25Okapi(docs)
    segment = BM25Index.build(docs[lo:hi])
    postings = _postings(segment)
    lengths = segment.doc_len.astype(np.float64)
    norm = okapi.length_norm(lengths, K1, B, reference.avgdl)
    weighting = topk.Weighting(K1, B, reference.avgdl, norm)
    idf = np.array([reference.idf[t] for t in segment.terms])
    bounds = topk.term_bounds(postings, weighting, idf)
    blocks = topk.BlockMaxima(postings)
    for query in queries:
        expected = reference.get_scores(query)[lo:hi]
        if mask is not None:
            expected = np.where(mask, expected, 0.0)
        terms = [segment.vocabulary[w] for w in query if w in segment.vocabulary]
        ids, scores = topk.top_k(postings, blocks, weighting, terms, idf, bounds, k, mask)
        best = np.sort(expected[expected > 0])[::-1][:k]
        np.testing.assert_allclose(scores, best, rtol=1e-12)
        np.testing.assert_allclose(expected[ids], scores, rtol=1e-12)
        assert len(set(ids.tolist())) == len(ids)


def _queries(seed, count=60, vocab=2000):
    rng = np.random.default_rng(seed)
    common = [f"t{w}" for w in range(8)]
    out = []
    for _ in range(count):
        rare = [f"t{w}" for w in rng.integers(8, vocab, int(rng.integers(1, 4)))]
        out.append(rare + list(rng.choice(common, int(rng.integers(1, 5)))))
    return [*out, ["t0", "t1", "t2", "t3"], ["t5", "t5", "t0"], ["t1999", "t0", "t0"]]


@pytest.mark.parametrize("k", [1, 10])
def test_a_segment_searched_with_global_statistics_is_exact(k):
    docs = _zipf_docs(4000, seed=2)
    _segment_search(docs, 1000, 3500, _queries(3), k)


def test_a_filtered_segment_search_is_exact():
    docs = _zipf_docs(3000, seed=4)
    mask = np.random.default_rng(5).random(2000) < 0.4
    _segment_search(docs, 0, 2000, _queries(6, count=30), 10, mask)


def test_terms_with_idf_at_or_below_zero_are_scored_in_full():
    docs = [["a", "b"], ["a", "c"], ["a", "b", "c"], ["d"]]
    index = BM25Index.build(docs)
    postings = _postings(index)
    idf = np.array([-0.5, 1.0, 0.0, 2.0])[: len(index.terms)]
    weighting = index.weighting
    terms = [index.vocabulary[w] for w in ("a", "b", "c")]
    ids, scores = topk.top_k(
        postings, topk.BlockMaxima(postings), weighting, terms, idf, np.abs(idf), 10
    )
    dense = np.zeros(len(docs))
    for t in terms:
        a, b = index.indptr[t], index.indptr[t + 1]
        ids_t = index.doc_ids[a:b]
        dense[ids_t] += okapi.term_weights(index.tfs[a:b], weighting.norm[ids_t], idf[t], K1)
    positive = np.flatnonzero(dense > 0)
    assert sorted(ids.tolist()) == positive.tolist()
    np.testing.assert_array_equal(scores, dense[ids])


@pytest.mark.parametrize("count", [3, 40, 1500])  # binary search, then marked places
def test_a_terms_weights_at_unsorted_candidates_are_its_own(count):
    index = BM25Index.build(_zipf_docs(3000, seed=7))
    postings = _postings(index)
    scratch = np.zeros(index.size)
    rng = np.random.default_rng(count)
    for t in (0, 1, 5, 50, len(index.terms) - 1):
        dense = np.zeros(index.size)
        a, b = index.indptr[t], index.indptr[t + 1]
        ids = index.doc_ids[a:b]
        dense[ids] = okapi.term_weights(index.tfs[a:b], index.norm[ids], index.idf[t], K1)
        # candidates in no order, some holding the term, some not
        candidates = rng.permutation(index.size)[:count].astype(np.intp)
        got = topk._lookup(postings, index.weighting, t, index.idf[t], candidates, scratch)
        np.testing.assert_array_equal(got, dense[candidates])
        assert not scratch.any()  # the scratch buffer is left zeroed for the next query
