"""Term ids of token lists: the same ids and numbering whether the vocabulary is new or
already holds terms (the two paths token_ids takes)."""

import numpy as np

from retrieval.index.forward import Vocabulary, token_ids


def _one_by_one(docs, vocabulary):
    """The plain rule: each token's id, an unseen term numbered when first met."""
    return [vocabulary[t] for doc in docs for t in doc]


def test_unseen_terms_are_numbered_in_order_of_first_occurrence():
    docs = [["b", "new1", "a"], [], ["new2", "new1", "c", "new3"], ["new3"], ["a"]]
    for known in ({}, {"a": 0, "b": 1, "c": 2}, {"zz": 0}):
        got, want = Vocabulary(known), Vocabulary(known)
        ids = token_ids(docs, got)
        assert ids.dtype == np.int32
        assert ids.tolist() == _one_by_one(docs, want)
        assert list(got.items()) == list(want.items())


def test_batches_after_the_first_reuse_and_extend_the_vocabulary():
    rng = np.random.default_rng(3)
    docs = [[f"w{int(w)}" for w in rng.zipf(1.3, int(rng.integers(0, 30)))] for _ in range(400)]
    got, want = Vocabulary(), Vocabulary()
    ids = np.concatenate([token_ids(docs[i : i + 37], got) for i in range(0, len(docs), 37)])
    assert ids.tolist() == _one_by_one(docs, want)
    assert list(got.items()) == list(want.items())
