"""bench_ingest at a tiny size: it runs, and its figures are the ones it promises."""

import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_ingest


def test_bench_ingest_reports_restart_and_one_added_file(tmp_path):
    row = bench_ingest.run(tmp_path, "aggregator", 12, 1, 64, bench_ingest.write_pages)
    assert row["pages"] == 12 and row["chunks"] > 12
    for key in ("seconds", "restart_first_answer_s", "one_file_changed_s"):
        assert 0 < row[key] < 60, key
    assert row["peak_mb"] >= 0
