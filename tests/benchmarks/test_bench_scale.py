"""The scale benchmark at a tiny size: segments committed, merged by the policy, every
query checked against the exhaustive ranking after a restart."""

from __future__ import annotations

import sys

import numpy as np
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_scale


def test_a_saved_segmented_index_is_restarted_and_checked(tmp_path):
    row = bench_scale.run(9_000, 1_000, 20, 64, tmp_path)
    assert row["chunks"] == 9_000
    assert row["merges"] == 1  # eight segments of one tier became one
    assert row["segments"] == 2
    assert row["queries"] == 20
    assert row["top10_exact"] == 1.0


def test_a_ranking_that_misses_a_chunk_is_not_the_same():
    want = (np.array([3, 1, 2]), np.array([3.0, 2.0, 1.0]))
    assert bench_scale.same(want, want)
    assert not bench_scale.same((np.array([3, 4, 2]), np.array([3.0, 2.0, 1.0])), want)
    assert not bench_scale.same((np.array([3, 1]), np.array([3.0, 2.0])), want)
