"""The parity benchmark at a tiny size: it runs, and what it measures is within the contract."""

from __future__ import annotations

import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_parity
import pytest

pytest.importorskip("xapian")  # the shards are measured too


def test_a_tiny_run_measures_both_backends_against_bm25okapi():
    results = bench_parity.run(["bundled", "generated"], random_queries=5, seed=1, files=12)
    for name in ("bundled", "generated"):
        assert results[name]["chunks"] > 0
        for backend in ("embedded", "shards"):
            measured = results[name][backend]
            assert measured["queries"] > 5 and measured["scores"] > 0
            assert measured["max_rel_diff"] <= 1e-9
            assert measured["same_top10_share"] == 1.0
