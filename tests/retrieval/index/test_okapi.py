"""The one scorer against rank_bm25.BM25Okapi, the reference, term by term."""

from __future__ import annotations

import random

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.index import okapi

K1, B, EPSILON = 1.5, 0.75, 0.25


def _corpus(seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(40)]
    # "common" is in nearly every document: its raw idf is negative and floored.
    return [rng.choices(words, k=rng.randint(3, 30)) + ["common"] * (i % 7 != 0) for i in range(60)]


def test_idf_with_its_floor_is_bm25okapis():
    docs = _corpus()
    reference = BM25Okapi(docs, k1=K1, b=B, epsilon=EPSILON)
    vocabulary = sorted(reference.idf)
    df = np.array([sum(term in doc for doc in docs) for term in vocabulary])
    got = okapi.idfs(df, len(docs), EPSILON)
    want = np.array([reference.idf[t] for t in vocabulary])
    floored = want == EPSILON * reference.average_idf
    assert floored.any() and not floored.all()  # the floor is exercised
    # Raw idfs are the same bits; the floor's mean is summed exactly here (fsum), in
    # dictionary order by BM25Okapi: they may differ in the last bits, no more.
    assert got[~floored].tolist() == want[~floored].tolist()
    np.testing.assert_allclose(got, want, rtol=1e-14)
    mean = okapi.mean_idf(df.tolist(), len(docs))
    assert [okapi.idf(int(f), len(docs), EPSILON, mean) for f in df] == got.tolist()


def test_a_chunks_term_weights_are_bm25okapis_bit_for_bit():
    docs = _corpus(5)
    reference = BM25Okapi(docs, k1=K1, b=B, epsilon=EPSILON)
    lengths = np.array([len(d) for d in docs])
    norm = okapi.length_norm(lengths.astype(np.float64), K1, B, reference.avgdl)
    for term in ["w1", "w7", "w30"]:
        tf = np.array([doc.count(term) for doc in docs])
        idf = reference.idf[term]
        got = okapi.term_weights(tf, norm.copy(), idf, K1)
        assert got.tolist() == reference.get_scores([term]).tolist()  # one term: no sums
        scalar = [
            okapi.term_weight(int(f), okapi.length_norm(int(n), K1, B, reference.avgdl), idf, K1)
            for f, n in zip(tf, lengths, strict=True)
        ]
        assert scalar == got.tolist()


def test_a_word_no_chunk_holds_weighs_more_than_any_that_one_does():
    assert okapi.raw_idf(0, 1000) > okapi.raw_idf(1, 1000) > okapi.raw_idf(400, 1000) > 0
    assert okapi.raw_idf(900, 1000) < 0
