"""The retrieval benchmark at a tiny size: it runs, and it checks every newsbot query."""

from __future__ import annotations

import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_retrieval


def test_every_query_is_checked_against_the_reference():
    rows = bench_retrieval.run(400, 30, skip=frozenset({"bm25s", "tantivy"}))
    newsbot = next(r for r in rows if r["impl"] == "newsbot")
    assert newsbot["queries"] == 30
    assert newsbot["all_queries_top10_exact"] == 1.0
    assert newsbot["all_queries_max_score_diff"] < 1e-9
    assert newsbot["top10_overlap"] == 1.0


def test_a_ranking_that_misses_a_chunk_is_not_the_same():
    want = ([3, 1, 2], [3.0, 2.0, 1.0])
    assert bench_retrieval.same_ranking(([3, 1, 2], [3.0, 2.0, 1.0]), want)
    assert bench_retrieval.same_ranking(([3, 2, 1], [3.0, 2.0, 2.0]), ([3, 1, 2], [3.0, 2.0, 2.0]))
    assert not bench_retrieval.same_ranking(([3, 4, 2], [3.0, 2.0, 1.0]), want)
    assert not bench_retrieval.same_ranking(([3, 1], [3.0, 2.0]), want)
