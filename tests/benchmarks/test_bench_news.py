"""bench_news.py at a tiny size: every part runs and reports what the docs quote."""

from __future__ import annotations

import json
import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_news


def test_the_benchmark_runs_small_and_writes_its_results(tmp_path):
    out = tmp_path / "results.json"
    argv = ["--subscriptions", "20", "--batch", "5", "--archive", "20", "--repeats", "2"]
    argv += ["--vocabulary", "3000"]
    assert bench_news.main([*argv, "--out", str(out)]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    matching = results["matching"]
    assert matching["subscriptions"] == 20 and matching["batch_articles"] == 5
    assert matching["matches"] > 0  # half the topics come from the batch: some match
    assert matching["match_p50_ms"] > 0 and matching["match_cpu_p50_ms"] >= 0
    assert results["refresh_to_alert"]["alerts_queued"] == 1
    grouping = results["grouping"]
    assert grouping["stories"] == 7 and 0 <= grouping["pair_precision"] <= 1
    followups = results["followups"]
    assert followups["pairs"] >= 10
    assert followups["answered_right_with_carry_over"] >= followups["answered_right_alone"]
    assert "cores" in results["machine"]
