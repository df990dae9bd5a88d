"""A segmented build (tiny RAM buffer, many flushes) equals the one-segment build exactly."""

from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.index.bm25 import BM25Index, BM25Params
from retrieval.index.forward import Forward, Vocabulary
from retrieval.index.segments import BYTES_PER_TOKEN, SegmentWriter, SpillError

ARRAYS = ("indptr", "doc_ids", "tfs", "doc_len", "idf", "norm", "max_impact")
HUGE_MB = 4096  # one segment, one block: the one-shot build


def _zipf_docs(n, vocab=2000, seed=11):
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    docs = [
        [f"t{w}" for w in rng.choice(vocab, size=int(rng.integers(0, 50)), p=weights)]
        for _ in range(n)
    ]
    docs[7] = []  # an empty chunk in the middle
    return docs


def assert_same_index(a: BM25Index, b: BM25Index) -> None:
    assert a.terms == b.terms
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_writer_flushes_many_segments_within_its_budget(tmp_path: Path):
    docs = _zipf_docs(3000)
    memory_mb = 2000 * BYTES_PER_TOKEN / 2**20  # about 2,000 tokens per segment
    writer = SegmentWriter(Vocabulary(), memory_mb, tmp_path)
    writer.add_docs(docs)
    writer.flush()
    tokens = sum(map(len, docs))
    assert len(writer.paths) >= tokens // 2000 // 3  # batches of chunks may overshoot
    segments = list(writer.segments())
    assert sum(s.size for s in segments) == len(docs)
    whole = Forward.from_docs(docs, {})
    joined = Forward.concat(segments)
    for name in ("indptr", "terms", "tfs"):
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name))
    assert np.array_equal(writer.df, np.bincount(whole.terms))


def test_segmented_build_equals_one_shot_and_bm25okapi(tmp_path: Path):
    docs = _zipf_docs(3000)
    one_shot = BM25Index.build(docs, memory_mb=HUGE_MB)
    for memory_mb in (0.05, 0.2, 1.0):  # hundreds down to a handful of segments
        segmented = BM25Index.build(docs, memory_mb=memory_mb, spill=tmp_path)
        assert_same_index(segmented, one_shot)
    assert not list(tmp_path.iterdir())  # spilled segments are removed
    reference = BM25Okapi(docs)
    rng = np.random.default_rng(3)
    for query in [[f"t{w}" for w in rng.integers(0, 2000, 4)] + ["t0"] for _ in range(20)]:
        expected = reference.get_scores(query)
        np.testing.assert_allclose(segmented.get_scores(query), expected, rtol=1e-12)
        ids, scores = segmented.top_k(query, 10)
        np.testing.assert_allclose(expected[ids], scores, rtol=1e-12)
        best = np.sort(expected[expected > 0])[::-1][:10]
        np.testing.assert_allclose(scores, best, rtol=1e-12)


def test_blockwise_inversion_of_a_forward_index_equals_one_block():
    docs = _zipf_docs(2500, seed=5)
    vocabulary: dict[str, int] = {}
    forward = Forward.from_docs(docs, vocabulary)
    terms = [*vocabulary, "never-used"]  # a vocabulary term no chunk holds is dropped
    rows = np.arange(0, 2500, 3)
    part = forward.select(rows, postings=500)
    whole = BM25Index.from_forward(part, terms, BM25Params(), memory_mb=HUGE_MB)
    blocks = BM25Index.from_forward(part, terms, BM25Params(), memory_mb=0.01)
    assert_same_index(blocks, whole)
    assert "never-used" not in blocks.terms
    reference = BM25Okapi([docs[i] for i in rows])
    for query in (["t0", "t3"], ["t10", "t150", "t0"], ["t1999"]):
        np.testing.assert_allclose(
            blocks.get_scores(query), reference.get_scores(query), rtol=1e-12
        )


def test_no_folder_for_segments_is_a_clear_error(tmp_path: Path):
    with pytest.raises(SpillError, match="TMPDIR"):
        BM25Index.build([["a", "b"]], spill=tmp_path / "missing")
